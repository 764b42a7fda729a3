"""我的政策礼包: eligible with amount and clause, near misses in words, unknowns with a form to supply the facts
(saved as 企业自报), 企业点单 reminders, and the public calculator page and API (no login, nothing stored)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.core.models import Notification
from yingshang.enterprises.models import EnterpriseFact
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.models import PolicyInterest
from yingshang.policies.package import interests_remind, package_for

from .factories import policy_published

pytestmark = pytest.mark.django_db

PROJECT_RULE = {"all": [{"var": "equipment_investment", "op": "ge", "value": "500", "clause": "第四条"}]}
PROJECT_FORMULA = {
    "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.10"},
    "cap": "4000000",
    "rounding": {"unit": "fen", "mode": "half_up"},
}


@pytest.fixture
def staff(make_user):
    return make_user(Role.DEPARTMENT_STAFF)


@pytest.fixture
def owner(make_user):
    enterprise = EnterpriseFactory.create(employees=300, annual_revenue=1000)
    return make_user(Role.ENTERPRISE, enterprise=enterprise)


@pytest.fixture
def policies(staff, department_jingxin):
    from yingshang.policies.services import PolicyInput, policy_case_save, policy_create, policy_publish

    first = policy_published(by=staff, department=department_jingxin)[0]
    second = policy_create(
        data=PolicyInput(
            title="技术改造补助", reviewing_department=department_jingxin, rule=PROJECT_RULE, formula=PROJECT_FORMULA
        ),
        by=staff,
    )
    policy_case_save(
        policy=second,
        by=staff,
        name="800万",
        facts={"equipment_investment": "800"},
        expected_verdict="eligible",
        expected_amount_fen=80_000_000,
    )
    policy_publish(policy=second, by=staff)
    return first, second


def test_the_package_sorts_eligible_near_and_unknown(policies, owner):
    package = package_for(owner.enterprise)
    assert [i.version.title for i in package.eligible] == ["稳岗扩产奖励"]
    assert package.eligible[0].outcome.amount_fen == 10_000_000 and package.eligible[0].outcome.clause
    assert [i.version.title for i in package.unknown] == ["技术改造补助"]
    assert package.missing_keys == ["equipment_investment"]


def test_supplying_a_missing_fact_stores_it_as_self_reported_and_recomputes(policies, owner, client_as):
    client = client_as(owner)
    page = client.get(reverse("policies:package")).content.decode()
    assert "需补充信息:生产性设备投资额(实际完成)" in page and "100,000.00 元" in page
    client.post(reverse("policies:package_supply"), {"equipment_investment": "480"})
    fact = EnterpriseFact.objects.get(enterprise=owner.enterprise, key="equipment_investment")
    assert fact.source == "企业自报" and fact.recorded_by == owner
    page = client.get(reverse("policies:package")).content.decode()
    assert "生产性设备投资额(实际完成)还差 20 万元" in page.replace("\u2009", " ")


def test_a_bad_supplied_value_gets_a_chinese_error_and_nothing_is_saved(policies, owner, client_as):
    client = client_as(owner)
    response = client.post(reverse("policies:package_supply"), {"equipment_investment": "很多"}, follow=True)
    assert "应为数字" in response.content.decode()
    assert not EnterpriseFact.objects.filter(key="equipment_investment").exists()


def test_picking_a_policy_reminds_once_when_its_window_opens(policies, owner, client_as):
    from yingshang.policies.models import Policy

    first, _ = policies
    client_as(owner).post(reverse("policies:interest", args=[first.pk]))
    assert PolicyInterest.objects.filter(enterprise=owner.enterprise, policy=first).exists()
    assert interests_remind() == 1
    assert interests_remind() == 0
    assert Notification.objects.filter(recipient=owner, category="policy_interest").count() == 1
    assert Policy.objects.filter(pk=first.pk).exists()


def test_the_package_shows_what_the_enterprise_picked_and_applied_for(policies, owner, staff, client_as, make_user):
    """The page reads the enterprise's 点单 and applications on every request: a pick shows 取消点单, a live
    application replaces 立即申报 with a link to it, a rejected one offers 立即申报 again; another enterprise's
    picks and applications never show."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yingshang.policies.applications import application_review, application_submit

    first, _ = policies
    apply_url = reverse("policies:apply", args=[first.pk])
    client = client_as(owner)
    page = client.get(reverse("policies:package")).content.decode()
    assert "取消点单" not in page and apply_url in page
    other = make_user(Role.ENTERPRISE, enterprise=EnterpriseFactory.create(employees=300))
    client_as(other).post(reverse("policies:interest", args=[first.pk]))
    assert "取消点单" not in client.get(reverse("policies:package")).content.decode()

    client.post(reverse("policies:interest", args=[first.pk]))
    item = package_for(owner.enterprise).eligible[0]
    assert item.version.policy_id == first.pk and item.interested and item.application is None
    assert "取消点单" in client.get(reverse("policies:package")).content.decode()

    def submit(user):
        pdf = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4\n1 0 obj\n", content_type="application/pdf")
        return application_submit(policy=first, enterprise=user.enterprise, by=user, files={0: pdf})

    submit(other)
    assert package_for(owner.enterprise).eligible[0].application is None
    application = submit(owner)
    item = package_for(owner.enterprise).eligible[0]
    assert item.application is not None and item.application.pk == application.pk
    page = client.get(reverse("policies:package")).content.decode()
    assert "查看申报(待审核)" in page and apply_url not in page
    assert reverse("policies:application_detail", args=[application.pk]) in page

    application_review(application=application, by=staff, decision="reject", reason="不符合第二条")
    assert package_for(owner.enterprise).eligible[0].application is None
    assert apply_url in client.get(reverse("policies:package")).content.decode()


def test_the_calculator_api_needs_no_login_and_stores_nothing(policies):
    before = EnterpriseFact.objects.count()
    response = Client().post(
        "/api/v1/policies/calculate",
        data=json.dumps({"facts": {"equipment_investment": "5000"}}),
        content_type="application/json",
    )
    assert response.status_code == 200
    results = {r["title"]: r for r in response.json()["results"]}
    assert results["技术改造补助"]["verdict"] == "eligible" and results["技术改造补助"]["amount_yuan"] == "4000000.00"
    assert results["稳岗扩产奖励"]["verdict"] == "unknown" and "从业人数" in results["稳岗扩产奖励"]["missing"]
    assert EnterpriseFact.objects.count() == before


def test_the_calculator_asks_for_what_the_published_policies_read(policies, staff, department_jingxin):
    """Its inputs are the variables and record relations of every published rule, formula and exception."""
    from yingshang.policies.calculator import used_keys
    from yingshang.policies.services import PolicyInput, policy_case_save, policy_create, policy_publish

    assert used_keys(today=date.today()) == (["employees", "annual_revenue", "equipment_investment"], [])
    policy = policy_create(
        data=PolicyInput(
            title="无事故企业奖励",
            reviewing_department=department_jingxin,
            rule={
                "all": [
                    {"var": "employees", "op": "ge", "value": "100", "clause": "第二条"},
                    {"not": {"agg": "exists", "of": "violations", "window": {"years": 3}, "clause": "第三条"}},
                ]
            },
            formula={
                "base": {"kind": "rate", "of": "annual_revenue", "rate": "0.01"},
                "exceptions": [
                    {
                        "priority": 1,
                        "label": "机器换人项目",
                        "clause": "第四条",
                        "when": {"var": "robot_replacement_project", "op": "is_true", "clause": "第四条"},
                        "base": {"kind": "fixed", "amount": "100000"},
                    }
                ],
                "rounding": {"unit": "fen", "mode": "half_up"},
            },
        ),
        by=staff,
    )
    policy_case_save(
        policy=policy,
        by=staff,
        name="二百人、无事故、机器换人",
        facts={"employees": "200", "annual_revenue": "1000", "violations": [], "robot_replacement_project": "是"},
        expected_verdict="eligible",
        expected_amount_fen=10_000_000,
    )
    policy_publish(policy=policy, by=staff)
    variables, relations = used_keys(today=date.today())
    assert set(variables) == {"employees", "annual_revenue", "equipment_investment", "robot_replacement_project"}
    assert relations == ["violations"]
    page = Client().get(reverse("policies:calculator")).content.decode()
    assert 'name="v-robot_replacement_project"' in page and 'name="r-violations-0-severity"' in page


def test_the_calculator_api_refuses_bad_values_in_chinese(policies):
    response = Client().post(
        "/api/v1/policies/calculate", data=json.dumps({"facts": {"employees": "二十"}}), content_type="application/json"
    )
    assert response.status_code == 400 and "从业人数" in response.json()["detail"]


def test_the_calculator_page_works_anonymously(policies):
    response = Client().post(reverse("policies:calculator"), {"v-equipment_investment": "800", "v-employees": "50"})
    page = response.content.decode()
    assert response.status_code == 200 and "800,000.00 元" in page and "不符合" in page


def test_the_package_follows_new_versions_retirements_and_renamed_departments_at_once(
    policies, owner, staff, department_jingxin
):
    """The published versions a process has read are reused; what is current, and the department names, are not."""
    from dataclasses import replace

    from yingshang.policies.services import (
        PolicyInput,
        policy_case_save,
        policy_publish,
        policy_retire,
        policy_update,
    )

    first, second = policies
    assert [i.version.title for i in package_for(owner.enterprise).unknown] == ["技术改造补助"]

    # A new version that asks for employees (known: 300) instead of the unknown investment becomes eligible.
    second.refresh_from_db()
    data = replace(
        PolicyInput.of(second),
        title="技术改造补助(第二版)",
        rule={"all": [{"var": "employees", "op": "ge", "value": "100", "clause": "第二条"}]},
        formula={"base": {"kind": "fixed", "amount": "50000"}},
    )
    policy_update(policy=second, data=data, by=staff)
    second.test_cases.all().delete()
    policy_case_save(
        policy=second,
        by=staff,
        name="百人企业",
        facts={"employees": "120"},
        expected_verdict="eligible",
        expected_amount_fen=5_000_000,
    )
    policy_publish(policy=second, by=staff)
    department_jingxin.name = "经济和信息化局(更名)"
    department_jingxin.save()
    package = package_for(owner.enterprise)
    assert sorted(i.version.title for i in package.eligible) == ["技术改造补助(第二版)", "稳岗扩产奖励"]
    assert {i.version.reviewing_department.name for i in package.eligible} == {"经济和信息化局(更名)"}
    assert package.unknown == []

    policy_retire(policy=first, by=staff, reason="到期")
    assert [i.version.title for i in package_for(owner.enterprise).eligible] == ["技术改造补助(第二版)"]


def test_plainly_ineligible_policies_are_left_out_and_near_misses_kept(policies, make_user, staff):
    small = make_user(Role.ENTERPRISE, enterprise=EnterpriseFactory.create(employees=3, annual_revenue=1))
    EnterpriseFact.objects.create(
        enterprise=small.enterprise, key="equipment_investment", value="450", source="企业自报", as_of=date(2026, 1, 1)
    )
    package = package_for(small.enterprise)
    near = {i.version.title: i.outcome for i in package.near}
    assert list(near) == ["技术改造补助"]  # 450 of 500 万元: within 30% of the threshold
    assert near["技术改造补助"].near_misses == ["生产性设备投资额(实际完成)还差 50 万元"]
    assert "稳岗扩产奖励" not in {i.version.title for i in (*package.eligible, *package.near, *package.unknown)}


def test_the_records_read_are_those_the_rule_and_the_formula_name():
    """enterprise_outcomes loads only these relations, so a relation named deep in a formula must be found."""
    from yingshang.policies.models import Policy
    from yingshang.policies.outcomes import relations_read

    policy = Policy(
        rule={
            "all": [
                {"var": "employees", "op": "ge", "value": "10", "clause": "第一条"},
                {"not": {"agg": "exists", "of": "violations", "where": [], "clause": "第二条"}},
            ]
        },
        formula={
            "base": {
                "kind": "rate",
                "of": {"agg": "sum", "of": "loans", "field": "interest", "where": []},
                "rate": "0.5",
            }
        },
    )
    assert relations_read(policy) == {"violations", "loans"}
    assert relations_read(Policy(rule=PROJECT_RULE, formula=PROJECT_FORMULA)) == frozenset()
