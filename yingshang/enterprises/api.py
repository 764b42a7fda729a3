"""Enterprise registry API (/api/v1/enterprises/). Same visibility as the pages: enterprise users see only their own
enterprise (others are 404), the administrator roles are refused (403)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from yingshang.accounts.roles import Cap
from yingshang.core.errors import ApplicationError, ConflictError

from .models import Enterprise, IndustryChain, Park, Qualification, Township
from .schemas import (
    EnterpriseContactPhoneOut,
    EnterpriseErrorOut,
    EnterpriseFactOut,
    EnterpriseIn,
    EnterpriseListQuery,
    EnterpriseOut,
    EnterprisePageOut,
    EnterprisePatch,
)
from .selectors import (
    EnterpriseFilters,
    ensure_can_browse_registry,
    enterprise_facts,
    enterprise_find_by_uscc,
    enterprise_get_for,
    enterprise_slice,
)
from .services import CLEARABLE_FIELDS, EnterpriseInput, enterprise_contact_phone_reveal, enterprise_save
from .validators import normalize_uscc

router = Router(tags=["企业库"])

_ERRORS = {401: EnterpriseErrorOut, 403: EnterpriseErrorOut, 404: EnterpriseErrorOut}
_TEXT_FIELDS = (
    "name",
    "legal_representative",
    "registered_address",
    "industry_code",
    "industry_name",
    "contact_person",
    "contact_phone",
)
_PLAIN_FIELDS = (
    "registration_date",
    "registered_capital",
    "scale",
    "four_up_category",
    "employees",
    "annual_revenue",
    "tax_paid",
    "rd_spend",
    "is_dishonest_executee",
    "is_abnormal_operation",
)
_REFS: dict[str, tuple[str, type[Model], str]] = {
    "township_id": ("township", Township, "乡镇/街道"),
    "park_id": ("park", Park, "园区"),
}
_REF_LISTS: dict[str, tuple[str, type[Model], str]] = {
    "industry_chain_ids": ("industry_chains", IndustryChain, "产业链"),
    "qualification_ids": ("qualifications", Qualification, "资质"),
}


def _require_edit(user: Any) -> None:
    if not user.has_cap(Cap.EDIT_ENTERPRISES):
        raise PermissionDenied("您的角色无权修改企业信息")


def _to_input(uscc: str, sent: dict[str, Any]) -> EnterpriseInput:
    """Map the fields a client sent to the service input: ids become objects, `null` empties a nullable field."""
    values: dict[str, Any] = {}
    clear: set[str] = set()
    for key, value in sent.items():
        if key in _TEXT_FIELDS:
            values[key] = (value or "").strip()
            if key == "name" and not values[key]:
                raise ApplicationError("企业名称不能为空", field="name")
        elif key in _PLAIN_FIELDS:
            if value is None and key in CLEARABLE_FIELDS:
                clear.add(key)
            values[key] = value
        elif key in _REFS:
            name, model, label = _REFS[key]
            if value is None:
                clear.add(name)
                values[name] = None
            else:
                obj = model._default_manager.filter(pk=value).first()
                if obj is None:
                    raise ApplicationError(f"{label}不存在:{value}", field=key)
                values[name] = obj
        elif key in _REF_LISTS:
            name, model, label = _REF_LISTS[key]
            ids = sorted(set(value or []))
            objects = list(model._default_manager.filter(pk__in=ids))
            missing = sorted(set(ids) - {o.pk for o in objects})
            if missing:
                raise ApplicationError(f"{label}不存在:{'、'.join(map(str, missing))}", field=key)
            values[name] = objects
        elif key == "fact_year":
            values["fact_year"] = value
    return EnterpriseInput(uscc=uscc, clear=frozenset(clear), **values)


def _reload(user: Any, pk: int) -> Enterprise:
    return enterprise_get_for(user, pk)


@router.get("", response={200: EnterprisePageOut, **_ERRORS}, summary="企业列表(检索与筛选)")
def list_enterprises(request: HttpRequest, query: Query[EnterpriseListQuery]) -> Any:
    ensure_can_browse_registry(request.user)
    filters = EnterpriseFilters(
        q=query.q,
        township=query.township,
        park=query.park,
        chain=query.chain,
        qualification=query.qualification,
        scale=query.scale,
        four_up_category=query.four_up_category,
        credit=query.credit,
        industry_code=query.industry_code,
    )
    items, count, is_estimate = enterprise_slice(
        user=request.user, filters=filters, page=query.page, page_size=query.page_size
    )
    return {
        "count": count,
        "count_is_estimate": is_estimate,
        "page": query.page,
        "page_size": query.page_size,
        "items": items,
    }


@router.post(
    "", response={201: EnterpriseOut, 400: EnterpriseErrorOut, 409: EnterpriseErrorOut, **_ERRORS}, summary="新建企业"
)
def create_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Any:
    ensure_can_browse_registry(request.user)
    _require_edit(request.user)
    uscc = normalize_uscc(payload.uscc)
    existing = enterprise_find_by_uscc(uscc)
    if existing is not None:
        raise ConflictError(f"该统一社会信用代码已存在:{existing.name}(ID {existing.pk})", field="uscc")
    sent = payload.model_dump(exclude_unset=True, exclude={"uscc", "source", "as_of"})
    sent["name"] = payload.name
    enterprise, _, _ = enterprise_save(
        data=_to_input(uscc, sent),
        source=payload.source,
        as_of=payload.as_of or timezone.localdate(),
        by=request.user,
    )
    return Status(201, _reload(request.user, enterprise.pk))


@router.get("/{int:enterprise_id}", response={200: EnterpriseOut, **_ERRORS}, summary="企业画像")
def get_enterprise(request: HttpRequest, enterprise_id: int) -> Any:
    ensure_can_browse_registry(request.user)
    return enterprise_get_for(request.user, enterprise_id)


@router.patch(
    "/{int:enterprise_id}",
    response={200: EnterpriseOut, 400: EnterpriseErrorOut, 409: EnterpriseErrorOut, **_ERRORS},
    summary="修改企业信息(乐观并发:须带 version)",
)
def patch_enterprise(request: HttpRequest, enterprise_id: int, payload: EnterprisePatch) -> Any:
    ensure_can_browse_registry(request.user)
    enterprise = enterprise_get_for(request.user, enterprise_id)
    _require_edit(request.user)
    sent = payload.model_dump(exclude_unset=True, exclude={"version", "source", "as_of"})
    enterprise_save(
        data=_to_input(enterprise.uscc, sent),
        source=payload.source,
        as_of=payload.as_of or timezone.localdate(),
        by=request.user,
        expected_version=payload.version,
    )
    return _reload(request.user, enterprise.pk)


@router.get(
    "/{int:enterprise_id}/facts",
    response={200: list[EnterpriseFactOut], **_ERRORS},
    summary="企业数据项(含来源与数据日期)",
)
def enterprise_fact_list(request: HttpRequest, enterprise_id: int) -> Any:
    ensure_can_browse_registry(request.user)
    enterprise = enterprise_get_for(request.user, enterprise_id)
    return [
        EnterpriseFactOut(
            key=row.key,
            label=row.label,
            year=row.year,
            value=row.value,
            source=row.source,
            as_of=row.as_of,
            recorded_at=row.recorded_at,
        )
        for row in enterprise_facts(enterprise)
    ]


@router.post(
    "/{int:enterprise_id}/contact-phone/reveal",
    response={200: EnterpriseContactPhoneOut, **_ERRORS},
    summary="查看完整联系电话(需授权,记入审计日志)",
)
def reveal_contact_phone(request: HttpRequest, enterprise_id: int) -> Any:
    ensure_can_browse_registry(request.user)
    enterprise = enterprise_get_for(request.user, enterprise_id)
    return {"contact_phone": enterprise_contact_phone_reveal(enterprise=enterprise, by=request.user)}
