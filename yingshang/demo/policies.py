"""Demo policies: publishes the real policies of the 东宝区 press conference (seed 000, `seed_policies`) and the other
district policies of `policy_specs`, each with test cases from the policy text (so publishing proves them) and matched
against the demo enterprises.

Idempotent: a policy is keyed by its title; an existing one is left as it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.enterprises.models import Enterprise, EnterpriseFact
from yingshang.policies.engine.records import EnterpriseLoan
from yingshang.policies.engine.seed_policies import CASE_DATE, SEED_POLICIES
from yingshang.policies.matching import match_run_execute
from yingshang.policies.models import AllocationRule, Policy
from yingshang.policies.services import PolicyInput, policy_case_save, policy_create, policy_publish

from .policy_specs import OTHER_POLICIES

# ---- loading -----------------------------------------------------------------------------------------------------


def _publish(spec: dict[str, Any], *, author: User, departments: dict[str, Department]) -> tuple[Policy, bool]:
    existing = Policy.objects.filter(title=spec["title"]).first()
    if existing is not None:
        return existing, False
    today = timezone.localdate()
    data = PolicyInput(
        title=spec["title"],
        reviewing_department=departments[spec["department"]],
        issuing_departments=spec.get("issuing") or departments[spec["department"]].name,
        doc_number=spec.get("doc", ""),
        source_text=spec.get("source", spec.get("summary", "")),
        summary=spec.get("summary", "")[:500],
        category=spec.get("category", "subsidy"),
        valid_from=date(2025, 1, 1),
        valid_to=date(today.year + 1, 12, 31),
        window_start=spec.get("window_start"),
        window_end=spec.get("window_end"),
        rule=spec["rule"],
        formula=spec["formula"],
        materials=spec.get(
            "materials",
            [
                {"name": "申请表", "description": "加盖企业公章", "original_required": True},
                {"name": "营业执照", "description": "复印件加盖公章", "original_required": False},
                {
                    "name": "相关证明材料",
                    "description": "贷款合同、付息凭证、发票或认定文件等",
                    "original_required": False,
                },
            ],
        ),
        review_rules=spec.get("review_rules", "审核部门自受理之日起10个工作日内完成审核;材料不全的一次性告知补正。"),
        pool_budget_fen=spec.get("pool_budget_fen"),
        allocation_rule=spec.get("allocation_rule", AllocationRule.PRO_RATA),
        auto_grant=spec.get("auto_grant", False),
    )
    policy = policy_create(data=data, by=author)
    for c in spec["cases"]:
        policy_case_save(
            policy=policy,
            by=author,
            name=c["name"],
            facts=c["facts"],
            expected_verdict=c["expected_verdict"],
            expected_amount_fen=c["expected_amount_fen"],
            decision_date=CASE_DATE,
        )
    _, run = policy_publish(policy=policy, by=author)
    match_run_execute(run=run)
    return policy, True


def _seed_enterprise_facts(author: User) -> None:
    """The demo enterprise (qiye's) gets the project facts and loans that make its 政策礼包 interesting."""
    enterprise = Enterprise.objects.filter(users__username="qiye").first()
    if enterprise is None or EnterpriseFact.objects.filter(enterprise=enterprise, key="equipment_investment").exists():
        return
    today = timezone.localdate()
    facts = {
        "pays_tax_in_district": True,
        "independent_legal_person": True,
        "project_fits_industrial_policy": True,
        "equipment_investment": "1260",
        "construction_period_months": 18,
        "equipment_bought_in_period": True,
        "project_previously_funded": False,
        "robot_replacement_project": False,
        "ip_evaluation_fee": "25000",
        "scale_cultivation": True,
    }
    for key, value in facts.items():
        EnterpriseFact.objects.create(
            enterprise=enterprise, key=key, year=None, value=value, source="企业补充信息", as_of=today
        )
    EnterpriseLoan.objects.create(
        enterprise=enterprise,
        kind="ip_pledge",
        bank="湖北银行荆门分行",
        amount_fen=300000000,
        interest_fen=9000000,
        granted_on=today - timedelta(days=90),
        source="合作银行",
    )


@transaction.atomic
def load() -> str:
    author = User.objects.filter(username="yingshangban").first()
    if author is None:
        return "惠企政策:未找到营商办账号,跳过"
    departments = {d.code: d for d in Department.objects.all()}
    _seed_enterprise_facts(author)
    created = 0
    for spec in [*SEED_POLICIES, *OTHER_POLICIES]:
        _, new = _publish(spec, author=author, departments=departments)
        created += int(new)
    total = Policy.objects.count()
    return f"惠企政策:{total} 项政策(本次新增 {created} 项,均已通过测试用例并完成企业匹配)"
