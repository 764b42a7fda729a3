"""Open311 writes: API keys (create, revoke, authenticate) and POST requests, which file an appeal.

A POST becomes `appeals.services.appeal_file(by=None, ...)` with the key's channel (Open311, or 12345 for the
provincial hotline's key), the caller's external id and `Idempotency-Key`, both scoped to the key: a retry with the
same idempotency key, or a second POST of the same external id, returns the first appeal and never files a second.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yingshang.accounts.models import User
from yingshang.accounts.roles import Cap
from yingshang.appeals.models import Appeal, AppealCategory, Urgency
from yingshang.appeals.services import appeal_file
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.models import AuditResult
from yingshang.enterprises.models import Enterprise

from .models import ApiKey, KeyChannel, Submission

KEY_PREFIX = "ys311_"
DESCRIPTION_MAX = 4000  # GeoReport v2: "may not exceed 4,000 characters"
EXTERNAL_ID_MAX = 50  # leaves room for the per-key namespace within the appeal's 64 characters
LAST_USED_RESOLUTION_SECONDS = 60


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.strip().encode()).hexdigest()


# ---- keys -----------------------------------------------------------------------------------------------------


@transaction.atomic
def api_key_create(*, name: str, by: User | None, channel: str = KeyChannel.OPEN311) -> tuple[ApiKey, str]:
    """A new key and its plain value, which the caller shows once; only the hash is stored."""
    if by is not None and not by.has_cap(Cap.DISPATCH_APPEALS):
        raise PermissionDeniedError("只有营商办可以管理 Open311 接口密钥")
    name = (name or "").strip()
    if not name:
        raise ApplicationError("请填写密钥名称(对接的系统或单位)", field="name")
    if len(name) > 100:
        raise ApplicationError("名称不能超过 100 字", field="name")
    if channel not in KeyChannel.values:
        raise ApplicationError("请选择来源渠道", field="channel")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name, prefix=raw[: len(KEY_PREFIX) + 6], key_hash=key_hash(raw), channel=channel, created_by=by
    )
    audit_record(action=Action.OPEN311_KEY_CREATED, user=by, obj=key, detail={"name": name, "channel": channel})
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by: User | None) -> ApiKey:
    if by is not None and not by.has_cap(Cap.DISPATCH_APPEALS):
        raise PermissionDeniedError("只有营商办可以管理 Open311 接口密钥")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if not key.is_active:
        raise ApplicationError("该密钥已吊销")
    key.is_active, key.revoked_at, key.revoked_by = False, timezone.now(), by
    key.save(update_fields=["is_active", "revoked_at", "revoked_by"])
    audit_record(action=Action.OPEN311_KEY_REVOKED, user=by, obj=key, detail={"name": key.name})
    return key


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key with this value, or None. Marks it used (at most once a minute, so that a busy key's row is
    not rewritten by every request; the write happens outside the filing transaction)."""
    if not raw_key or not raw_key.strip():
        return None
    key = ApiKey.objects.filter(key_hash=key_hash(raw_key), is_active=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(seconds=LAST_USED_RESOLUTION_SECONDS))
        ).update(last_used_at=now)
    return key


def audit_rejected_key(*, raw_key: str, reason: str) -> None:
    """A POST that carried a key we do not accept: recorded with the key's first characters only."""
    audit_record(
        action=Action.OPEN311_REQUEST,
        result=AuditResult.FAILURE,
        detail={"key_prefix": raw_key.strip()[: len(KEY_PREFIX) + 6], "reason": reason},
    )


# ---- POST requests ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostResult:
    appeal: Appeal
    submission: Submission
    created: bool
    replayed: bool


def _decimal(value: str, *, field: str, low: int, high: int, label: str) -> Decimal | None:
    if not (value or "").strip():
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ApplicationError(f"{label}须为数字(WGS-84 坐标)", field=field) from None
    if not number.is_finite() or not low <= number <= high:
        raise ApplicationError(f"{label}须在 {low} 至 {high} 之间", field=field)
    return number.quantize(Decimal("0.000001"))


def _flag(value: str) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "y", "是"}


def open311_request_submit(
    *,
    key: ApiKey,
    service_code: str,
    description: str,
    attributes: dict[str, str],
    lat: str = "",
    long: str = "",
    address_string: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    idempotency_key: str = "",
) -> PostResult:
    """File one appeal from a GeoReport v2 POST and audit it (with the key); errors leave nothing behind."""
    try:
        result = _submit(
            key=key,
            service_code=service_code,
            description=description,
            attributes=attributes,
            lat=lat,
            long=long,
            address_string=address_string,
            email=email,
            contact_name=f"{last_name.strip()}{first_name.strip()}",
            phone=phone,
            idempotency_key=idempotency_key,
        )
    except ApplicationError as exc:
        audit_record(
            action=Action.OPEN311_REQUEST,
            result=AuditResult.FAILURE,
            obj=key,
            detail={"service_code": service_code, "error": exc.message},
        )
        raise
    return result


@transaction.atomic
def _submit(
    *,
    key: ApiKey,
    service_code: str,
    description: str,
    attributes: dict[str, str],
    lat: str,
    long: str,
    address_string: str,
    email: str,
    contact_name: str,
    phone: str,
    idempotency_key: str,
) -> PostResult:
    category = AppealCategory.objects.filter(code=(service_code or "").strip(), is_active=True).first()
    if category is None:
        raise ApplicationError("service_code 不存在或已停用,请先查询 services 列表", field="service_code")
    description = (description or "").strip()
    if email.strip():
        try:
            validate_email(email.strip())
        except ValidationError:
            raise ApplicationError("email 格式不正确", field="email") from None
    if len(description) > DESCRIPTION_MAX:
        raise ApplicationError(f"description 不能超过 {DESCRIPTION_MAX} 字", field="description")
    external_id = (attributes.get("external_id") or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX:
        raise ApplicationError(f"external_id 不能超过 {EXTERNAL_ID_MAX} 个字符", field="external_id")
    if key.channel == KeyChannel.HOTLINE_12345 and not external_id:
        raise ApplicationError("12345 工单须在 attribute[external_id] 中填写工单编号", field="external_id")
    urgency = (attributes.get("urgency") or Urgency.NORMAL).strip()
    if urgency not in Urgency.values:
        raise ApplicationError("attribute[urgency] 须为 normal、urgent 或 critical", field="urgency")
    uscc = (attributes.get("uscc") or "").strip().upper()
    enterprise = Enterprise.objects.filter(uscc=uscc).first() if uscc else None
    enterprise_name = (attributes.get("enterprise_name") or "").strip()
    if enterprise is None and not enterprise_name:
        raise ApplicationError("请在 attribute[enterprise_name] 中填写企业名称", field="enterprise_name")
    if len(enterprise_name) > 200:
        raise ApplicationError("企业名称不能超过 200 字", field="enterprise_name")
    title = (attributes.get("title") or "").strip() or description[:30] or category.name
    # Hotline work-order numbers are the hotline's own and unique; any other caller's ids are its own namespace.
    stored_external_id = (
        external_id if key.channel == KeyChannel.HOTLINE_12345 or not external_id else (f"k{key.pk}-{external_id}")
    )
    filed = appeal_file(
        by=None,
        category=category,
        title=title[:200],
        description=description,
        enterprise=enterprise,
        enterprise_name=enterprise_name,
        channel=key.channel,
        urgency=urgency,
        confidential=_flag(attributes.get("confidential", "")),
        contact_name=contact_name[:50],
        contact_phone=phone,
        address=address_string,
        latitude=_decimal(lat, field="lat", low=-90, high=90, label="纬度 lat"),
        longitude=_decimal(long, field="long", low=-180, high=180, label="经度 long"),
        external_id=stored_external_id,
        idempotency_key=idempotency_key,
        idempotency_scope=f"open311:{key.pk}",
    )
    submission = Submission.objects.filter(api_key=key, appeal=filed.appeal).first()
    if submission is None:
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    api_key=key,
                    appeal=filed.appeal,
                    token=uuid.uuid4().hex,
                    external_id=external_id,
                    email=(email or "").strip()[:254],
                )
        except IntegrityError:  # the same key's concurrent duplicate recorded it first
            submission = Submission.objects.get(api_key=key, appeal=filed.appeal)
    audit_record(
        action=Action.OPEN311_REQUEST,
        obj=filed.appeal,
        detail={
            "api_key": key.pk,
            "key_name": key.name,
            "external_id": external_id,
            "created": filed.created,
            "replayed": filed.replayed,
        },
    )
    return PostResult(filed.appeal, submission, filed.created, filed.replayed)


def parse_attributes(data: Any) -> dict[str, str]:
    """`attribute[code]=value` form fields (GeoReport v2 service attributes) → {code: value}; lists joined by commas."""
    found: dict[str, str] = {}
    for name in data:
        if name.startswith("attribute[") and name.endswith("]"):
            values = [v for v in data.getlist(name) if v != ""]
            found[name[len("attribute[") : -1]] = ",".join(values)
    return found
