"""Open311 reads: the public view of appeal categories (services) and appeals (service requests).

Everything here is public. A 保密 appeal shows its number, service, status and times only — no description,
address, coordinates or department. Phone numbers, e-mail addresses and ID-card numbers written into a description
are masked, and contact names never leave the platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from yingshang.appeals.models import OPEN_STATES, Appeal, AppealCategory, AppealEvent, AppealState, Urgency
from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_email, mask_id_number, mask_phone

from .models import Submission

DEFAULT_SPAN_DAYS = 90
MAX_SPAN_DAYS = 90
MAX_REQUESTS = 1000
CONFIDENTIAL_DESCRIPTION = "【保密诉求】内容不公开"
STATUS_OPEN, STATUS_CLOSED = "open", "closed"

_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


def mask_text(text: str) -> str:
    """Free text with the personal data a caller may have typed into it masked (ID numbers before phones, since an
    ID number contains digit runs that look like a landline)."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text or "")
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


# ---- services ---------------------------------------------------------------------------------------------------


def service_list() -> list[dict[str, Any]]:
    categories = list(
        AppealCategory.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "id")
    )
    by_id = {c.pk: c for c in AppealCategory.objects.all()}
    rows = []
    for category in categories:
        ancestors: list[str] = []
        node = by_id.get(category.parent_id) if category.parent_id else None
        while node is not None and node.name not in ancestors:
            ancestors.insert(0, node.name)
            node = by_id.get(node.parent_id) if node.parent_id else None
        rows.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": category.description or category.path,
                "metadata": True,  # every service has attributes (at least the enterprise name)
                "type": "realtime",  # the appeal number is returned by the POST itself
                "keywords": ", ".join([*ancestors, category.name]),
                "group": ancestors[0] if ancestors else category.name,
            }
        )
    return rows


def service_get(code: str) -> AppealCategory | None:
    return AppealCategory.objects.filter(code=code, is_active=True).first()


def service_attributes(category: AppealCategory) -> list[dict[str, Any]]:
    """GeoReport v2 service definition attributes: what `attribute[...]` a POST for this service may carry."""
    limits = ", ".join(f"{label} {category.limit_for(value)} 个工作日" for value, label in Urgency.choices)
    return [
        _attribute(
            1, "enterprise_name", "string", True, "企业名称", "提出诉求的企业全称(填写 uscc 且在企业库中时可不填)"
        ),
        _attribute(2, "uscc", "string", False, "18 位统一社会信用代码", "企业的统一社会信用代码,用于关联企业库"),
        _attribute(3, "title", "string", False, "不超过 200 字", "诉求标题;不填时取描述的前 30 字"),
        _attribute(
            4,
            "urgency",
            "singlevaluelist",
            False,
            f"办理时限:{limits}",
            "紧急程度",
            values=[{"key": value, "name": label} for value, label in Urgency.choices],
        ),
        _attribute(
            5,
            "confidential",
            "singlevaluelist",
            False,
            "保密诉求的内容只对办理人员可见",
            "是否保密",
            values=[{"key": "0", "name": "不保密"}, {"key": "1", "name": "保密"}],
        ),
        _attribute(
            6,
            "external_id",
            "string",
            False,
            "不超过 50 个字符;12345 热线须填写工单编号",
            "调用方自己的工单编号:同一密钥重复提交同一编号只会登记一次",
        ),
    ]


def _attribute(
    order: int,
    code: str,
    datatype: str,
    required: bool,
    datatype_description: str,
    description: str,
    *,
    values: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": datatype_description,
        "order": order,
        "description": description,
        "values": values or [],
    }


# ---- requests ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    service_request_ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    statuses: list[str]


def _parse_moment(value: str, *, field: str, end_of_day: bool) -> datetime:
    text = value.strip().replace(" ", "+")  # a literal '+' of an offset arrives as a space when not URL-encoded
    try:
        # A bare date first: parse_datetime would read "2026-11-01" as its midnight, cutting an end_date's day off.
        day = parse_date(text) if len(text) == 10 else None
        moment = datetime.combine(day, time.max if end_of_day else time.min) if day else parse_datetime(text)
        if moment is None:
            raise ValueError(text)
    except ValueError:
        raise ApplicationError(f"{field} 须为 ISO 8601 日期时间,例如 2026-11-01T00:00:00+08:00", field=field) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_request_query(params: Any) -> RequestQuery:
    ids = [part.strip() for part in (params.get("service_request_id") or "").split(",") if part.strip()]
    codes = [part.strip() for part in (params.get("service_code") or "").split(",") if part.strip()]
    statuses = [part.strip().lower() for part in (params.get("status") or "").split(",") if part.strip()]
    for status in statuses:
        if status not in (STATUS_OPEN, STATUS_CLOSED):
            raise ApplicationError("status 只能是 open 或 closed(可用逗号分隔)", field="status")
    start = (
        _parse_moment(params["start_date"], field="start_date", end_of_day=False) if params.get("start_date") else None
    )
    end = _parse_moment(params["end_date"], field="end_date", end_of_day=True) if params.get("end_date") else None
    if start and end:
        if end < start:
            raise ApplicationError("end_date 不能早于 start_date", field="end_date")
        if end - start > timedelta(days=MAX_SPAN_DAYS):
            raise ApplicationError(f"start_date 与 end_date 的跨度不能超过 {MAX_SPAN_DAYS} 天", field="end_date")
    return RequestQuery(ids, codes, start, end, statuses)


def _public_queryset() -> QuerySet[Appeal]:
    last_public_event = (
        AppealEvent.objects.filter(appeal=OuterRef("pk"), internal=False).order_by("-at", "-id").values("title")[:1]
    )
    return Appeal.objects.select_related("category", "lead_department", "merged_into").annotate(
        last_public_event=Subquery(last_public_event)
    )


def request_list(query: RequestQuery) -> list[Appeal]:
    """Newest first, at most 1000. Explicit ids override every other filter (the spec); otherwise the window is the
    given dates or the last 90 days."""
    qs = _public_queryset()
    if query.service_request_ids:
        return list(qs.filter(number__in=query.service_request_ids[:MAX_REQUESTS]).order_by("-created_at", "-id"))
    end = query.end or (query.start + timedelta(days=DEFAULT_SPAN_DAYS) if query.start else timezone.now())
    start = query.start or end - timedelta(days=DEFAULT_SPAN_DAYS)
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    if query.service_codes:
        qs = qs.filter(category__code__in=query.service_codes)
    if query.statuses and set(query.statuses) != {STATUS_OPEN, STATUS_CLOSED}:
        open_filter = {"state__in": OPEN_STATES}
        qs = qs.filter(**open_filter) if STATUS_OPEN in query.statuses else qs.exclude(**open_filter)
    return list(qs.order_by("-created_at", "-id")[:MAX_REQUESTS])


def request_get(number: str) -> Appeal | None:
    return _public_queryset().filter(number=number).first()


def token_get(token: str) -> Submission | None:
    return Submission.objects.select_related("appeal").filter(token=token).first()


def _local_iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def status_of(appeal: Appeal) -> str:
    return STATUS_OPEN if appeal.state in OPEN_STATES else STATUS_CLOSED


def status_notes(appeal: Appeal) -> str:
    label = AppealState(appeal.state).label
    if appeal.state == AppealState.MERGED and appeal.merged_into is not None:
        return f"重复诉求,已并入 {appeal.merged_into.number} 办理"
    latest = getattr(appeal, "last_public_event", None)
    if appeal.confidential or not latest:
        return label
    return f"{label}:{latest}"


def service_notice(appeal: Appeal) -> str:
    category = appeal.category
    return (
        f"{Urgency(appeal.urgency).label}件,承办部门签收后 {category.limit_for(appeal.urgency)} 个工作日内办结,"
        "遇节假日顺延"
    )


def request_public(appeal: Appeal) -> dict[str, Any]:
    """One appeal in the GeoReport v2 request shape, as anyone may see it."""
    hidden = appeal.confidential
    expected = appeal.handle_deadline or appeal.deadline
    closed = status_of(appeal) == STATUS_CLOSED
    return {
        "service_request_id": appeal.number,
        "status": status_of(appeal),
        "status_notes": status_notes(appeal),
        "service_name": appeal.category.name,
        "service_code": appeal.category.code,
        "description": CONFIDENTIAL_DESCRIPTION if hidden else mask_text(appeal.description),
        "agency_responsible": "" if hidden or appeal.lead_department is None else appeal.lead_department.name,
        "service_notice": service_notice(appeal),
        "requested_datetime": _local_iso(appeal.created_at),
        "updated_datetime": _local_iso(
            (appeal.closed_at if closed and appeal.closed_at else None) or appeal.updated_at
        ),
        "expected_datetime": (
            _local_iso(timezone.make_aware(datetime.combine(expected, time(23, 59, 59))))
            if expected and not closed
            else None
        ),
        "address": "" if hidden else mask_text(appeal.address),
        "address_id": "",
        "zipcode": "",
        "lat": None if hidden or appeal.latitude is None else float(appeal.latitude),
        "long": None if hidden or appeal.longitude is None else float(appeal.longitude),
        "media_url": "",
    }
