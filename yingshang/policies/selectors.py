"""Reads of the policy app, already restricted to what the user may see (a record outside that answers 404)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.urls import reverse

from yingshang.accounts.roles import Cap, Role

from .models import (
    Application,
    ApplicationStatus,
    Disbursement,
    Grant,
    GrantStatus,
    Policy,
    PolicyStatus,
    PolicyVersion,
    RecordEvent,
)
from .rule_text import rule_sections


def policies_managed_by(user: Any) -> QuerySet[Policy]:
    if not user.has_cap(Cap.MANAGE_POLICIES):
        return Policy.objects.none()
    qs = Policy.objects.select_related("reviewing_department", "current_version")
    if user.role == Role.COORDINATOR:
        return qs
    return qs.filter(reviewing_department_id=user.department_id)


def policy_get_for(user: Any, pk: int) -> Policy:
    policy = policies_managed_by(user).filter(pk=pk).first()
    if policy is None:
        raise Http404("政策不存在")
    return policy


def published_policy(pk: int) -> Policy:
    policy = (
        Policy.objects.select_related("current_version", "reviewing_department")
        .filter(pk=pk, status=PolicyStatus.PUBLISHED)
        .first()
    )
    if policy is None or policy.current_version is None:
        raise Http404("政策不存在或已废止")
    return policy


@dataclass(frozen=True)
class KnowledgeBasePolicy:
    """A published policy as the Q&A assistant indexes it (see yingshang.assistant.sources_external)."""

    key: str
    title: str
    doc_number: str
    issuer: str
    issued_on: date | None
    valid_until: date | None
    text: str
    url: str
    updated_at: datetime
    sections: list[tuple[str, str]]


def _knowledge_text(version: PolicyVersion) -> str:
    """The full source text; a policy entered without one still answers with its summary and review rules."""
    parts = [version.source_text.strip()]
    if not parts[0]:
        parts = [version.summary.strip(), version.review_rules.strip()]
    return "\n".join(p for p in parts if p)


def _knowledge_sections(version: PolicyVersion) -> list[tuple[str, str]]:
    sections = rule_sections(version.rule)
    materials = [
        f"{m.get('name', '')}{'(需提供原件)' if m.get('original_required') else ''}:{m.get('description', '')}"
        for m in version.materials
    ]
    if materials:
        sections.append(("申报材料", ";".join(materials)))
    if version.window_start or version.window_end:
        start = f"{version.window_start:%Y-%m-%d}" if version.window_start else "即日"
        end = f"{version.window_end:%Y-%m-%d}" if version.window_end else "长期"
        sections.append(("申报时间", f"申报时间为 {start} 至 {end}"))
    if version.review_rules.strip() and version.source_text.strip():
        sections.append(("审核规则", version.review_rules.strip()))
    return sections


def policies_for_knowledge_base() -> Iterator[KnowledgeBasePolicy]:
    """Every policy in force as published (its current version, never the unpublished draft): retired ones are
    left out, so the assistant stops citing them. There is no public policy page; the link is the staff page."""
    qs = (
        Policy.objects.filter(
            status=PolicyStatus.PUBLISHED, current_version__isnull=False, current_version__retired_at__isnull=True
        )
        .select_related("current_version__reviewing_department")
        .order_by("pk")
    )
    for policy in qs.iterator(chunk_size=200):
        version = policy.current_version
        assert version is not None  # filtered above
        yield KnowledgeBasePolicy(
            key=str(policy.pk),
            title=version.title,
            doc_number=version.doc_number,
            issuer=version.issuing_departments or version.reviewing_department.name,
            issued_on=version.valid_from,
            valid_until=version.valid_to,
            text=_knowledge_text(version),
            url=reverse("policies:detail", args=[policy.pk]),
            updated_at=version.published_at,
            sections=_knowledge_sections(version),
        )


def _reviewable(user: Any, qs: Any) -> Any:
    if user.role == Role.COORDINATOR:
        return qs
    if user.has_cap(Cap.REVIEW_POLICY_APPLICATIONS):
        return qs.filter(policy__reviewing_department_id=user.department_id)
    return qs.none()


def applications_visible_to(user: Any) -> QuerySet[Application]:
    qs = Application.objects.select_related("policy", "version", "enterprise", "submitted_by")
    if user.is_enterprise_user:
        return qs.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else qs.none()
    return _reviewable(user, qs)


def application_get_for(user: Any, pk: int) -> Application:
    application = applications_visible_to(user).filter(pk=pk).first()
    if application is None:
        raise Http404("申报不存在")
    return application


def grants_visible_to(user: Any) -> QuerySet[Grant]:
    qs = Grant.objects.select_related("policy", "version", "enterprise")
    if user.is_enterprise_user:
        return qs.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else qs.none()
    return _reviewable(user, qs)


def grant_get_for(user: Any, pk: int) -> Grant:
    grant = grants_visible_to(user).filter(pk=pk).first()
    if grant is None:
        raise Http404("兑现记录不存在")
    return grant


def timeline(**of: Any) -> QuerySet[RecordEvent]:
    return RecordEvent.objects.filter(**of).select_related("actor").order_by("created_at", "id")


# ---- 公示 (public) ---------------------------------------------------------------------------------------------


def mask_uscc(uscc: str) -> str:
    """Keep the registration authority and the check character only: 91420802********5X."""
    if len(uscc) != 18:
        return "*" * len(uscc)
    return f"{uscc[:8]}********{uscc[-2:]}"


@dataclass(frozen=True)
class AnnouncementRow:
    policy: str
    department: str
    enterprise: str
    uscc_masked: str
    amount_fen: int
    paid_on: date
    kind: str


def announcements(*, q: str = "", limit: int = 500) -> list[AnnouncementRow]:
    """Disbursements whose grant or application was announced (公示): enterprise name, masked code, amount."""
    qs = (
        Disbursement.objects.filter(
            Q(grant__status=GrantStatus.ANNOUNCED) | Q(application__status=ApplicationStatus.ANNOUNCED)
        )
        .select_related("policy", "enterprise", "department")
        .order_by("-paid_on", "-id")
    )
    if q:
        qs = qs.filter(Q(policy__title__icontains=q) | Q(enterprise__name__icontains=q))
    return [
        AnnouncementRow(
            policy=d.policy.title,
            department=d.department.name,
            enterprise=d.enterprise.name,
            uscc_masked=mask_uscc(d.enterprise.uscc),
            amount_fen=d.amount_fen,
            paid_on=d.paid_on,
            kind="免申即享" if d.grant_id else "申报兑现",
        )
        for d in qs[:limit]
    ]


# ---- statistics ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatRow:
    label: str
    enterprises: int
    disbursements: int
    amount_fen: int


@dataclass(frozen=True)
class PolicyStats:
    start: date | None
    end: date | None
    enterprises: int
    disbursements: int
    amount_fen: int
    by_policy: list[StatRow]
    by_department: list[StatRow]
    by_month: list[StatRow]

    @property
    def amount_wan(self) -> str:
        """万元 with two decimals, rounded half up, as the seeds quote it (6324.14万元)."""
        from decimal import ROUND_HALF_UP, Decimal

        return str((Decimal(self.amount_fen) / 1000000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    @property
    def headline(self) -> str:
        return f"兑现{self.enterprises}家企业惠企政策资金{self.amount_wan}万元"


def _grouped(qs: Any, *fields: str) -> list[dict[str, Any]]:
    return list(
        qs.values(*fields)
        .annotate(enterprises=Count("enterprise", distinct=True), n=Count("id"), amount=Sum("amount_fen"))
        .order_by("-amount")
    )


def policy_stats(*, start: date | None = None, end: date | None = None) -> PolicyStats:
    """Money actually paid (Disbursement rows) in the period; an enterprise paid twice counts once."""
    qs = Disbursement.objects.all()
    if start:
        qs = qs.filter(paid_on__gte=start)
    if end:
        qs = qs.filter(paid_on__lte=end)
    totals = qs.aggregate(enterprises=Count("enterprise", distinct=True), n=Count("id"), amount=Sum("amount_fen"))
    by_policy = [
        StatRow(r["policy__title"], r["enterprises"], r["n"], r["amount"] or 0)
        for r in _grouped(qs, "policy_id", "policy__title")
    ]
    by_department = [
        StatRow(r["department__name"], r["enterprises"], r["n"], r["amount"] or 0)
        for r in _grouped(qs, "department_id", "department__name")
    ]
    by_month = sorted(
        (
            StatRow(f"{r['month']:%Y-%m}", r["enterprises"], r["n"], r["amount"] or 0)
            for r in _grouped(qs.annotate(month=TruncMonth("paid_on")), "month")
        ),
        key=lambda row: row.label,
    )
    return PolicyStats(
        start=start,
        end=end,
        enterprises=totals["enterprises"] or 0,
        disbursements=totals["n"] or 0,
        amount_fen=totals["amount"] or 0,
        by_policy=by_policy,
        by_department=by_department,
        by_month=by_month,
    )
