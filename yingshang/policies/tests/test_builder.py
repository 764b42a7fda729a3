"""The form-based rule builder: JSON ⇄ form fields round-trip, add/remove buttons, the live count, saving a draft
and publishing through the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.models import MatchRun, Policy

pytestmark = pytest.mark.django_db


def test_buttons_add_and_remove_conditions_without_saving(client_as, department_jingxin):
    client = client_as(Role.DEPARTMENT_STAFF)
    url = reverse("policies:create")
    page = client.post(url, {"builder_action": "add_leaf|rule|r"}).content.decode()
    assert 'name="b-rule-r.0-var"' in page
    page = client.post(
        url,
        {
            "b-rule-r-t": "group",
            "b-rule-r-mode": "all",
            "b-rule-r.0-t": "leaf",
            "b-rule-r.0-var": "employees",
            "builder_action": "add_group|rule|r",
        },
    ).content.decode()
    assert 'name="b-rule-r.1-mode"' in page and 'value="employees" selected' in page
    page = client.post(
        url,
        {
            "b-rule-r-t": "group",
            "b-rule-r.0-t": "leaf",
            "b-rule-r.0-var": "employees",
            "builder_action": "remove|rule|r.0",
        },
    ).content.decode()
    assert 'name="b-rule-r.0-var"' not in page
    assert not Policy.objects.exists()


def test_the_live_count_shows_eligible_and_unknown_enterprises(client_as, department_jingxin):
    EnterpriseFactory.create(employees=150)
    EnterpriseFactory.create(employees=None)
    EnterpriseFactory.create(employees=10)
    client = client_as(Role.DEPARTMENT_STAFF)
    response = client.post(
        reverse("policies:preview"),
        {
            "b-rule-r-t": "group",
            "b-rule-r-mode": "all",
            "b-rule-r.0-t": "leaf",
            "b-rule-r.0-var": "employees",
            "b-rule-r.0-op": "ge",
            "b-rule-r.0-value": "100",
            "b-rule-r.0-clause": "第二条",
        },
    )
    assert "现有 <strong>1</strong> 家企业符合,<strong>1</strong> 家信息不全" in response.content.decode()


def test_a_condition_without_a_clause_is_not_saved(client_as, department_jingxin):
    client = client_as(Role.DEPARTMENT_STAFF)
    response = client.post(
        reverse("policies:create"),
        {
            "title": "缺条款政策",
            "category": "subsidy",
            "reviewing_department": department_jingxin.pk,
            "allocation_rule": "pro_rata",
            "b-rule-r-t": "group",
            "b-rule-r-mode": "all",
            "b-rule-r.0-t": "leaf",
            "b-rule-r.0-var": "employees",
            "b-rule-r.0-op": "ge",
            "b-rule-r.0-value": "100",
        },
    )
    assert "请填写条件依据的政策条款" in response.content.decode()
    assert not Policy.objects.exists()


def test_staff_save_add_a_case_publish_and_see_the_run(client_as, department_jingxin):
    EnterpriseFactory.create(employees=150)
    client = client_as(Role.DEPARTMENT_STAFF)
    response = client.post(
        reverse("policies:create"),
        {
            "title": "百人企业奖励",
            "category": "subsidy",
            "reviewing_department": department_jingxin.pk,
            "allocation_rule": "pro_rata",
            "b-rule-r-t": "group",
            "b-rule-r-mode": "all",
            "b-rule-r.0-t": "leaf",
            "b-rule-r.0-var": "employees",
            "b-rule-r.0-op": "ge",
            "b-rule-r.0-value": "100",
            "b-rule-r.0-clause": "第二条",
            "f-base-kind": "fixed",
            "f-base-amount": "20000",
            "f-rounding_unit": "fen",
            "f-rounding_mode": "half_up",
            "m0-name": "申请表",
            "m0-description": "盖章",
            "m0-original": "on",
        },
    )
    policy = Policy.objects.get()
    assert response["Location"] == reverse("policies:detail", args=[policy.pk])
    assert policy.materials == [{"name": "申请表", "description": "盖章", "original_required": True}]
    response = client.post(reverse("policies:publish", args=[policy.pk]), follow=True)
    assert "请至少添加一条测试用例" in response.content.decode()
    client.post(
        reverse("policies:cases", args=[policy.pk]),
        {
            "name": "一百五十人",
            "expected_verdict": "eligible",
            "expected_amount": "20,000",
            "fact_employees": "150",
        },
    )
    response = client.post(reverse("policies:publish", args=[policy.pk]))
    run = MatchRun.objects.get()
    assert response["Location"] == reverse("policies:run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "匹配完成" in page and 'data-testid="run-eligible">1<' in page
