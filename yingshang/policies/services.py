"""Writes of the policy library: drafts, test cases, publishing (an immutable version + a matching run), retiring.

Every service is keyword-only and atomic, writes its audit row and a timeline event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yingshang.accounts.models import Department
from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, ConflictError, PermissionDeniedError

from .events import record_event
from .models import (
    AllocationRule,
    MatchRun,
    Policy,
    PolicyCategory,
    PolicyStatus,
    PolicyTestCase,
    PolicyVersion,
    Verdict,
)
from .outcomes import CaseResult, formula_problems, rule_hash, rule_problems, run_case

CONTENT_FIELDS = [
    "title",
    "issuing_departments",
    "doc_number",
    "source_text",
    "summary",
    "category",
    "valid_from",
    "valid_to",
    "window_start",
    "window_end",
    "rule",
    "formula",
    "materials",
    "review_rules",
    "reviewing_department",
    "pool_budget_fen",
    "allocation_rule",
    "auto_grant",
]


@dataclass
class PolicyInput:
    title: str
    reviewing_department: Department
    issuing_departments: str = ""
    doc_number: str = ""
    source_text: str = ""
    summary: str = ""
    category: str = PolicyCategory.SUBSIDY
    valid_from: date | None = None
    valid_to: date | None = None
    window_start: date | None = None
    window_end: date | None = None
    rule: dict[str, Any] = field(default_factory=dict)
    formula: dict[str, Any] = field(default_factory=dict)
    materials: list[dict[str, Any]] = field(default_factory=list)
    review_rules: str = ""
    pool_budget_fen: int | None = None
    allocation_rule: str = AllocationRule.PRO_RATA
    auto_grant: bool = False

    @classmethod
    def of(cls, policy: Policy) -> PolicyInput:
        return cls(**{f.name: getattr(policy, f.name) for f in fields(cls)})


def can_manage_policy(user: Any, policy: Policy) -> bool:
    """Department staff manage their own department's policies; the coordinator manages all of them."""
    if not user.has_cap(Cap.MANAGE_POLICIES):
        return False
    return user.role == Role.COORDINATOR or policy.reviewing_department_id == user.department_id


def _check_department(user: Any, department: Department) -> None:
    if not user.has_cap(Cap.MANAGE_POLICIES):
        raise PermissionDeniedError("您的角色无权管理政策")
    if user.role != Role.COORDINATOR and department.pk != user.department_id:
        raise PermissionDeniedError("部门工作人员只能管理本部门审核的政策", field="reviewing_department")


def _validate(data: PolicyInput) -> None:
    if not data.title.strip():
        raise ApplicationError("请填写政策名称", field="title")
    if data.valid_from and data.valid_to and data.valid_from > data.valid_to:
        raise ApplicationError("有效期结束日期不能早于开始日期", field="valid_to")
    if data.window_start and data.window_end and data.window_start > data.window_end:
        raise ApplicationError("申报截止日期不能早于申报开始日期", field="window_end")
    if data.pool_budget_fen is not None and data.pool_budget_fen <= 0:
        raise ApplicationError("资金池预算须大于 0", field="pool_budget_fen")
    if data.allocation_rule not in AllocationRule.values:
        raise ApplicationError("请选择资金池分配规则", field="allocation_rule")
    for i, material in enumerate(data.materials, start=1):
        if not str(material.get("name", "")).strip():
            raise ApplicationError(f"第 {i} 项申报材料缺少名称", field="materials")


@transaction.atomic
def policy_create(*, data: PolicyInput, by: Any) -> Policy:
    _check_department(by, data.reviewing_department)
    _validate(data)
    policy = Policy(created_by=by)
    for name in CONTENT_FIELDS:
        setattr(policy, name, getattr(data, name))
    policy.title = data.title.strip()
    policy.save()
    record_event(kind="created", summary="创建政策草稿", actor=by, policy=policy, to_status=policy.status)
    audit_record(action=Action.RECORD_CREATED, user=by, obj=policy, detail={"module": "policies"})
    return policy


@transaction.atomic
def policy_update(*, policy: Policy, data: PolicyInput, by: Any, expected_version: int | None = None) -> Policy:
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if not can_manage_policy(by, locked):
        raise PermissionDeniedError("您无权修改该政策")
    _check_department(by, data.reviewing_department)
    if locked.status == PolicyStatus.RETIRED:
        raise ApplicationError("已废止的政策不能再修改")
    if expected_version is not None and locked.edit_version != expected_version:
        raise ConflictError("该政策已被他人修改,请刷新后重新编辑")
    _validate(data)
    changed = [name for name in CONTENT_FIELDS if getattr(locked, name) != getattr(data, name)]
    for name in CONTENT_FIELDS:
        setattr(locked, name, getattr(data, name))
    locked.title = data.title.strip()
    if changed:
        locked.has_unpublished_changes = True
        locked.edit_version = F("edit_version") + 1
        locked.save()
        locked.refresh_from_db(fields=["edit_version"])
        record_event(kind="edited", summary="修改政策草稿", actor=by, policy=locked, detail={"fields": changed})
        audit_record(action=Action.RECORD_UPDATED, user=by, obj=locked, detail={"fields": changed})
    return locked


def _case_date(case_date: date | None) -> date:
    return case_date or timezone.localdate()


def policy_test_results(policy: Policy) -> list[CaseResult]:
    """Run every test case of the draft; used by the test-case page and by publishing."""
    if rule_problems(policy.rule) or formula_problems(policy.formula):
        return []
    return [
        run_case(
            policy,
            name=case.name,
            raw_facts=case.facts,
            expected_verdict=case.expected_verdict,
            expected_amount_fen=case.expected_amount_fen,
            decision_date=_case_date(case.decision_date),
        )
        for case in policy.test_cases.all()
    ]


@transaction.atomic
def policy_case_save(
    *,
    policy: Policy,
    by: Any,
    name: str,
    facts: dict[str, Any],
    expected_verdict: str,
    expected_amount_fen: int | None,
    decision_date: date | None = None,
    case: PolicyTestCase | None = None,
) -> PolicyTestCase:
    if not can_manage_policy(by, policy):
        raise PermissionDeniedError("您无权修改该政策")
    if policy.status == PolicyStatus.RETIRED:
        raise ApplicationError("已废止的政策不能再修改")
    if not name.strip():
        raise ApplicationError("请填写用例名称", field="name")
    if expected_verdict not in Verdict.values:
        raise ApplicationError("请选择预期结论", field="expected_verdict")
    if expected_amount_fen is not None and expected_verdict == Verdict.INELIGIBLE:
        raise ApplicationError("预期不符合的用例不应填写金额", field="expected_amount")
    from . import engine

    try:
        engine.facts_from_input(facts)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field="facts") from exc
    case = case or PolicyTestCase(policy=policy)
    case.name = name.strip()
    case.facts = facts
    case.expected_verdict = expected_verdict
    case.expected_amount_fen = expected_amount_fen
    case.decision_date = decision_date
    case.save()
    Policy.objects.filter(pk=policy.pk).update(has_unpublished_changes=True)
    record_event(kind="test_case", summary=f"保存测试用例「{case.name}」", actor=by, policy=policy)
    return case


@transaction.atomic
def policy_case_delete(*, case: PolicyTestCase, by: Any) -> None:
    if not can_manage_policy(by, case.policy):
        raise PermissionDeniedError("您无权修改该政策")
    record_event(kind="test_case", summary=f"删除测试用例「{case.name}」", actor=by, policy=case.policy)
    case.delete()


def publish_problems(policy: Policy) -> list[str]:
    """Everything that stops a draft from being published, in Chinese; empty when it may be published."""
    problems = rule_problems(policy.rule) + formula_problems(policy.formula)
    if problems:
        return problems
    cases = list(policy.test_cases.all())
    if not cases:
        return ["请至少添加一条测试用例(给定企业数据 → 预期结论和金额)后再发布"]
    failed = [r for r in policy_test_results(policy) if not r.passed]
    if failed:
        lines = [
            f"「{r.name}」预期 {r.expected},实际 {r.actual}{'(' + r.problem + ')' if r.problem else ''}" for r in failed
        ]
        return [f"有 {len(failed)} 条测试用例未通过,不能发布:" + ";".join(lines)]
    return []


def _knowledge_base_changed(policy: Policy) -> None:
    """The Q&A assistant re-indexes (or drops) the policy once this transaction commits."""
    from yingshang.assistant.services import knowledge_source_changed

    knowledge_source_changed(source="policy", key=str(policy.pk))


def _freeze_version(policy: Policy, *, by: Any, number: int) -> PolicyVersion:
    """The draft's content and test cases, copied into an immutable version."""
    version = PolicyVersion(
        policy=policy,
        number=number,
        rule_hash=rule_hash(policy.rule, policy.formula),
        test_cases=[
            {
                "name": c.name,
                "facts": c.facts,
                "decision_date": c.decision_date.isoformat() if c.decision_date else None,
                "expected_verdict": c.expected_verdict,
                "expected_amount_fen": c.expected_amount_fen,
            }
            for c in policy.test_cases.all()
        ],
        published_at=timezone.now(),
        published_by=by,
    )
    for name in CONTENT_FIELDS:
        setattr(version, name, getattr(policy, name))
    version.save()
    return version


@transaction.atomic
def policy_publish(*, policy: Policy, by: Any, decision_date: date | None = None) -> tuple[PolicyVersion, MatchRun]:
    """Freeze the draft into a new immutable version and queue a matching run (the caller enqueues the task)."""
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if not can_manage_policy(by, locked):
        raise PermissionDeniedError("您无权发布该政策")
    if locked.status == PolicyStatus.RETIRED:
        raise ApplicationError("已废止的政策不能再发布")
    problems = publish_problems(locked)
    if problems:
        raise ApplicationError(";".join(problems))
    last = locked.versions.order_by("-number").first()
    if last is not None and not locked.has_unpublished_changes:
        raise ApplicationError("草稿与当前发布版本相同,无需重新发布")
    version = _freeze_version(locked, by=by, number=(last.number + 1) if last else 1)
    from_status = locked.status
    locked.status = PolicyStatus.PUBLISHED
    locked.current_version = version
    locked.has_unpublished_changes = False
    locked.save(update_fields=["status", "current_version", "has_unpublished_changes", "updated_at"])
    run = MatchRun.objects.create(version=version, decision_date=decision_date or timezone.localdate(), started_by=by)
    record_event(
        kind="published",
        summary=f"发布第 {version.number} 版",
        actor=by,
        policy=locked,
        from_status=from_status,
        to_status=locked.status,
        detail={"version": version.number, "rule_hash": version.rule_hash},
    )
    audit_record(
        action=Action.STATE_CHANGE,
        user=by,
        obj=locked,
        detail={"to": "published", "version": version.number, "rule_hash": version.rule_hash},
    )
    _knowledge_base_changed(locked)
    return version, run


@transaction.atomic
def policy_retire(*, policy: Policy, by: Any, reason: str) -> Policy:
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if not can_manage_policy(by, locked):
        raise PermissionDeniedError("您无权废止该政策")
    if locked.status != PolicyStatus.PUBLISHED:
        raise ApplicationError("只有已发布的政策可以废止")
    if not reason.strip():
        raise ApplicationError("请填写废止原因", field="reason")
    now = timezone.now()
    if locked.current_version is not None:
        version = locked.current_version
        version.retired_at = now
        version.save(update_fields=["retired_at"])
    locked.status = PolicyStatus.RETIRED
    locked.save(update_fields=["status", "updated_at"])
    record_event(
        kind="retired",
        summary=f"废止政策:{reason.strip()}",
        actor=by,
        policy=locked,
        from_status=PolicyStatus.PUBLISHED,
        to_status=PolicyStatus.RETIRED,
    )
    audit_record(action=Action.STATE_CHANGE, user=by, obj=locked, detail={"to": "retired", "reason": reason.strip()})
    _knowledge_base_changed(locked)
    return locked


def match_run_start(*, run: MatchRun) -> None:
    """Queue the matching task; if the queue is down the run fails at once instead of waiting forever."""
    from .tasks import run_matching

    try:
        run_matching.enqueue(run.pk)
    except Exception as exc:  # the queue being down must not undo a publication; the run shows the failure
        MatchRun.objects.filter(pk=run.pk).update(
            status="failed", failure_message=f"任务队列暂不可用,请稍后在政策页面重新匹配({exc.__class__.__name__})"
        )


@transaction.atomic
def match_run_create(*, policy: Policy, by: Any) -> MatchRun:
    """A re-run of the current version (e.g. after enterprise data changed); only new matches are notified."""
    if not can_manage_policy(by, policy):
        raise PermissionDeniedError("您无权操作该政策")
    if policy.status != PolicyStatus.PUBLISHED or policy.current_version is None:
        raise ApplicationError("只有已发布的政策可以重新匹配")
    if policy.current_version.runs.filter(status__in=["queued", "running"]).exists():
        raise ApplicationError("该政策正在匹配中,请等待完成")
    run = MatchRun.objects.create(version=policy.current_version, decision_date=timezone.localdate(), started_by=by)
    record_event(kind="rematch", summary="重新匹配企业", actor=by, policy=policy)
    return run
