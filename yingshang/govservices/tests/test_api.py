"""The 政务服务 API: a public catalogue, cases by visibility."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import login
from yingshang.accounts.roles import Role

from .factories import make_bundle

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_public(food_licence, approval_bureau):
    client = Client()
    page = client.get("/api/v1/services/items", {"q": "食品"}).json()
    assert page["count"] == 1 and page["items"][0]["cut_percent"] == 85
    detail = client.get(f"/api/v1/services/items/{food_licence.pk}").json()
    assert [m["name"] for m in detail["materials"]][:2] == ["营业执照(副本)复印件", "法定代表人身份证"]
    assert detail["materials"][2]["may_be_missing"] is True
    assert client.get("/api/v1/services/items/999999").status_code == 404


def test_bundles_report_their_savings(food_licence, approval_bureau):
    from .factories import ServiceItemFactory

    other = ServiceItemFactory.create(department=approval_bureau, committed_limit_days=2, materials=[("营业执照", {})])
    make_bundle([food_licence, other], lead_department=approval_bureau)
    bundles = Client().get("/api/v1/services/bundles").json()
    assert bundles[0]["materials"] == 5 and bundles[0]["separate_materials"] == 6
    assert bundles[0]["combined_days"] == 3 and bundles[0]["separate_days"] == 5


def test_cases_need_a_login_and_a_role_that_handles_them(make_user):
    assert Client().get("/api/v1/services/cases").status_code == 401
    assert login(Client(), make_user(Role.SYSTEM_ADMIN)).get("/api/v1/services/cases").status_code == 403
