"""Export of the enterprise list to xlsx: masked by default, capped, audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError
from yingshang.core.exports import write_xlsx
from yingshang.core.masking import mask_phone

from .models import Enterprise, FourUpCategory, Scale

EXPORT_MAX_ROWS = 100_000

_EXPORT_COLUMNS: list[tuple[str, int]] = [
    ("统一社会信用代码", 22),
    ("企业名称", 36),
    ("法定代表人", 10),
    ("乡镇/街道", 12),
    ("园区", 16),
    ("成立日期", 12),
    ("注册资本(万元)", 14),
    ("国民经济行业代码", 10),
    ("行业名称", 20),
    ("产业链", 20),
    ("规模", 6),
    ("四上类别", 12),
    ("资质", 24),
    ("从业人数", 8),
    ("年营业收入(万元)", 16),
    ("年纳税额(万元)", 14),
    ("年研发投入(万元)", 14),
    ("失信被执行人", 8),
    ("经营异常", 8),
    ("联系人", 10),
    ("联系电话", 16),
]


@dataclass(frozen=True)
class EnterpriseExport:
    file: IO[bytes]
    filename: str
    rows: int
    unmasked: bool


def _export_row(e: Enterprise, *, unmask: bool) -> list[Any]:
    return [
        e.uscc,
        e.name,
        e.legal_representative,
        e.township.name if e.township else "",
        e.park.name if e.park else "",
        e.registration_date,
        e.registered_capital,
        e.industry_code,
        e.industry_name,
        "、".join(c.name for c in e.industry_chains.all()),
        Scale(e.scale).label if e.scale in Scale.values else e.scale,
        FourUpCategory(e.four_up_category).label if e.four_up_category in FourUpCategory.values else "",
        "、".join(q.name for q in e.qualifications.all()),
        e.employees,
        e.annual_revenue,
        e.tax_paid,
        e.rd_spend,
        "是" if e.is_dishonest_executee else "否",
        "是" if e.is_abnormal_operation else "否",
        e.contact_person,
        e.contact_phone if unmask else mask_phone(e.contact_phone),
    ]


def enterprise_export(
    *, queryset: QuerySet[Enterprise], by: Any, unmask: bool = False, filters: dict[str, Any] | None = None
) -> EnterpriseExport:
    """Write the enterprises of `queryset` (already limited to what `by` may see) to an xlsx file.

    Phones stay masked unless asked for and `by` may see personal data. More than EXPORT_MAX_ROWS rows is refused, so
    nobody walks off with the whole registry by accident. The export is audited with its filters and row count.
    """
    if not by.has_cap(Cap.EXPORT_ENTERPRISES):
        raise PermissionDenied("您的角色无权导出企业名录")
    rows = queryset[: EXPORT_MAX_ROWS + 1].count()
    if rows > EXPORT_MAX_ROWS:
        raise ApplicationError(
            f"导出结果超过 {EXPORT_MAX_ROWS:,} 行,请增加筛选条件缩小范围后再导出", extra={"limit": EXPORT_MAX_ROWS}
        )
    unmasked = bool(unmask and getattr(by, "can_unmask_personal_data", False))

    enterprises = (
        queryset.select_related("township", "park")
        .prefetch_related("industry_chains", "qualifications")
        .order_by("-id")
        .iterator(chunk_size=2000)
    )
    written = 0

    def export_rows() -> Iterator[list[Any]]:
        nonlocal written
        for enterprise in enterprises:
            written += 1
            yield _export_row(enterprise, unmask=unmasked)

    file = write_xlsx(
        title="企业名录",
        headers=[title for title, _ in _EXPORT_COLUMNS],
        widths=[width for _, width in _EXPORT_COLUMNS],
        freeze="C2",
        rows=export_rows(),
    )
    audit_record(
        action=Action.EXPORT,
        user=by,
        detail={
            "object": "企业名录",
            "format": "xlsx",
            "rows": written,
            "unmasked": unmasked,
            "filters": filters or {},
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return EnterpriseExport(file=file, filename=f"企业名录-{stamp}.xlsx", rows=written, unmasked=unmasked)
