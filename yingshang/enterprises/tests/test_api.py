"""Enterprise API: same visibility as the pages, masked phones, decimal strings, optimistic concurrency."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog
from yingshang.enterprises.models import Enterprise, EnterpriseFact
from yingshang.enterprises.services import EnterpriseInput, enterprise_save
from yingshang.enterprises.tests.factories import EnterpriseFactory, QualificationFactory, TownshipFactory

BASE = "/api/v1/enterprises/"
MASKED_PHONE = "139****5678"
FULL_PHONE = "13912345678"
NEW_BODY = "91420802MA4F0ABC1"


@pytest.fixture
def new_uscc() -> str:
    from stdnum.cn import uscc as stdnum_uscc

    return NEW_BODY + stdnum_uscc.calc_check_digit(NEW_BODY)


def send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


# -- list -----------------------------------------------------------------------------------------------------


def test_the_list_is_paged_with_masked_phones(client_as, enterprise_battery_maker, enterprise_other):
    body = client_as(Role.LIAISON).get(BASE, {"page_size": 1}).json()
    assert body["count"] == 2
    assert body["count_is_estimate"] is False
    assert body["page"] == 1
    assert [item["name"] for item in body["items"]] == ["东宝食品有限公司"]
    assert body["items"][0]["contact_phone"] == MASKED_PHONE


def test_a_page_past_the_end_is_empty(client_as, enterprise_battery_maker):
    body = client_as(Role.LIAISON).get(BASE, {"page": 5}).json()
    assert body["count"] == 1
    assert body["items"] == []


def test_the_list_searches_and_filters_like_the_page(client_as, enterprise_battery_maker, enterprise_other):
    client = client_as(Role.LIAISON)
    assert [i["name"] for i in client.get(BASE, {"q": "jmxny"}).json()["items"]] == ["荆门新能源电池有限公司"]
    assert client.get(BASE, {"scale": "above"}).json()["count"] == 0


def test_an_unknown_filter_value_is_rejected(client_as):
    response = client_as(Role.LIAISON).get(BASE, {"scale": "huge"})
    assert response.status_code == 422


def test_an_enterprise_user_lists_only_their_own_enterprise(client_as, enterprise_battery_maker, enterprise_other):
    body = client_as(Role.ENTERPRISE).get(BASE).json()
    assert [item["id"] for item in body["items"]] == [enterprise_battery_maker.pk]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN])
def test_administrator_roles_get_403(client_as, role, enterprise_battery_maker):
    client = client_as(role)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}{enterprise_battery_maker.pk}").status_code == 403


def test_anonymous_requests_get_401(client, enterprise_battery_maker):
    assert client.get(BASE).status_code == 401


# -- detail and facts ----------------------------------------------------------------------------------------


def test_the_profile_has_decimal_strings_and_a_version(client_as, enterprise_battery_maker):
    enterprise_battery_maker.registered_capital = Decimal("500.2500")
    enterprise_battery_maker.save()
    body = client_as(Role.LIAISON).get(f"{BASE}{enterprise_battery_maker.pk}").json()
    assert body["uscc"] == enterprise_battery_maker.uscc
    assert body["annual_revenue"] == "1200"
    assert body["registered_capital"] == "500.25"
    assert body["contact_phone"] == MASKED_PHONE
    assert body["version"] == 1
    assert body["scale_label"] == "规下"


def test_an_enterprise_user_gets_404_for_another_enterprise(client_as, enterprise_battery_maker, enterprise_other):
    client = client_as(Role.ENTERPRISE)
    assert client.get(f"{BASE}{enterprise_battery_maker.pk}").status_code == 200
    assert client.get(f"{BASE}{enterprise_other.pk}").status_code == 404
    assert client.get(f"{BASE}{enterprise_other.pk}/facts").status_code == 404


def test_facts_carry_source_and_date_with_the_phone_masked(client_as, enterprise_battery_maker):
    enterprise_save(
        data=EnterpriseInput(uscc=enterprise_battery_maker.uscc, contact_phone="13700001111", employees=88),
        source="区统计局",
        as_of=date(2026, 2, 1),
    )
    facts = client_as(Role.LIAISON).get(f"{BASE}{enterprise_battery_maker.pk}/facts").json()
    by_key = {f["key"]: f for f in facts}
    assert by_key["employees"] == {**by_key["employees"], "year": 2025, "value": 88, "source": "区统计局"}
    assert by_key["employees"]["as_of"] == "2026-02-01"
    assert by_key["contact_phone"]["value"] == "137****1111"


def test_revealing_the_phone_through_the_api_is_audited(client_as, enterprise_battery_maker):
    url = f"{BASE}{enterprise_battery_maker.pk}/contact-phone/reveal"
    assert client_as(Role.LIAISON).post(url).status_code == 403
    response = client_as(Role.LIAISON, can_unmask_personal_data=True).post(url)
    assert response.json() == {"contact_phone": FULL_PHONE}
    assert AuditLog.objects.filter(action=Action.PERSONAL_DATA_VIEWED).count() == 1


# -- create ---------------------------------------------------------------------------------------------------


def test_creating_upper_cases_the_uscc_and_records_the_source(client_as, new_uscc):
    township = TownshipFactory.create(name="子陵铺镇")
    high_tech = QualificationFactory.create()
    response = send(
        client_as(Role.COORDINATOR),
        "post",
        BASE,
        {
            "uscc": new_uscc.lower(),
            "name": "荆门储能科技有限公司",
            "township_id": township.pk,
            "qualification_ids": [high_tech.pk],
            "annual_revenue": "3500.25",
            "fact_year": 2025,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["uscc"] == new_uscc
    assert body["township"] == {"id": township.pk, "name": "子陵铺镇"}
    assert body["qualifications"][0]["name"] == "高新技术企业"
    assert body["annual_revenue"] == "3500.25"
    fact = EnterpriseFact.objects.get(enterprise_id=body["id"], key="annual_revenue")
    assert (fact.year, fact.source, fact.as_of) == (2025, "营商通开放接口", timezone.localdate())


def test_creating_a_duplicate_uscc_is_a_conflict(client_as, enterprise_other):
    response = send(client_as(Role.COORDINATOR), "post", BASE, {"uscc": enterprise_other.uscc, "name": "另一家"})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("该统一社会信用代码已存在:东宝食品有限公司")
    assert Enterprise.objects.filter(uscc=enterprise_other.uscc).count() == 1


def test_an_invalid_uscc_is_a_400_with_the_reason(client_as):
    response = send(client_as(Role.COORDINATOR), "post", BASE, {"uscc": "01110000600037341L", "name": "甲"})
    assert response.status_code == 400
    assert response.json() == {"detail": "统一社会信用代码第1位(登记管理部门代码)不能为0", "field": "uscc"}


def test_an_unknown_township_is_a_400(client_as, new_uscc):
    response = send(client_as(Role.COORDINATOR), "post", BASE, {"uscc": new_uscc, "name": "甲", "township_id": 999})
    assert response.status_code == 400
    assert response.json()["field"] == "township_id"


@pytest.mark.parametrize("role", [Role.LEADER, Role.LIAISON, Role.ENTERPRISE])
def test_only_editors_may_create(client_as, role, new_uscc):
    response = send(client_as(role), "post", BASE, {"uscc": new_uscc, "name": "甲"})
    assert response.status_code == 403
    assert not Enterprise.objects.filter(uscc=new_uscc).exists()


# -- patch ----------------------------------------------------------------------------------------------------


def test_patch_with_the_current_version_saves_and_bumps_it(client_as, enterprise_battery_maker):
    url = f"{BASE}{enterprise_battery_maker.pk}"
    response = send(client_as(Role.COORDINATOR), "patch", url, {"version": 1, "contact_person": "周九"})
    assert response.status_code == 200
    assert response.json()["contact_person"] == "周九"
    assert response.json()["version"] == 2


def test_patch_with_a_stale_version_is_409_and_changes_nothing(client_as, enterprise_battery_maker):
    url = f"{BASE}{enterprise_battery_maker.pk}"
    client = client_as(Role.COORDINATOR)
    assert send(client, "patch", url, {"version": 1, "contact_person": "甲"}).status_code == 200
    response = send(client, "patch", url, {"version": 1, "contact_person": "乙"})
    assert response.status_code == 409
    assert response.json()["detail"] == "该企业信息已被他人修改,请刷新后重新编辑"
    enterprise_battery_maker.refresh_from_db()
    assert enterprise_battery_maker.contact_person == "甲"


def test_patch_needs_the_version(client_as, enterprise_battery_maker):
    url = f"{BASE}{enterprise_battery_maker.pk}"
    assert send(client_as(Role.COORDINATOR), "patch", url, {"contact_person": "甲"}).status_code == 422


def test_patch_null_empties_a_nullable_field(client_as, enterprise_battery_maker):
    url = f"{BASE}{enterprise_battery_maker.pk}"
    response = send(client_as(Role.COORDINATOR), "patch", url, {"version": 1, "township_id": None})
    assert response.json()["township"] is None


def test_an_enterprise_user_cannot_patch(client_as, enterprise_battery_maker, enterprise_other):
    client = client_as(Role.ENTERPRISE)
    own = send(client, "patch", f"{BASE}{enterprise_battery_maker.pk}", {"version": 1, "name": "改名"})
    other = send(client, "patch", f"{BASE}{enterprise_other.pk}", {"version": 1, "name": "改名"})
    assert (own.status_code, other.status_code) == (403, 404)


# -- schema ---------------------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_registry(client_as):
    schema = client_as(Role.LIAISON).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/enterprises/"])
    assert {"get", "patch"} <= set(paths["/api/v1/enterprises/{enterprise_id}"])
    assert "/api/v1/enterprises/{enterprise_id}/facts" in paths
    profile = schema["components"]["schemas"]["EnterpriseOut"]["properties"]
    assert profile["annual_revenue"]["anyOf"][0]["type"] == "string"
    assert paths["/api/v1/enterprises/"]["get"]["tags"] == ["企业库"]


def test_many_enterprises_page_quickly_enough_in_queries(client_as, django_assert_max_num_queries):
    EnterpriseFactory.create_batch(30)
    client = client_as(Role.LIAISON)
    with django_assert_max_num_queries(12):
        assert len(client.get(BASE, {"page_size": 30}).json()["items"]) == 30


def test_the_api_refuses_a_malformed_phone_or_industry_code_like_the_form_does(client_as, enterprise_battery_maker):
    from yingshang.accounts.roles import Role

    client = client_as(Role.COORDINATOR)
    url = f"/api/v1/enterprises/{enterprise_battery_maker.pk}"
    for field, value, message in (
        ("contact_phone", "call me maybe", "联系电话格式不正确"),
        ("industry_code", "制造业", "国民经济行业分类代码"),
    ):
        response = client.patch(
            url, {"version": enterprise_battery_maker.version, field: value}, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert message in response.json()["detail"]
        assert response.json()["field"] == field
    enterprise_battery_maker.refresh_from_db()
    assert enterprise_battery_maker.contact_phone == "13912345678"
