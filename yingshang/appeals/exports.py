"""台账 export in the usual ledger layout: one row per appeal, colour and deadlines, result and rating.

Phones are masked unless the user holds can_unmask_personal_data (and asked for it); 保密 content is replaced for
users outside the handling chain; every export is audited with its filters and row count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import IO, Any

from django.db.models import QuerySet

from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.exports import write_xlsx
from yingshang.core.masking import mask_phone

from .models import Appeal, Colour, Rating, Resolution
from .selectors import CONFIDENTIAL_TITLE, LedgerFilters, in_handling_chain

EXPORT_MAX_ROWS = 100_000
COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("诉求编号", 16),
    ("红黄绿", 7),
    ("受理日期", 11),
    ("来源渠道", 11),
    ("企业名称", 28),
    ("乡镇/街道", 12),
    ("诉求分类", 16),
    ("诉求标题", 30),
    ("诉求内容", 40),
    ("联系人", 9),
    ("联系电话", 14),
    ("紧急程度", 8),
    ("主办部门", 18),
    ("签收时限", 11),
    ("办理时限", 11),
    ("当前状态", 9),
    ("办理结果", 40),
    ("解决情况", 9),
    ("满意度", 9),
    ("重办次数", 8),
    ("核减", 6),
    ("核减理由", 24),
]
COLOUR_LABELS = {c.value: f"{c.label}灯" for c in Colour}


def _rows(qs: QuerySet[Appeal], *, user: Any, unmask: bool) -> Iterator[list[Any]]:
    ratings = dict(Rating.choices)
    resolutions = dict(Resolution.choices)
    for index, appeal in enumerate(qs.prefetch_related("replies").iterator(chunk_size=500), start=1):
        visible = not appeal.confidential or in_handling_chain(user, appeal)
        replies = list(appeal.replies.all())
        yield [
            index,
            appeal.number,
            COLOUR_LABELS.get(getattr(appeal, "colour", ""), ""),
            appeal.created_at.date(),
            appeal.get_channel_display(),
            appeal.party_name,
            appeal.enterprise.township.name if appeal.enterprise and appeal.enterprise.township else "",
            appeal.category.path,
            appeal.title if visible else CONFIDENTIAL_TITLE,
            appeal.description if visible else "",
            appeal.contact_name if visible else "",
            (appeal.contact_phone if unmask else mask_phone(appeal.contact_phone)) if visible else "",
            appeal.get_urgency_display(),
            appeal.lead_department.name if appeal.lead_department else "",
            appeal.sign_deadline,
            appeal.handle_deadline,
            appeal.get_state_display(),
            replies[-1].content if replies and visible else "",
            resolutions.get(appeal.last_resolution, ""),
            ratings.get(appeal.last_rating, "") if appeal.last_rating else "",
            appeal.reopen_count,
            "是" if appeal.excluded else "",
            appeal.exclusion_reason,
        ]


def ledger_export(*, qs: QuerySet[Appeal], user: Any, filters: LedgerFilters, unmask: bool = False) -> IO[bytes]:
    if not (user.has_cap(Cap.DISPATCH_APPEALS) or user.has_cap(Cap.VIEW_APPEAL_STATS)):
        raise PermissionDeniedError("您的角色无权导出诉求台账")
    unmask = unmask and bool(getattr(user, "can_unmask_personal_data", False))
    count = qs[: EXPORT_MAX_ROWS + 1].count()
    if count > EXPORT_MAX_ROWS:
        raise ApplicationError(f"导出结果超过 {EXPORT_MAX_ROWS:,} 行,请增加筛选条件缩小范围后再导出")
    detail = {k: str(v) for k, v in asdict(filters).items() if v not in (None, "", False, {})}
    audit_record(
        action=Action.EXPORT,
        user=user,
        detail={"what": "企业诉求台账", "rows": count, "filters": detail, "unmasked": unmask},
    )
    rows: Iterable[list[Any]] = _rows(qs, user=user, unmask=unmask)
    return write_xlsx(
        title="企业诉求台账",
        headers=[name for name, _ in COLUMNS],
        rows=rows,
        widths=[width for _, width in COLUMNS],
        freeze="C2",
    )
