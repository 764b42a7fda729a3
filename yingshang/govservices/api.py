"""政务服务 API, mounted under /api/v1/services/. The catalogue is public (the same as the 办事指南 pages); cases
follow the pages' visibility: an enterprise sees only its own cases (others are 404), staff what they handle."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from .models import ServiceCase, ServiceItem
from .schemas import (
    BundleOut,
    CaseDetailOut,
    CaseListQuery,
    CasePageOut,
    ErrorOut,
    ItemDetailOut,
    ItemListQuery,
    ItemPageOut,
)
from .selectors import (
    bundle_totals,
    can_use_cases,
    case_get_for,
    case_timeline,
    case_visible_to,
    item_get_public,
    item_public_list,
)

router = Router(tags=["政务服务"])
_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _item(item: ServiceItem, *, materials: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "department": item.department.name,
        "level": item.level,
        "kind": item.kind,
        "legal_limit_days": item.legal_limit_days,
        "committed_limit_days": item.committed_limit_days,
        "cut_percent": item.cut_percent,
        "online_depth": int(item.online_depth),
        "cross_province": item.cross_province,
        "in_province": item.in_province,
        "fees": item.fees,
        "conditions": item.conditions,
        "steps": item.step_list,
        "guide_url": reverse("govservices:guide", args=[item.pk]),
        "updated_at": item.updated_at,
    }
    if materials:
        data["materials"] = list(item.materials.all())
    return data


@router.get("/items", auth=None, response={200: ItemPageOut}, summary="政务服务事项清单(公开)")
def list_items(request: HttpRequest, query: Query[ItemListQuery]) -> Any:
    qs = item_public_list(q=query.q.strip(), department=query.department_id)
    start = (query.page - 1) * query.page_size
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_item(i) for i in qs[start : start + query.page_size]],
    }


@router.get("/items/{int:item_id}", auth=None, response={200: ItemDetailOut, 404: ErrorOut}, summary="办事指南(公开)")
def get_item(request: HttpRequest, item_id: int) -> Any:
    return _item(item_get_public(item_id), materials=True)


@router.get("/bundles", auth=None, response={200: list[BundleOut]}, summary="一件事一次办及其精简成效(公开)")
def list_bundles(request: HttpRequest) -> Any:
    plans, _ = bundle_totals()
    return [
        {
            "id": bundle.pk,
            "code": bundle.code,
            "name": bundle.name,
            "lead_department": bundle.lead_department.name,
            "item_codes": [i.code for i in plan.items],
            "steps": len(plan.steps),
            "separate_steps": plan.separate_steps,
            "materials": len(plan.materials),
            "separate_materials": plan.separate_materials,
            "combined_days": plan.combined_days,
            "separate_days": plan.separate_days,
            "time_cut_percent": plan.time_cut_percent,
        }
        for bundle, plan in plans
    ]


def _require_cases(request: HttpRequest) -> None:
    if not can_use_cases(request.user):
        raise PermissionDenied("您的角色无权查看办件")


def _case(case: ServiceCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "item_code": case.item.code if case.item else None,
        "bundle_code": case.bundle.code if case.bundle else None,
        "department": case.department.name,
        "enterprise_id": case.enterprise_id,
        "channel": case.channel,
        "state": case.state,
        "state_label": case.get_state_display(),
        "is_rongque": case.is_rongque,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "deadline": case.deadline,
        "finished_at": case.finished_at,
        "pickup_method": case.pickup_method,
    }


@router.get("/cases", response={200: CasePageOut, **_ERRORS}, summary="办件列表(企业仅本企业)")
def list_cases(request: HttpRequest, query: Query[CaseListQuery]) -> Any:
    _require_cases(request)
    qs = case_visible_to(request.user).order_by("-submitted_at", "-id")
    if query.state:
        qs = qs.filter(state=query.state)
    start = (query.page - 1) * query.page_size
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_case(c) for c in qs[start : start + query.page_size]],
    }


@router.get("/cases/{int:case_id}", response={200: CaseDetailOut, **_ERRORS}, summary="办件进度(材料与时间线)")
def get_case(request: HttpRequest, case_id: int) -> Any:
    _require_cases(request)
    case = case_get_for(request.user, case_id)
    data = _case(case)
    data["materials"] = list(case.materials.all())
    data["timeline"] = list(case_timeline(case, user=request.user))
    return data
