"""The policy library: drafts, test cases that gate publishing, immutable versions, department scoping."""

from __future__ import annotations

import pytest

from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.policies.models import PolicyStatus, PolicyVersion
from yingshang.policies.services import (
    PolicyInput,
    policy_case_save,
    policy_create,
    policy_publish,
    policy_retire,
    policy_update,
)

from .factories import policy_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user(Role.DEPARTMENT_STAFF)


def test_publishing_freezes_an_immutable_version_with_a_rule_hash(staff, department_jingxin):
    policy = policy_draft(by=staff, department=department_jingxin)
    version, run = policy_publish(policy=policy, by=staff)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED and policy.current_version == version
    assert version.number == 1 and len(version.rule_hash) == 64
    assert version.test_cases[0]["name"] == "二百人、营收一千万"
    assert run.status == "queued"
    version.title = "改名"
    with pytest.raises(RuntimeError, match="不可修改"):
        version.save()


def test_editing_after_publishing_keeps_the_published_version_and_a_republish_adds_one(staff, department_jingxin):
    policy = policy_draft(by=staff, department=department_jingxin)
    first, _ = policy_publish(policy=policy, by=staff)
    data = PolicyInput.of(policy)
    data.formula = {**data.formula, "cap": "100000"}
    data.rule = {"all": [{"var": "employees", "op": "ge", "value": "100", "clause": "第二条"}]}
    policy = policy_update(policy=policy, data=data, by=staff)
    assert policy.has_unpublished_changes
    # The test case expects 100,000 yuan; the new cap still allows it, so the case passes.
    second, _ = policy_publish(policy=policy, by=staff)
    first.refresh_from_db()
    assert second.number == 2 and first.formula.get("cap") == "200000" and second.formula["cap"] == "100000"
    assert first.rule_hash != second.rule_hash


def test_publishing_is_refused_while_a_test_case_fails_and_names_it(staff, department_jingxin):
    policy = policy_draft(by=staff, department=department_jingxin)
    policy_case_save(
        policy=policy,
        by=staff,
        name="九十人企业",
        facts={"employees": "90"},
        expected_verdict="eligible",
        expected_amount_fen=None,
    )
    with pytest.raises(ApplicationError) as exc:
        policy_publish(policy=policy, by=staff)
    assert "1 条测试用例未通过" in exc.value.message
    assert "「九十人企业」预期 符合,实际 不符合" in exc.value.message
    assert not PolicyVersion.objects.filter(policy=policy).exists()


def test_publishing_needs_at_least_one_test_case(staff, department_jingxin):
    policy = policy_create(
        data=PolicyInput(
            title="无用例政策",
            reviewing_department=department_jingxin,
            rule={"all": [{"var": "employees", "op": "ge", "value": "1", "clause": "一"}]},
        ),
        by=staff,
    )
    with pytest.raises(ApplicationError, match="至少添加一条测试用例"):
        policy_publish(policy=policy, by=staff)


def test_a_rule_with_an_unknown_variable_cannot_be_published(staff, department_jingxin):
    policy = policy_draft(
        by=staff,
        department=department_jingxin,
        rule={"all": [{"var": "no_such_fact", "op": "ge", "value": "1", "clause": "一"}]},
    )
    with pytest.raises(ApplicationError, match="no_such_fact"):
        policy_publish(policy=policy, by=staff)


def test_department_staff_manage_only_their_own_departments_policies(staff, department_jingxin, make_user):
    other = DepartmentFactory.create(name="区商务局", code="SWJ-T")
    with pytest.raises(PermissionDeniedError, match="本部门"):
        policy_create(data=PolicyInput(title="他部门政策", reviewing_department=other), by=staff)
    coordinator = make_user(Role.COORDINATOR)
    foreign = policy_draft(by=coordinator, department=other)
    with pytest.raises(PermissionDeniedError):
        policy_publish(policy=foreign, by=staff)


def test_retiring_needs_a_reason_and_stops_further_edits(staff, department_jingxin):
    policy = policy_draft(by=staff, department=department_jingxin)
    policy_publish(policy=policy, by=staff)
    with pytest.raises(ApplicationError, match="废止原因"):
        policy_retire(policy=policy, by=staff, reason=" ")
    policy = policy_retire(policy=policy, by=staff, reason="政策到期")
    assert policy.status == PolicyStatus.RETIRED
    assert policy.current_version is not None and policy.current_version.retired_at is not None
    with pytest.raises(ApplicationError, match="已废止"):
        policy_update(policy=policy, data=PolicyInput.of(policy), by=staff)


def test_a_window_that_ends_before_it_starts_is_refused(staff, department_jingxin):
    from datetime import date

    with pytest.raises(ApplicationError, match="申报截止日期"):
        policy_create(
            data=PolicyInput(
                title="窗口错误",
                reviewing_department=department_jingxin,
                window_start=date(2026, 5, 1),
                window_end=date(2026, 4, 1),
            ),
            by=staff,
        )
