"""The JSON API: Idempotency-Key on POST, 12345 intake dedup, transitions with 409 on a stale version."""

from __future__ import annotations

import json

import pytest

from yingshang.accounts.roles import Role
from yingshang.appeals.models import Appeal
from yingshang.appeals.tests.factories import AppealCategoryFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/appeals/"


def _post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def category(department_jingxin):
    return AppealCategoryFactory.create(code="land", default_department=department_jingxin)


def test_a_retry_with_the_same_idempotency_key_returns_the_first_appeal(client_as, category):
    client = client_as(Role.ENTERPRISE)
    body = {"category_id": category.pk, "title": "融资需求", "description": "需要 500 万流动资金贷款"}
    first = _post(client, BASE, body, **{"Idempotency-Key": "abc-123"})
    again = _post(client, BASE, body, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["appeal"]["number"] == first.json()["appeal"]["number"]
    other = _post(client, BASE, {**body, "title": "别的"}, **{"Idempotency-Key": "abc-123"})
    assert other.status_code == 422
    assert Appeal.objects.count() == 1


def test_12345_intake_by_external_id_never_duplicates(client_as, category, enterprise_battery_maker):
    client = client_as(Role.COORDINATOR)
    body = {
        "external_id": "GD202611050001",
        "category_code": "land",
        "title": "道路施工影响货车进出",
        "description": "企业反映",
        "enterprise_uscc": enterprise_battery_maker.uscc,
        "contact_phone": "13907241234",
    }
    first = _post(client, f"{BASE}intake/12345", body)
    second = _post(client, f"{BASE}intake/12345", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["appeal"]["contact_phone_masked"] == "139****1234"
    assert Appeal.objects.get().enterprise == enterprise_battery_maker


def test_transitions_answer_409_on_a_stale_version(client_as, category, department_jingxin, enterprise_battery_maker):
    enterprise_client = client_as(Role.ENTERPRISE)
    created = _post(enterprise_client, BASE, {"category_id": category.pk, "title": "t", "description": "d"}).json()
    appeal = created["appeal"]
    office = client_as(Role.COORDINATOR)
    ok = _post(
        office,
        f"{BASE}{appeal['id']}/dispatch",
        {"version": appeal["version"], "lead_department_id": department_jingxin.pk},
    )
    assert ok.status_code == 200 and ok.json()["state"] == "dispatched"
    stale = _post(
        office,
        f"{BASE}{appeal['id']}/dispatch",
        {"version": appeal["version"], "lead_department_id": department_jingxin.pk},
    )
    assert stale.status_code == 409
    assert "已被他人更新" in stale.json()["detail"]


def test_the_enterprise_detail_hides_internal_events(client_as, category, department_jingxin):
    enterprise_client = client_as(Role.ENTERPRISE)
    appeal = _post(enterprise_client, BASE, {"category_id": category.pk, "title": "t", "description": "d"}).json()[
        "appeal"
    ]
    office = client_as(Role.COORDINATOR)
    _post(
        office,
        f"{BASE}{appeal['id']}/dispatch",
        {"version": appeal["version"], "lead_department_id": department_jingxin.pk},
    )
    seen = enterprise_client.get(f"{BASE}{appeal['id']}").json()
    assert seen["colour"] is None and seen["lead_department"] is None
    assert [e["title"] for e in seen["timeline"]] == ["提交诉求(网上申报)", f"分派至{department_jingxin.name}(主办)"]


def test_a_retried_transition_with_its_idempotency_key_replays_instead_of_conflicting(
    client_as, category, department_jingxin
):
    enterprise_client = client_as(Role.ENTERPRISE)
    appeal = _post(enterprise_client, BASE, {"category_id": category.pk, "title": "t", "description": "d"}).json()[
        "appeal"
    ]
    office = client_as(Role.COORDINATOR)
    body = {"version": appeal["version"], "lead_department_id": department_jingxin.pk}
    first = _post(office, f"{BASE}{appeal['id']}/dispatch", body, **{"Idempotency-Key": "dispatch-1"})
    retry = _post(office, f"{BASE}{appeal['id']}/dispatch", body, **{"Idempotency-Key": "dispatch-1"})
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.json()["version"] == appeal["version"] + 1
    assert Appeal.objects.get(pk=appeal["id"]).assignments.count() == 1
    changed = _post(
        office, f"{BASE}{appeal['id']}/dispatch", {**body, "note": "改"}, **{"Idempotency-Key": "dispatch-1"}
    )
    assert changed.status_code == 422


def test_filing_answers_from_the_new_appeal_without_reading_it_back(client_as, category, enterprise_battery_maker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from yingshang.appeals.services import appeal_number_next

    client = client_as(Role.COORDINATOR)
    body = {
        "category_id": category.pk,
        "enterprise_id": enterprise_battery_maker.pk,
        "title": "电力增容",
        "description": "需要增容 2000 千伏安",
        "contact_phone": "13907241234",
    }
    appeal_number_next(year=timezone.localdate().year)  # the year's counter exists, as after its first appeal
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, BASE, body)
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "appeals_appeal"' in q["sql"]
    ]
    assert reads == []
    # The answer is what a later read of the same appeal shows.
    filed = response.json()["appeal"]
    detail = client.get(f"{BASE}{appeal.pk}").json()
    assert filed == {**detail, "timeline": None}
    assert filed["colour"] in ("green", "yellow") and filed["contact_phone_masked"] == "139****1234"


@pytest.mark.parametrize(
    ("state", "finished_late", "deadline", "yellow_from"),
    [
        ("handling", False, None, None),
        ("handling", False, "2026-11-09", "2026-11-05"),  # past the deadline
        ("handling", False, "2026-11-12", "2026-11-10"),  # yellow from today
        ("handling", False, "2026-11-20", "2026-11-18"),
        ("suspended", False, "2026-11-20", None),
        ("closed", True, "2026-11-20", None),
        ("replied", False, "2026-11-01", None),
    ],
)
def test_the_in_memory_colour_matches_the_database_colour(
    enterprise_battery_maker, state, finished_late, deadline, yellow_from
):
    from datetime import date

    from yingshang.appeals.selectors import appeal_colour, colour_of
    from yingshang.appeals.tests.factories import file_appeal

    appeal = file_appeal(enterprise=enterprise_battery_maker)
    Appeal.objects.filter(pk=appeal.pk).update(
        state=state, finished_late=finished_late, deadline=deadline, yellow_from=yellow_from
    )
    appeal.refresh_from_db()
    day = date(2026, 11, 10)
    assert colour_of(appeal, day) == appeal_colour(appeal, day)


def test_a_department_returning_an_appeal_gets_the_outcome_not_a_404(client_as, category, department_jingxin):
    enterprise_client = client_as(Role.ENTERPRISE)
    appeal = _post(enterprise_client, BASE, {"category_id": category.pk, "title": "t", "description": "d"}).json()[
        "appeal"
    ]
    dispatched = _post(
        client_as(Role.COORDINATOR),
        f"{BASE}{appeal['id']}/dispatch",
        {"version": appeal["version"], "lead_department_id": department_jingxin.pk},
    ).json()
    staff = client_as(Role.DEPARTMENT_STAFF)
    returned = _post(
        staff, f"{BASE}{appeal['id']}/return", {"version": dispatched["version"], "reason": "不属本部门职责"}
    )
    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "submitted" and returned.json()["id"] == appeal["id"]
    assert Appeal.objects.get().return_count == 1
    # Having returned it, the department no longer reads it.
    assert staff.get(f"{BASE}{appeal['id']}").status_code == 404
