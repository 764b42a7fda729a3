"""The working-day endpoints on /api/v1/ (logged-in users)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingshang.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_as):
    return client_as(Role.DEPARTMENT_STAFF)


def test_adding_working_days(api, calendar_2026):
    response = api.get("/api/v1/workdays/add", {"start": "2026-09-30", "n": 1})
    assert response.json() == {"start": "2026-09-30", "working_days": 1, "result": "2026-10-08"}


def test_an_absurd_number_of_working_days_is_refused(api):
    assert api.get("/api/v1/workdays/add", {"start": "2026-09-30", "n": 10**9}).status_code == 422


def test_working_days_between_two_dates(api, calendar_2026):
    response = api.get("/api/v1/workdays/between", {"a": "2026-09-30", "b": "2026-10-10"})
    assert response.json() == {"a": "2026-09-30", "b": "2026-10-10", "working_days": 3}
    backwards = api.get("/api/v1/workdays/between", {"a": "2026-10-10", "b": "2026-09-30"})
    assert backwards.json()["working_days"] == -3


def test_a_make_up_saturday_is_a_working_day(api, calendar_2026):
    response = api.get("/api/v1/workdays/is-working-day", {"date": "2026-10-10"})
    assert response.json() == {
        "date": "2026-10-10",
        "is_working_day": True,
        "kind": "makeup",
        "kind_label": "调休上班",
        "name": "国庆节调休上班",
        "year_known": True,
        "warning": None,
    }


def test_a_day_in_an_unknown_year_carries_a_warning(api):
    body = api.get("/api/v1/workdays/is-working-day", {"date": "2027-10-01"}).json()
    assert body["is_working_day"] is True
    assert body["warning"] == "2027年节假日安排尚未录入,截止日期将按周一至周五计算"


def test_a_malformed_date_is_a_422(api):
    assert api.get("/api/v1/workdays/is-working-day", {"date": "2026-13-01"}).status_code == 422


def test_the_endpoints_need_a_login(client, db):
    assert client.get("/api/v1/workdays/between", {"a": "2026-01-01", "b": "2026-01-31"}).status_code == 401


# ---- the calendar's range: no request may make the server walk centuries --------------------------------------

RANGE_MESSAGE = "日期须在 1949-01-01 至 2100-12-31 之间"


def range_errors(response: Any) -> list[str]:
    assert response.status_code == 422, response.content
    return [error["msg"] for error in response.json()["errors"]]


def calendar_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "core_calendarday" in q["sql"]]


def test_a_count_across_millennia_is_refused_before_reading_the_calendar(api):
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/api/v1/workdays/between", {"a": "0001-01-01", "b": "9999-12-31"})
    assert range_errors(response) == [RANGE_MESSAGE, RANGE_MESSAGE]
    assert calendar_queries(captured) == []


def test_a_count_over_the_whole_range_reads_the_calendar_in_one_query(api, calendar_2026):
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/api/v1/workdays/between", {"a": "1949-01-01", "b": "2100-12-31"})
    assert response.status_code == 200
    assert len(calendar_queries(captured)) == 1


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31", "1948-12-31", "2101-01-01"])
def test_a_start_date_outside_the_calendar_is_a_422(api, start):
    assert range_errors(api.get("/api/v1/workdays/add", {"start": start, "n": 1})) == [RANGE_MESSAGE]


@pytest.mark.parametrize(("start", "n"), [("9999-12-31", 2000), ("0001-01-01", -2000), ("0001-01-01", 0)])
def test_a_deadline_near_the_ends_of_time_is_a_422_not_a_crash(api, start, n):
    assert range_errors(api.get("/api/v1/workdays/add", {"start": start, "n": n})) == [RANGE_MESSAGE]


def test_a_deadline_that_would_leave_the_calendar_is_a_422(api):
    assert range_errors(api.get("/api/v1/workdays/add", {"start": "2100-12-01", "n": 2000})) == [RANGE_MESSAGE]


def test_is_working_day_outside_the_calendar_is_a_422(api):
    assert range_errors(api.get("/api/v1/workdays/is-working-day", {"date": "9999-12-31"})) == [RANGE_MESSAGE]


def test_the_first_and_last_days_of_the_calendar_are_answered(api):
    assert api.get("/api/v1/workdays/between", {"a": "1949-01-01", "b": "2100-12-31"}).status_code == 200
    assert api.get("/api/v1/workdays/add", {"start": "1949-01-03", "n": -1}).status_code == 422
    assert api.get("/api/v1/workdays/add", {"start": "2100-12-30", "n": 1}).json()["result"] == "2100-12-31"
