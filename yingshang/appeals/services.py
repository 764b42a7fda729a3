"""企业诉求 writes. Every function is keyword-only, atomic, writes an AppealEvent and an audit row.

Filing an appeal (web form, staff on behalf, 12345 intake, Open311, a meeting page):

    from yingshang.appeals.services import appeal_file
    result = appeal_file(
        by=user,                      # the signed-in user (enterprise user, or staff with Cap.RECORD_APPEALS), or None
        category=category,            # AppealCategory
        title="…", description="…",
        enterprise=enterprise,        # or None with enterprise_name="…" (12345/Open311 callers not in the registry)
        channel=Channel.HOTLINE_12345,
        external_id="GD2026…",        # unique per channel: the same id returns the stored appeal (created=False)
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        idempotency_scope="",         # default "user:<id>"; e.g. "open311:<key id>" for API-key callers
    )
    result.appeal, result.created, result.replayed

`replayed` is true when the key was seen before (same payload): nothing new was written. The same key with a
different payload raises IdempotencyMismatchError (an ApplicationError; answer 422).

Listing: `selectors.appeal_visible_to(user)` (object-level permissions), `selectors.appeal_ledger(user=, filters=)`
(台账, annotated with `colour`), `selectors.appeal_get_for(user, pk)` (404 when not visible). Transitions (dispatch,
sign, return, reply, review, follow-up, …) are in `workflow.py` and `workflow_close.py`, re-exported here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import BigIntegerField, F, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from yingshang.core.notifications import notify
from yingshang.core.workdays import add_working_days
from yingshang.enterprises.models import Enterprise
from yingshang.enterprises.validators import normalize_phone

from .attachments import store_attachments, validate_attachments
from .events import dispatch_limit_days, office_staff, record_event, set_stage_deadline
from .events import now as clock_now
from .models import (
    Appeal,
    AppealCategory,
    AppealNumberCounter,
    AppealState,
    Channel,
    IdempotencyKey,
    Meeting,
    MeetingKind,
    Urgency,
)
from .workflow import (  # noqa: F401 - the public service API of the app lives here
    appeal_dispatch,
    appeal_extension_decide,
    appeal_extension_request,
    appeal_reply,
    appeal_resume,
    appeal_return,
    appeal_sign,
    appeal_supervise,
    appeal_suspension_decide,
    appeal_suspension_request,
    supervision_remind,
    supervision_reply,
)
from .workflow_close import (  # noqa: F401 - re-exported with the rest of the service API
    appeal_exclude,
    appeal_follow_up,
    appeal_merge,
    appeal_review,
)

NUMBER_PREFIX = "SQ"
STAFF_CHANNELS = (
    Channel.PHONE,
    Channel.HOTLINE_12345,
    Channel.RECEPTION,
    Channel.MEETING,
    Channel.VISIT,
)


class IdempotencyMismatchError(ApplicationError):
    """The Idempotency-Key was already used for a request with a different payload."""


@dataclass(frozen=True)
class FileResult:
    appeal: Appeal
    created: bool  # False: an earlier request (same key, or same channel + external id) already created it
    replayed: bool = False  # True: the idempotency key was seen before with the same payload


# ---- numbers --------------------------------------------------------------------------------------------------


def appeal_number_next(*, year: int) -> str:
    """`SQ2026-000123`: unique under any concurrency, increasing within a year; a rolled-back filing may leave a gap.

    PostgreSQL takes the number from the year's sequence, which no transaction waits for (a counter row would be
    locked by each filer until its commit, so filers would queue: 126–162 filings/s against 525/s with a sequence in
    bench/appeals/pgbench.py). SQLite serialises writers anyway and keeps a counter row per year.
    """
    if connection.vendor == "postgresql":
        return f"{NUMBER_PREFIX}{year}-{_sequence_next(year):06d}"
    if not AppealNumberCounter.objects.filter(year=year).update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                AppealNumberCounter.objects.create(year=year, last_number=_last_number_stored(year) + 1)
        except IntegrityError:  # another filer created the year's row first
            AppealNumberCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    value = AppealNumberCounter.objects.values_list("last_number", flat=True).get(year=year)
    return f"{NUMBER_PREFIX}{year}-{value:06d}"


def _last_number_stored(year: int) -> int:
    """The highest number of the year among stored appeals (0 if none)."""
    prefix = f"{NUMBER_PREFIX}{year}-"
    found = Appeal.objects.filter(number__startswith=prefix).aggregate(
        n=Max(Cast(Substr("number", len(prefix) + 1), BigIntegerField()))
    )["n"]
    return int(found or 0)


def _sequence_next(year: int) -> int:
    """The next value of the year's sequence, created on first use. One statement in the common case:
    `to_regclass` gives NULL for a sequence that does not exist (yet, or any more: one created in a transaction
    that was rolled back) and `nextval(NULL)` is NULL, so nothing the process remembers can be stale."""
    name = f"appeals_number_{int(year)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(to_regclass(%s))", [name])
        value = cursor.fetchone()[0]
        if value is None:
            _sequence_create(cursor, name, year)
            cursor.execute("SELECT nextval(%s)", [name])
            value = cursor.fetchone()[0]
        return int(value)


def _sequence_create(cursor: Any, name: str, year: int) -> None:
    """The year's sequence, starting after every number already given that year (by the counter row of an older
    installation or in stored appeals)."""
    counter = AppealNumberCounter.objects.filter(year=year).values_list("last_number", flat=True).first()
    start = max(counter or 0, _last_number_stored(year)) + 1
    try:
        with transaction.atomic():
            cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {start}')
    except (IntegrityError, ProgrammingError):
        pass  # another filer created it at the same moment; nextval below uses theirs


# ---- filing ---------------------------------------------------------------------------------------------------


def _request_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_filer(*, by: User | None, enterprise: Enterprise | None, channel: str) -> None:
    if by is None:
        return  # system intake (Open311/12345 integrations authenticated by their own key)
    if by.role == Role.ENTERPRISE:
        if enterprise is None or enterprise.pk != by.enterprise_id:
            raise PermissionDeniedError("企业用户只能为本企业提交诉求")
        if channel not in (Channel.WEB, Channel.MINI_PROGRAM):
            raise ApplicationError("企业用户只能通过网上或小程序提交诉求", field="channel")
        return
    if not by.has_cap(Cap.RECORD_APPEALS):
        raise PermissionDeniedError("您的角色无权登记企业诉求")


@transaction.atomic
def appeal_file(
    *,
    by: User | None,
    category: AppealCategory,
    title: str,
    description: str,
    enterprise: Enterprise | None = None,
    enterprise_name: str = "",
    channel: str = Channel.WEB,
    urgency: str = Urgency.NORMAL,
    confidential: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    external_id: str = "",
    meeting: Meeting | None = None,
    attachments: Sequence[UploadedFile] = (),
    idempotency_key: str = "",
    idempotency_scope: str = "",
    filed_at: datetime | None = None,
) -> FileResult:
    """Register an appeal. Exactly one appeal per idempotency key (per scope) and per channel + external id."""
    title, description = (title or "").strip(), (description or "").strip()
    external_id, idempotency_key = (external_id or "").strip(), (idempotency_key or "").strip()
    if not title:
        raise ApplicationError("请填写诉求标题", field="title")
    if len(title) > 200:
        raise ApplicationError("诉求标题不能超过 200 字", field="title")
    if not description:
        raise ApplicationError("请填写诉求内容", field="description")
    if channel not in Channel.values:
        raise ApplicationError("来源渠道不正确", field="channel")
    if urgency not in Urgency.values:
        raise ApplicationError("紧急程度不正确", field="urgency")
    if not category.is_active:
        raise ApplicationError("该诉求分类已停用,请选择其他分类", field="category")
    if enterprise is None and not enterprise_name.strip():
        raise ApplicationError("请选择企业或填写企业名称", field="enterprise")
    if len(external_id) > 64 or len(idempotency_key) > 255:
        raise ApplicationError("外部编号或幂等键过长", field="external_id")
    if channel == Channel.HOTLINE_12345 and not external_id:
        raise ApplicationError("12345 工单须填写工单编号", field="external_id")
    phone = normalize_phone(contact_phone)
    _check_filer(by=by, enterprise=enterprise, channel=channel)
    validate_attachments(attachments)

    key_row: IdempotencyKey | None = None
    if idempotency_key:
        scope = idempotency_scope or (f"user:{by.pk}" if by is not None else "system")
        payload = {
            "category": category.pk,
            "title": title,
            "description": description,
            "enterprise": enterprise.pk if enterprise else enterprise_name,
            "channel": channel,
            "urgency": urgency,
            "confidential": confidential,
            "contact": [contact_name, phone],
            "external_id": external_id,
            "meeting": meeting.pk if meeting else None,
            "attachments": [(f.name, f.size) for f in attachments],
        }
        request_hash = _request_hash(payload)
        try:
            with transaction.atomic():
                key_row = IdempotencyKey.objects.create(scope=scope, key=idempotency_key, request_hash=request_hash)
        except IntegrityError:
            # Another request with this key won the insert (and, on PostgreSQL, we waited for it to commit).
            seen = IdempotencyKey.objects.select_related("appeal").get(scope=scope, key=idempotency_key)
            if seen.request_hash != request_hash:
                raise IdempotencyMismatchError(
                    "该 Idempotency-Key 已用于内容不同的另一个请求,请为新请求生成新的键", field="idempotency_key"
                ) from None
            if seen.appeal is None:
                raise ConflictError("相同 Idempotency-Key 的请求正在处理,请稍后重试") from None
            return FileResult(seen.appeal, created=False, replayed=True)

    if external_id:
        existing = Appeal.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return _link_key(key_row, FileResult(existing, created=False))

    now = filed_at or clock_now()
    appeal = Appeal(
        enterprise=enterprise,
        enterprise_name=(enterprise.name if enterprise else enterprise_name.strip())[:200],
        category=category,
        title=title,
        description=description,
        channel=channel,
        external_id=external_id,
        meeting=meeting,
        urgency=urgency,
        confidential=confidential,
        contact_name=contact_name.strip()[:50],
        contact_phone=phone,
        address=address.strip()[:255],
        latitude=latitude,
        longitude=longitude,
        state=AppealState.SUBMITTED,
        filed_by=by if by is not None and by.pk else None,
        created_at=now,
    )
    set_stage_deadline(appeal, add_working_days(now, dispatch_limit_days()))
    appeal.number = appeal_number_next(year=timezone.localdate(now).year)
    try:
        # Only a work order with an external id can collide (unique channel + external id), so only it needs the
        # savepoint that lets this transaction go on after a collision.
        with transaction.atomic(savepoint=bool(external_id)):
            appeal.save(force_insert=True)
    except IntegrityError:
        # The same 12345 work order arriving twice at once: the unique (channel, external_id) lets one through.
        existing = Appeal.objects.filter(channel=channel, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return _link_key(key_row, FileResult(existing, created=False))

    store_attachments(appeal=appeal, files=attachments, by=by)
    on_behalf = by is not None and by.role != Role.ENTERPRISE
    record_event(
        appeal=appeal,
        kind="filed",
        title=f"{'代录' if on_behalf else '提交'}诉求({appeal.get_channel_display()})",
        by=by,
        to_state=AppealState.SUBMITTED,
        data={"meeting": meeting.pk if meeting else None, "external_id": external_id},
    )
    notify(
        recipients=office_staff(),
        title=f"新诉求待分派:{appeal.number}",
        body=appeal.title if not appeal.confidential else "(保密诉求)",
        link=f"/appeals/{appeal.pk}/",
        category="appeals",
    )
    result = _link_key(key_row, FileResult(appeal, created=True))
    # Last write on purpose: the audit chain locks its head row until commit, so every concurrent filer queues
    # behind it; taking it last keeps that lock held only for the commit itself.
    audit_record(
        action=Action.APPEAL_FILED,
        user=by,
        obj=appeal,
        detail={"channel": channel, "external_id": external_id, "category": category.code},
    )
    return result


def _link_key(key_row: IdempotencyKey | None, result: FileResult) -> FileResult:
    if key_row is not None:
        key_row.appeal = result.appeal
        key_row.response_status = 201 if result.created else 200
        key_row.save(update_fields=["appeal", "response_status"])
    return result


def idempotency_store_response(*, scope: str, key: str, status: int, body: dict[str, Any]) -> None:
    """Keep the response an API sent for a key, so a retry can be answered with the same body."""
    IdempotencyKey.objects.filter(scope=scope, key=key).update(response_status=status, response_body=body)


# ---- meetings -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingAppealRow:
    enterprise: Enterprise
    category: AppealCategory
    title: str
    description: str
    contact_name: str = ""
    contact_phone: str = ""
    urgency: str = Urgency.NORMAL
    confidential: bool = False


@transaction.atomic
def meeting_record(
    *,
    by: User,
    kind: str,
    title: str,
    held_on: Any,
    location: str = "",
    host: str = "",
    notes: str = "",
    rows: Sequence[MeetingAppealRow] = (),
) -> tuple[Meeting, list[Appeal]]:
    """A 茶叙会/早餐会/接待日/服务日 and the appeals raised at it, all or nothing."""
    if not by.has_cap(Cap.RECORD_APPEALS):
        raise PermissionDeniedError("您的角色无权登记政企活动")
    if kind not in MeetingKind.values:
        raise ApplicationError("请选择活动类型", field="kind")
    if not (title or "").strip():
        raise ApplicationError("请填写活动主题", field="title")
    if not rows:
        raise ApplicationError("请至少登记一条企业诉求", field="rows")
    meeting = Meeting.objects.create(
        kind=kind,
        title=title.strip(),
        held_on=held_on,
        location=location.strip(),
        host=host.strip(),
        notes=notes.strip(),
        created_by=by,
    )
    channel = Channel.RECEPTION if kind == MeetingKind.RECEPTION else Channel.MEETING
    appeals = []
    for index, row in enumerate(rows, start=1):
        try:
            result = appeal_file(
                by=by,
                category=row.category,
                title=row.title,
                description=row.description,
                enterprise=row.enterprise,
                channel=channel,
                urgency=row.urgency,
                confidential=row.confidential,
                contact_name=row.contact_name,
                contact_phone=row.contact_phone,
                meeting=meeting,
            )
        except ApplicationError as exc:
            raise ApplicationError(f"第 {index} 条:{exc.message}", field=exc.field) from exc
        appeals.append(result.appeal)
    audit_record(action=Action.RECORD_CREATED, user=by, obj=meeting, detail={"appeals": len(appeals)})
    return meeting, appeals


# ---- categories -----------------------------------------------------------------------------------------------


@transaction.atomic
def category_save(
    *,
    by: User,
    category: AppealCategory | None = None,
    code: str,
    name: str,
    parent: AppealCategory | None = None,
    default_department: Department | None = None,
    sign_limit_days: int = 1,
    limit_normal_days: int = 10,
    limit_urgent_days: int = 5,
    limit_critical_days: int = 2,
    sort_order: int = 0,
    is_active: bool = True,
    description: str = "",
) -> AppealCategory:
    if not by.has_cap(Cap.DISPATCH_APPEALS):
        raise PermissionDeniedError("只有营商办可以维护诉求分类")
    if not name.strip():
        raise ApplicationError("请填写分类名称", field="name")
    if not code.strip():
        raise ApplicationError("请填写分类编码", field="code")
    for value, label in (
        (sign_limit_days, "签收时限"),
        (limit_normal_days, "一般件时限"),
        (limit_urgent_days, "紧急件时限"),
        (limit_critical_days, "特急件时限"),
    ):
        if not 1 <= int(value) <= 365:
            raise ApplicationError(f"{label}须为 1 至 365 个工作日")
    node = parent
    while node is not None:
        if category is not None and node.pk == category.pk:
            raise ApplicationError("上级分类不能是本分类或其下级", field="parent")
        node = node.parent
    created = category is None
    target = category or AppealCategory()
    if AppealCategory.objects.filter(code=code.strip()).exclude(pk=target.pk).exists():
        raise ApplicationError("分类编码已存在", field="code")
    if AppealCategory.objects.filter(parent=parent, name=name.strip()).exclude(pk=target.pk).exists():
        raise ApplicationError("同一上级下已有同名分类", field="name")
    target.code, target.name, target.parent = code.strip(), name.strip(), parent
    target.default_department = default_department
    target.sign_limit_days, target.limit_normal_days = sign_limit_days, limit_normal_days
    target.limit_urgent_days, target.limit_critical_days = limit_urgent_days, limit_critical_days
    target.sort_order, target.is_active, target.description = sort_order, is_active, description.strip()
    target.save()
    audit_record(
        action=Action.RECORD_CREATED if created else Action.RECORD_UPDATED,
        user=by,
        obj=target,
        detail={"code": target.code, "name": target.name},
    )
    return target
