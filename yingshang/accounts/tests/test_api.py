"""/api/v1/accounts/me: the logged-in account, with the phone masked."""

from __future__ import annotations

import pytest
from django.test import Client

from yingshang.accounts.roles import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/me"


def test_me_describes_an_enterprise_user(client_as, battery_admin, enterprise_battery_maker) -> None:
    battery_admin.phone = "13812345678"
    battery_admin.save()

    body = client_as(battery_admin).get(URL).json()

    assert body == {
        "username": "battery_admin",
        "full_name": "王经理",
        "role": "enterprise",
        "role_label": "企业用户",
        "department": None,
        "enterprise": {"id": enterprise_battery_maker.pk, "name": "荆门新能源电池有限公司"},
        "is_enterprise_admin": True,
        "phone": "138****5678",
    }


def test_me_describes_department_staff(client_as, department_jingxin) -> None:
    body = client_as(Role.DEPARTMENT_STAFF).get(URL).json()

    assert body["role_label"] == "部门工作人员"
    assert body["department"] == {"id": department_jingxin.pk, "name": "经济和信息化局", "path": "经济和信息化局"}
    assert body["enterprise"] is None


def test_me_needs_a_login(db) -> None:
    response = Client().get(URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录"


def test_me_is_tagged_for_the_api_docs(client_as) -> None:
    schema = client_as(Role.COORDINATOR).get("/api/v1/openapi.json").json()

    assert schema["paths"]["/api/v1/accounts/me"]["get"]["tags"] == ["账号"]
