"""免申即享 grants: created by a matching run, confirmed by the reviewing department, disbursed, announced (公示).

A grant keeps the rule hash of the version and the facts it was decided on, so anyone can see later why it was
granted. One grant per policy, enterprise and pool year (a database constraint): re-running never duplicates one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.enterprises.models import Enterprise
from yingshang.rules import allocate_pool

from . import engine
from .events import record_event
from .models import Disbursement, Grant, GrantStatus, MatchResult, MatchRun, Policy, PolicyVersion, Verdict
from .outcomes import evaluate_content, jsonable

COMMITTED = (GrantStatus.CONFIRMED, GrantStatus.DISBURSED, GrantStatus.ANNOUNCED)


def can_review(user: Any, policy: Policy) -> bool:
    """Reviewing staff of the policy's department, or the coordinator."""
    if not user.has_cap(Cap.REVIEW_POLICY_APPLICATIONS):
        return False
    return user.role == Role.COORDINATOR or policy.reviewing_department_id == user.department_id


def _ensure_review(user: Any, policy: Policy) -> None:
    if not can_review(user, policy):
        raise PermissionDeniedError("只有该政策的审核部门可以办理")


def grants_create_for(*, version: PolicyVersion, decision_date: date, run: MatchRun | None = None) -> int:
    """A grant for each eligible enterprise of the version that has none for this policy and year yet."""
    year = decision_date.year
    have = Grant.objects.filter(policy_id=version.policy_id, year=year).values("enterprise_id")
    ids = list(
        MatchResult.objects.filter(version=version, verdict=Verdict.ELIGIBLE)
        .exclude(enterprise_id__in=have)
        .values_list("enterprise_id", flat=True)
    )
    created = 0
    for start in range(0, len(ids), 200):
        for enterprise in Enterprise.objects.filter(pk__in=ids[start : start + 200]):
            facts = engine.facts_for_enterprise(enterprise, decision_date=decision_date)
            outcome = evaluate_content(version, facts, decision_date=decision_date)
            if outcome.verdict != Verdict.ELIGIBLE:
                continue  # the database said yes but the explanation says no: never grant without a reason
            try:
                with transaction.atomic():
                    grant = Grant.objects.create(
                        policy_id=version.policy_id,
                        version=version,
                        enterprise=enterprise,
                        year=year,
                        computed_fen=outcome.amount_fen,
                        amount_fen=outcome.amount_fen,
                        rule_hash=version.rule_hash,
                        facts_snapshot=jsonable(facts),
                        explanation=outcome.as_json(),
                        decision_date=decision_date,
                    )
                    record_event(
                        kind="matched",
                        summary=f"按第 {version.number} 版规则匹配生成",
                        grant=grant,
                        to_status=GrantStatus.MATCHED,
                        detail={"run": run.pk if run else None},
                    )
            except IntegrityError:
                continue  # a concurrent run created it first
            created += 1
    grants_allocate(policy=version.policy, year=year)
    return created


def _lock_pool(policy_id: int) -> None:
    """Confirmations and re-allocations of one policy's fund pool queue on the policy row: two reviewers confirming
    at once cannot both spend the last of the pool, and a matching run cannot overwrite a just-confirmed amount."""
    list(Policy.objects.select_for_update().filter(pk=policy_id).values_list("pk", flat=True))


@transaction.atomic
def grants_allocate(*, policy: Policy, year: int) -> None:
    """Share the year's fund pool among the unconfirmed grants; confirmed ones keep what they were given."""
    _lock_pool(policy.pk)
    pending = list(
        Grant.objects.filter(policy=policy, year=year, status=GrantStatus.MATCHED, computed_fen__isnull=False).order_by(
            "created_at", "pk"
        )
    )
    if not pending:
        return
    if policy.pool_budget_fen is None:
        for grant in pending:
            grant.amount_fen = grant.computed_fen
    else:
        committed = (
            Grant.objects.filter(policy=policy, year=year, status__in=COMMITTED).aggregate(s=Sum("amount_fen"))["s"]
            or 0
        )
        left = max(policy.pool_budget_fen - committed, 0)
        claims = [(g.pk, g.computed_fen or 0, g.created_at) for g in pending]
        shares = dict(_as_pairs(allocate_pool(claims, left, policy.allocation_rule)))
        for grant in pending:
            grant.amount_fen = shares.get(grant.pk, 0)
    Grant.objects.bulk_update(pending, ["amount_fen"])


def _as_pairs(result: Any) -> list[tuple[int, int]]:
    if isinstance(result, dict):
        return list(result.items())
    return [(item[0], item[1]) for item in result]


def _locked(grant: Grant) -> Grant:
    return Grant.objects.select_for_update().select_related("policy").get(pk=grant.pk)


def _transition(grant: Grant, *, to: str, by: Any, summary: str, detail: dict[str, Any] | None = None) -> None:
    record_event(kind=to, summary=summary, actor=by, grant=grant, from_status=grant.status, to_status=to, detail=detail)
    audit_record(
        action=Action.APPROVAL if to == GrantStatus.CONFIRMED else Action.STATE_CHANGE,
        user=by,
        obj=grant,
        detail={"from": grant.status, "to": to, **(detail or {})},
    )
    grant.status = to


@transaction.atomic
def grant_confirm(*, grant: Grant, by: Any, amount_fen: int | None = None) -> Grant:
    _lock_pool(grant.policy_id)  # before the grant: the same order as grants_allocate, so no deadlock
    grant = _locked(grant)
    _ensure_review(by, grant.policy)
    if grant.status != GrantStatus.MATCHED:
        raise ApplicationError(f"当前状态为「{grant.get_status_display()}」,不能确认")
    amount = amount_fen if amount_fen is not None else grant.amount_fen
    if amount is None or amount <= 0:
        raise ApplicationError("请填写核定金额(大于 0)", field="amount")
    if grant.policy.pool_budget_fen is not None:
        committed = (
            Grant.objects.filter(policy=grant.policy, year=grant.year, status__in=COMMITTED).aggregate(
                s=Sum("amount_fen")
            )["s"]
            or 0
        )
        if committed + amount > grant.policy.pool_budget_fen:
            raise ApplicationError("核定金额超出该政策本年度资金池剩余额度")
    _transition(grant, to=GrantStatus.CONFIRMED, by=by, summary="审核部门确认", detail={"amount_fen": amount})
    grant.amount_fen = amount
    grant.confirmed_at = timezone.now()
    grant.confirmed_by = by
    grant.save(update_fields=["status", "amount_fen", "confirmed_at", "confirmed_by"])
    return grant


@transaction.atomic
def grant_revoke(*, grant: Grant, by: Any, reason: str) -> Grant:
    grant = _locked(grant)
    _ensure_review(by, grant.policy)
    if grant.status not in (GrantStatus.MATCHED, GrantStatus.CONFIRMED):
        raise ApplicationError("已拨付的兑现不能撤销")
    if not reason.strip():
        raise ApplicationError("请填写撤销原因", field="reason")
    _transition(grant, to=GrantStatus.REVOKED, by=by, summary=f"撤销:{reason.strip()}")
    grant.revoke_reason = reason.strip()[:255]
    grant.save(update_fields=["status", "revoke_reason"])
    return grant


@transaction.atomic
def grant_disburse(*, grant: Grant, by: Any, paid_on: date, voucher: str) -> Disbursement:
    grant = _locked(grant)
    _ensure_review(by, grant.policy)
    if grant.status != GrantStatus.CONFIRMED:
        raise ApplicationError("只有已确认的兑现可以登记拨付")
    if not voucher.strip():
        raise ApplicationError("请填写拨付凭证号", field="voucher")
    if paid_on > timezone.localdate():
        raise ApplicationError("拨付日期不能晚于今天", field="paid_on")
    assert grant.amount_fen is not None  # confirmed grants always carry an amount
    disbursement = Disbursement.objects.create(
        policy=grant.policy,
        enterprise_id=grant.enterprise_id,
        department_id=grant.policy.reviewing_department_id,
        grant=grant,
        amount_fen=grant.amount_fen,
        paid_on=paid_on,
        voucher=voucher.strip(),
        recorded_by=by,
    )
    _transition(grant, to=GrantStatus.DISBURSED, by=by, summary=f"登记拨付(凭证 {voucher.strip()})")
    grant.save(update_fields=["status"])
    return disbursement


@transaction.atomic
def grant_announce(*, grant: Grant, by: Any) -> Grant:
    grant = _locked(grant)
    _ensure_review(by, grant.policy)
    if grant.status != GrantStatus.DISBURSED:
        raise ApplicationError("只有已拨付的兑现可以公示")
    _transition(grant, to=GrantStatus.ANNOUNCED, by=by, summary="公示")
    grant.announced_at = timezone.now()
    grant.save(update_fields=["status", "announced_at"])
    return grant
