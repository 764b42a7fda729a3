"""Test data of the policy app: a published policy in one call, the way staff would publish it."""

from __future__ import annotations

from typing import Any

from yingshang.accounts.models import Department, User
from yingshang.policies.models import Policy, PolicyVersion
from yingshang.policies.services import PolicyInput, policy_case_save, policy_create, policy_publish

EMPLOYEES_RULE = {"all": [{"var": "employees", "op": "ge", "value": "100", "clause": "第二条"}]}
REVENUE_FORMULA = {
    "base": {"kind": "rate", "of": "annual_revenue", "rate": "0.01"},
    "cap": "200000",
    "rounding": {"unit": "fen", "mode": "half_up"},
}


def policy_draft(*, by: User, department: Department, **overrides: Any) -> Policy:
    data = PolicyInput(
        title=overrides.pop("title", "稳岗扩产奖励"),
        reviewing_department=department,
        rule=overrides.pop("rule", EMPLOYEES_RULE),
        formula=overrides.pop("formula", REVENUE_FORMULA),
        materials=overrides.pop(
            "materials", [{"name": "申请表", "description": "加盖公章", "original_required": True}]
        ),
        **overrides,
    )
    policy = policy_create(data=data, by=by)
    policy_case_save(
        policy=policy,
        by=by,
        name="二百人、营收一千万",
        facts={"employees": "200", "annual_revenue": "1000"},
        expected_verdict="eligible",
        expected_amount_fen=10_000_000,
    )
    return policy


def policy_published(*, by: User, department: Department, **overrides: Any) -> tuple[Policy, PolicyVersion]:
    """Published and matched (the matching run executed inline)."""
    from yingshang.policies.matching import match_run_execute

    policy = policy_draft(by=by, department=department, **overrides)
    version, run = policy_publish(policy=policy, by=by)
    match_run_execute(run=run)
    policy.refresh_from_db()
    return policy, version
