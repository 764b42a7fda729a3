"""The working-day endpoints on /api/v1/ (logged-in users)."""

from __future__ import annotations

import pytest

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
