"""Reads for 政务服务: who may see which case, the catalogue, bundle derivations and the guide documents the Q&A
assistant indexes. Statistics are in stats.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from yingshang.accounts.models import Department
from yingshang.accounts.roles import Cap

from .models import (
    AgencyRequest,
    Bundle,
    CaseEvent,
    CommitmentBreach,
    ItemMaterial,
    Rectification,
    ServiceCase,
    ServiceItem,
    ServiceWindow,
    material_key,
    step_key,
)

# ---------------------------------------------------------------------------------------------------------------
# Who is who
# ---------------------------------------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def window_department_ids() -> set[int]:
    """Departments that are front-desk windows, and their sub-units (a 综合受理窗口 股室 under 行政审批局)."""
    roots = set(ServiceWindow.objects.values_list("department_id", flat=True))
    if not roots:
        return set()
    result = set(roots)
    frontier = set(roots)
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - result
        result |= frontier
    return result


def is_window_clerk(user: Any) -> bool:
    return (
        _active(user)
        and user.has_cap(Cap.HANDLE_SERVICE_CASES)
        and user.department_id is not None
        and user.department_id in window_department_ids()
    )


def is_back_office(user: Any) -> bool:
    return _active(user) and user.has_cap(Cap.HANDLE_SERVICE_CASES) and user.department_id is not None


def sees_all_cases(user: Any) -> bool:
    """The office and leaders read every case; window clerks handle every case that comes to the window."""
    return _active(user) and (user.has_cap(Cap.VIEW_SERVICE_STATS) or is_window_clerk(user))


def can_use_cases(user: Any) -> bool:
    return _active(user) and (
        user.is_enterprise_user or user.has_cap(Cap.HANDLE_SERVICE_CASES) or user.has_cap(Cap.VIEW_SERVICE_STATS)
    )


# ---------------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------------


def case_visible_to(user: Any) -> QuerySet[ServiceCase]:
    qs = ServiceCase.objects.select_related("item", "bundle", "department", "enterprise")
    if not _active(user):
        return qs.none()
    if user.is_enterprise_user:
        return qs.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else qs.none()
    if sees_all_cases(user):
        return qs
    if is_back_office(user):
        return qs.filter(Q(department_id=user.department_id) | Q(tasks__department_id=user.department_id)).distinct()
    return qs.none()


def case_get_for(user: Any, pk: int) -> ServiceCase:
    case = case_visible_to(user).filter(pk=pk).first()
    if case is None:
        raise Http404("未找到该办件")
    return case


def case_list(
    *, user: Any, state: str = "", q: str = "", rongque: bool = False, mine_pending: bool = False
) -> QuerySet[ServiceCase]:
    qs = case_visible_to(user)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(title__icontains=q)
            | Q(applicant_name__icontains=q)
            | Q(enterprise__name__icontains=q)
        )
    if rongque:
        qs = qs.filter(is_rongque=True)
    if mine_pending and is_back_office(user):
        qs = qs.filter(tasks__department_id=user.department_id, tasks__state="pending", state="accepted").distinct()
    return qs.order_by("-submitted_at", "-id")


def case_timeline(case: ServiceCase, *, user: Any) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor").order_by("created_at", "id")
    if getattr(user, "is_enterprise_user", False):
        events = events.filter(public=True)
    return events


def breaches_visible_to(user: Any) -> QuerySet[CommitmentBreach]:
    qs = CommitmentBreach.objects.select_related("case", "enterprise", "material", "recorded_by")
    if not _active(user):
        return qs.none()
    if user.has_cap(Cap.VIEW_SERVICE_STATS):
        return qs
    if user.is_enterprise_user:
        return qs.filter(enterprise_id=user.enterprise_id)
    if is_back_office(user):
        return qs.filter(case__in=case_visible_to(user))
    return qs.none()


def rectifications_visible_to(user: Any) -> QuerySet[Rectification]:
    qs = Rectification.objects.select_related("rating", "rating__case", "department", "answered_by")
    if not _active(user):
        return qs.none()
    if user.has_cap(Cap.VIEW_SERVICE_STATS):
        return qs
    if is_back_office(user):
        return qs.filter(department_id=user.department_id)
    return qs.none()


def agency_visible_to(user: Any) -> QuerySet[AgencyRequest]:
    qs = AgencyRequest.objects.select_related("enterprise", "agent", "requested_by")
    if not _active(user):
        return qs.none()
    if user.is_enterprise_user:
        return qs.filter(enterprise_id=user.enterprise_id)
    if user.has_cap(Cap.ASSIGN_SERVICE_AGENTS) or user.has_cap(Cap.VIEW_SERVICE_STATS):
        return qs
    if user.has_cap(Cap.ACT_AS_SERVICE_AGENT):
        return qs.filter(agent_id=user.pk)
    return qs.none()


def agency_get_for(user: Any, pk: int) -> AgencyRequest:
    found = agency_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该帮代办记录")
    return found


def agent_candidates() -> QuerySet[Any]:
    from yingshang.accounts.models import User

    return User.objects.filter(is_active=True, role__in=["liaison", "department_staff"]).order_by("role", "id")


# ---------------------------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------------------------


def item_public_list(
    *, q: str = "", department: int | None = None, include_inactive: bool = False
) -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.select_related("department")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if department:
        qs = qs.filter(department_id=department)
    return qs.order_by("code")


def item_get_public(pk: int) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("department")
        .prefetch_related(Prefetch("materials", queryset=ItemMaterial.objects.order_by("sort_order", "id")))
        .filter(pk=pk, is_active=True)
        .first()
    )
    if item is None:
        raise Http404("未找到该事项")
    return item


def bundle_public_list() -> QuerySet[Bundle]:
    return Bundle.objects.filter(is_active=True).select_related("lead_department").prefetch_related("items")


def bundle_get_public(pk: int) -> Bundle:
    bundle = bundle_public_list().filter(pk=pk).first()
    if bundle is None:
        raise Http404("未找到该一件事")
    return bundle


@dataclass
class MergedMaterial:
    key: str
    name: str
    form_label: str
    copies: int
    required: bool
    may_be_missing: bool
    commitment_allowed: bool
    items: list[str] = field(default_factory=list)
    material_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class BundlePlan:
    """What a bundle asks and saves compared with doing its items one by one."""

    items: list[ServiceItem]
    materials: list[MergedMaterial]
    steps: list[str]
    separate_materials: int
    separate_steps: int
    separate_days: int
    combined_days: int

    @property
    def saved_materials(self) -> int:
        return self.separate_materials - len(self.materials)

    @property
    def saved_steps(self) -> int:
        return self.separate_steps - len(self.steps)

    @property
    def saved_days(self) -> int:
        return self.separate_days - self.combined_days

    @property
    def time_cut_percent(self) -> float:
        return round(100 * self.saved_days / self.separate_days, 1) if self.separate_days else 0.0


def merge_materials(items: list[ServiceItem]) -> list[MergedMaterial]:
    """Materials of several items, the same one (by `material_key`) asked once: required if any item requires it,
    容缺/告知承诺 only if every asking item allows it, the largest number of copies, an original over a copy."""
    merged: dict[str, MergedMaterial] = {}
    rank = {"original": 2, "copy": 1, "electronic": 0}
    forms: dict[str, str] = {}
    for item in items:
        for material in item.materials.all():
            key = material.key or material_key(material.name)
            entry = merged.get(key)
            if entry is None:
                merged[key] = MergedMaterial(
                    key=key,
                    name=material.name,
                    form_label=material.get_form_display(),
                    copies=material.copies,
                    required=material.required,
                    may_be_missing=material.may_be_missing,
                    commitment_allowed=material.commitment_allowed,
                    items=[item.name],
                    material_ids=[material.pk],
                )
                forms[key] = material.form
                continue
            entry.required = entry.required or material.required
            entry.may_be_missing = entry.may_be_missing and material.may_be_missing
            entry.commitment_allowed = entry.commitment_allowed and material.commitment_allowed
            entry.copies = max(entry.copies, material.copies)
            if rank.get(material.form, 0) > rank.get(forms[key], 0):
                forms[key] = material.form
                entry.form_label = material.get_form_display()
            if item.name not in entry.items:
                entry.items.append(item.name)
            entry.material_ids.append(material.pk)
    return list(merged.values())


def merge_steps(items: list[ServiceItem]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        for step in item.step_list:
            seen.setdefault(step_key(step), step)
    return list(seen.values())


def bundle_plan(bundle: Bundle) -> BundlePlan:
    links = bundle.bundle_items.select_related("item__department").prefetch_related(
        Prefetch("item__materials", queryset=ItemMaterial.objects.order_by("sort_order", "id"))
    )
    return plan_for_items([link.item for link in links], committed_limit_days=bundle.committed_limit_days)


def plan_for_items(items: list[ServiceItem], *, committed_limit_days: int | None = None) -> BundlePlan:
    combined = committed_limit_days
    if combined is None:
        combined = max((i.committed_limit_days for i in items), default=0)
    return BundlePlan(
        items=items,
        materials=merge_materials(items),
        steps=merge_steps(items),
        separate_materials=sum(len(i.materials.all()) for i in items),
        separate_steps=sum(len(i.step_list) for i in items),
        separate_days=sum(i.committed_limit_days for i in items),
        combined_days=combined,
    )


@dataclass(frozen=True)
class BundleTotals:
    bundles: int
    items: int
    saved_steps: int
    saved_materials: int
    separate_days: int
    combined_days: int

    @property
    def time_cut_percent(self) -> float:
        if not self.separate_days:
            return 0.0
        return round(100 * (self.separate_days - self.combined_days) / self.separate_days, 1)


def bundle_totals() -> tuple[list[tuple[Bundle, BundlePlan]], BundleTotals]:
    """Across all active bundles, in the seeds' terms: 合并环节, 精简资料, 办理时间压缩%(总天数之比)."""
    plans = [(b, bundle_plan(b)) for b in bundle_public_list()]
    totals = BundleTotals(
        bundles=len(plans),
        items=sum(len(p.items) for _, p in plans),
        saved_steps=sum(p.saved_steps for _, p in plans),
        saved_materials=sum(p.saved_materials for _, p in plans),
        separate_days=sum(p.separate_days for _, p in plans),
        combined_days=sum(p.combined_days for _, p in plans),
    )
    return plans, totals


# ---------------------------------------------------------------------------------------------------------------
# For the Q&A assistant
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideDocument:
    item_id: int
    title: str
    code: str
    department: str
    text: str
    url: str
    updated_at: datetime


def guide_text(item: ServiceItem) -> str:
    """The 办事指南 of an item as plain text, in the order of the public page."""
    flags = [label for flag, label in ((item.cross_province, "跨省通办"), (item.in_province, "省内通办")) if flag]
    lines = [
        f"事项名称:{item.name}",
        f"事项编码:{item.code}",
        f"实施部门:{item.department.name}",
        f"事项类型:{item.get_kind_display()};层级:{item.get_level_display()}",
        f"法定办结时限:{item.legal_limit_days}个工作日;承诺办结时限:{item.committed_limit_days}个工作日"
        f"(压缩{item.cut_percent}%)",
        f"收费标准:{item.fees or '不收费'}",
        f"网办深度:{item.get_online_depth_display()}",
    ]
    if flags:
        lines.append("通办范围:" + "、".join(flags))
    if item.conditions:
        lines.append(f"受理条件:{item.conditions}")
    if item.step_list:
        lines.append("办理流程:" + "→".join(item.step_list))
    lines.append("申请材料:")
    for index, material in enumerate(item.materials.all(), start=1):
        notes = []
        if material.may_be_missing:
            notes.append("可容缺受理")
        if material.commitment_allowed:
            notes.append("可告知承诺")
        suffix = f"({';'.join(notes)})" if notes else ""
        lines.append(
            f"{index}. {material.name},{material.get_form_display()}{material.copies}份,来源:{material.source or '申请人自备'}"
            f"{'' if material.required else ',非必要'}{suffix}"
        )
    if item.window_location:
        lines.append(f"办理地点:{item.window_location}")
    if item.contact_phone:
        lines.append(f"咨询电话:{item.contact_phone}")
    if item.legal_basis:
        lines.append(f"设定依据:{item.legal_basis}")
    return "\n".join(lines)


def guide_documents() -> Iterator[GuideDocument]:
    """Every active item's 办事指南, for indexing. Read-only; public information only."""
    items = (
        ServiceItem.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related(Prefetch("materials", queryset=ItemMaterial.objects.order_by("sort_order", "id")))
        .order_by("code")
    )
    for item in items.iterator(chunk_size=200):
        yield GuideDocument(
            item_id=item.pk,
            title=item.name,
            code=item.code,
            department=item.department.name,
            text=guide_text(item),
            url=reverse("govservices:guide", args=[item.pk]),
            updated_at=item.updated_at,
        )
