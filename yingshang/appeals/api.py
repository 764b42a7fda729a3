"""企业诉求 API, mounted under /api/v1/appeals/.

Every POST accepts an `Idempotency-Key` header: a retry (or a concurrent duplicate) with the same key and body
answers with the appeal the first request created and creates nothing; the same key with another body is 422.
Transitions carry the appeal's `version`; a stale version is 409. Visibility is that of the pages (404 otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Header, Query, Router, Status

from yingshang.accounts.models import Department, User
from yingshang.accounts.permissions import signed_in_user
from yingshang.accounts.roles import Cap, Role
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.enterprises.models import Enterprise
from yingshang.enterprises.selectors import enterprise_find_by_uscc, enterprise_visible_to

from .idempotency import idempotent_call, request_fingerprint
from .models import AppealCategory, Channel
from .schemas import (
    AppealErrorOut,
    AppealIn,
    AppealListQuery,
    AppealOut,
    AppealPageOut,
    CategoryOut,
    DispatchIn,
    FileResultOut,
    FollowUpIn,
    Intake12345In,
    ReasonIn,
    ReplyIn,
    ReviewIn,
    VersionIn,
)
from .selectors import (
    LedgerFilters,
    appeal_get_for,
    appeal_ledger,
    appeal_timeline,
    can_use_appeals,
    colour_of,
)
from .services import (
    FileResult,
    IdempotencyMismatchError,
    appeal_dispatch,
    appeal_file,
    appeal_follow_up,
    appeal_reply,
    appeal_return,
    appeal_review,
    appeal_sign,
)

router = Router(tags=["企业诉求"])

_ERRORS = {401: AppealErrorOut, 403: AppealErrorOut, 404: AppealErrorOut}
_WRITE_ERRORS = {400: AppealErrorOut, 409: AppealErrorOut, 422: AppealErrorOut, **_ERRORS}
IDEMPOTENCY_HEADER = Header(None, alias="Idempotency-Key", description="幂等键:重试时带上同一个值,只会登记一次")
T = TypeVar("T")


def _user(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not can_use_appeals(user):
        raise PermissionDenied("您的角色无权使用企业诉求")
    return user


def _guarded(call: Callable[[], T]) -> T:
    """Service refusals of the role are 403 here (the platform handler would answer 400 for ApplicationError)."""
    try:
        return call()
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc


def _out(user: User, pk: int, *, timeline: bool = False) -> AppealOut:
    appeal = appeal_get_for(user, pk)
    return AppealOut.of(
        appeal,
        user=user,
        colour=colour_of(appeal),
        timeline=appeal_timeline(appeal, user=user) if timeline else None,
    )


def _category(pk: int | None = None, code: str = "") -> AppealCategory:
    category = AppealCategory.objects.filter(**({"pk": pk} if pk is not None else {"code": code})).first()
    if category is None:
        raise ApplicationError("诉求分类不存在", field="category_id" if pk is not None else "category_code")
    return category


def _file(user: User, call: Callable[[], FileResult]) -> Any:
    """201 for a new appeal, 200 for a replay (same Idempotency-Key) or a known external id, 422 for a key reused
    with another body."""
    try:
        result = _guarded(call)
    except IdempotencyMismatchError as exc:
        return Status(422, {"detail": exc.message, "field": "Idempotency-Key"})
    if result.created:
        # The filer may see what it just filed; answer from the instance in hand instead of reading it back.
        out = AppealOut.of(result.appeal, user=user, colour=colour_of(result.appeal))
    else:
        # A replay or a known external id may be someone else's appeal: read it through the visibility check.
        out = _out(user, result.appeal.pk)
    return Status(201 if result.created else 200, {"created": result.created, "appeal": out})


@router.get("/categories", response={200: list[CategoryOut], **_ERRORS}, summary="诉求分类(含办理时限)")
def list_categories(request: HttpRequest) -> Any:
    _user(request)
    return [
        CategoryOut(
            id=c.pk,
            code=c.code,
            name=c.name,
            path=c.path,
            parent_id=c.parent_id,
            sign_limit_days=c.sign_limit_days,
            limit_normal_days=c.limit_normal_days,
            limit_urgent_days=c.limit_urgent_days,
            limit_critical_days=c.limit_critical_days,
        )
        for c in AppealCategory.objects.filter(is_active=True).select_related("parent")
    ]


@router.get("", response={200: AppealPageOut, **_ERRORS}, summary="诉求列表(企业:本企业;部门:分派给本部门的)")
def list_appeals(request: HttpRequest, query: Query[AppealListQuery]) -> Any:
    user = _user(request)
    qs = appeal_ledger(
        user=user,
        filters=LedgerFilters(state=query.state or "", colour=query.colour or "", channel=query.channel or ""),
    )
    start = (query.page - 1) * query.page_size
    items = list(qs[start : start + query.page_size])
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [AppealOut.of(a, user=user) for a in items],
    }


@router.post("", response={200: FileResultOut, 201: FileResultOut, **_WRITE_ERRORS}, summary="提交/登记诉求")
def file_appeal(request: HttpRequest, payload: AppealIn, idempotency_key: str | None = IDEMPOTENCY_HEADER) -> Any:
    user = _user(request)
    enterprise: Enterprise | None = None
    if payload.enterprise_id is not None:
        enterprise = enterprise_visible_to(user).filter(pk=payload.enterprise_id).first()
        if enterprise is None:
            raise ApplicationError("企业不存在", field="enterprise_id")
    elif user.role == Role.ENTERPRISE:
        enterprise = user.enterprise
    channel = payload.channel or (Channel.WEB if user.role == Role.ENTERPRISE else Channel.PHONE)
    category = _category(payload.category_id)
    return _file(
        user,
        lambda: appeal_file(
            by=user,
            category=category,
            title=payload.title,
            description=payload.description,
            enterprise=enterprise,
            enterprise_name=payload.enterprise_name,
            channel=channel,
            urgency=payload.urgency,
            confidential=payload.confidential,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            external_id=payload.external_id,
            idempotency_key=idempotency_key or "",
        ),
    )


@router.post(
    "/intake/12345",
    response={200: FileResultOut, 201: FileResultOut, **_WRITE_ERRORS},
    summary="12345 工单接入(同一工单编号只登记一次)",
)
def intake_12345(request: HttpRequest, payload: Intake12345In, idempotency_key: str | None = IDEMPOTENCY_HEADER) -> Any:
    user = _user(request)
    if not user.has_cap(Cap.RECORD_APPEALS):
        raise PermissionDenied("您的角色无权登记 12345 工单")
    enterprise = enterprise_find_by_uscc(payload.enterprise_uscc) if payload.enterprise_uscc.strip() else None
    category = _category(code=payload.category_code)
    return _file(
        user,
        lambda: appeal_file(
            by=user,
            category=category,
            title=payload.title,
            description=payload.description,
            enterprise=enterprise,
            enterprise_name=payload.enterprise_name,
            channel=Channel.HOTLINE_12345,
            external_id=payload.external_id,
            urgency=payload.urgency,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            address=payload.address,
            idempotency_key=idempotency_key or "",
        ),
    )


@router.get("/{int:appeal_id}", response={200: AppealOut, **_ERRORS}, summary="诉求详情(含办理过程)")
def get_appeal(request: HttpRequest, appeal_id: int) -> Any:
    return _out(_user(request), appeal_id, timeline=True)


def _transition(request: HttpRequest, appeal_id: int, call: Callable[[User, Any], Any], key: str | None) -> Any:
    """Run one transition; with an Idempotency-Key a retry replays the first response instead of answering 409."""
    user = _user(request)
    appeal = appeal_get_for(user, appeal_id)

    def work() -> tuple[int, dict[str, Any]]:
        _guarded(lambda: call(user, appeal))
        try:
            out = _out(user, appeal_id)
        except Http404:
            # After 退单 the department no longer sees the appeal, but it may see the outcome of its own action
            # (content of a 保密 appeal stays hidden: AppealOut checks the handling chain itself).
            appeal.refresh_from_db()
            out = AppealOut.of(appeal, user=user, colour=colour_of(appeal))
        return 200, out.model_dump(mode="json")

    if not key:
        return Status(*work())
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    try:
        result = idempotent_call(
            scope=f"user:{user.pk}",
            key=key,
            request_hash=request_fingerprint(request.method or "POST", request.path, body),
            call=work,
        )
    except IdempotencyMismatchError as exc:
        return Status(422, {"detail": exc.message, "field": "Idempotency-Key"})
    return Status(result.status, result.body)


_T_RESPONSES: dict[int, Any] = {200: AppealOut, **_WRITE_ERRORS}


@router.post("/{int:appeal_id}/dispatch", response=_T_RESPONSES, summary="分派(营商办)")
def dispatch(
    request: HttpRequest, appeal_id: int, payload: DispatchIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    def call(user: User, appeal: Any) -> Any:
        if not user.has_cap(Cap.DISPATCH_APPEALS):
            raise PermissionDeniedError("只有营商办可以分派")
        lead = Department.objects.filter(pk=payload.lead_department_id, is_active=True).first()
        if lead is None:
            raise ApplicationError("主办部门不存在", field="lead_department_id")
        assists = list(Department.objects.filter(pk__in=payload.assist_department_ids, is_active=True))
        return appeal_dispatch(
            appeal=appeal, lead=lead, assists=assists, by=user, note=payload.note, version=payload.version
        )

    return _transition(request, appeal_id, call, idempotency_key)


@router.post("/{int:appeal_id}/sign", response=_T_RESPONSES, summary="签收(承办部门)")
def sign(
    request: HttpRequest, appeal_id: int, payload: VersionIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    return _transition(
        request, appeal_id, lambda u, a: appeal_sign(appeal=a, by=u, version=payload.version), idempotency_key
    )


@router.post("/{int:appeal_id}/return", response=_T_RESPONSES, summary="退单(承办部门)")
def return_appeal(
    request: HttpRequest, appeal_id: int, payload: ReasonIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    return _transition(
        request,
        appeal_id,
        lambda u, a: appeal_return(appeal=a, by=u, reason=payload.reason, version=payload.version),
        idempotency_key,
    )


@router.post("/{int:appeal_id}/reply", response=_T_RESPONSES, summary="答复办理结果(承办部门)")
def reply(
    request: HttpRequest, appeal_id: int, payload: ReplyIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    return _transition(
        request,
        appeal_id,
        lambda u, a: appeal_reply(appeal=a, by=u, content=payload.content, version=payload.version),
        idempotency_key,
    )


@router.post("/{int:appeal_id}/review", response=_T_RESPONSES, summary="审核答复(营商办)")
def review(
    request: HttpRequest, appeal_id: int, payload: ReviewIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    return _transition(
        request,
        appeal_id,
        lambda u, a: appeal_review(
            appeal=a, by=u, approve=payload.approve, comment=payload.comment, version=payload.version
        ),
        idempotency_key,
    )


@router.post("/{int:appeal_id}/follow-up", response=_T_RESPONSES, summary="回访(营商办)或企业评价")
def follow_up(
    request: HttpRequest, appeal_id: int, payload: FollowUpIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    return _transition(
        request,
        appeal_id,
        lambda u, a: appeal_follow_up(
            appeal=a,
            by=u,
            reached=payload.reached,
            resolution=payload.resolution or "",
            rating=payload.rating,
            comment=payload.comment,
            version=payload.version,
        ),
        idempotency_key,
    )
