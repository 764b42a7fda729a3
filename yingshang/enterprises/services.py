"""Writes to the enterprise registry. Every change records each fact's source and as-of date, appends to the
enterprise's timeline and writes an audit row, in one transaction."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pypinyin import Style, lazy_pinyin

from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, ConflictError
from yingshang.core.masking import mask_phone

from .facts import FACTS, YEARLY_FACTS
from .models import (
    Enterprise,
    EnterpriseEvent,
    EnterpriseFact,
    EnterpriseQualification,
    FourUpCategory,
    IndustryChain,
    Park,
    Qualification,
    Scale,
    Township,
)
from .validators import normalize_uscc


@dataclass
class EnterpriseInput:
    """Validated values for one enterprise. `None` means "not given": the stored value is kept."""

    uscc: str
    name: str | None = None
    legal_representative: str | None = None
    registered_address: str | None = None
    township: Township | None = None
    park: Park | None = None
    registration_date: date | None = None
    registered_capital: Decimal | None = None
    industry_code: str | None = None
    industry_name: str | None = None
    industry_chains: list[IndustryChain] | None = None
    scale: str | None = None
    four_up_category: str | None = None
    qualifications: list[Qualification] | None = None
    employees: int | None = None
    annual_revenue: Decimal | None = None
    tax_paid: Decimal | None = None
    rd_spend: Decimal | None = None
    is_dishonest_executee: bool | None = None
    is_abnormal_operation: bool | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    # The year that employees/revenue/tax/R&D figures belong to (defaults to the as-of year minus one).
    fact_year: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Nullable fields to empty on purpose (a form field the user cleared); `None` above alone means "keep".
    clear: frozenset[str] = frozenset()


_SCALAR_FIELDS = [
    "name",
    "legal_representative",
    "registered_address",
    "township",
    "park",
    "registration_date",
    "registered_capital",
    "industry_code",
    "industry_name",
    "scale",
    "four_up_category",
    "is_dishonest_executee",
    "is_abnormal_operation",
    "contact_person",
    "contact_phone",
]

CLEARABLE_FIELDS = frozenset({"township", "park", "registration_date", "registered_capital"})


def name_initials(name: str) -> str:
    # Characters without pinyin (Latin letters, digits) are kept as typed, pypinyin's default.
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER)
    return "".join(str(x) for x in letters).upper()[:200]


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "_meta"):
        return str(value)
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return value


def _write_facts(
    enterprise: Enterprise,
    rows: list[tuple[str, int | None, Any]],
    existing: dict[tuple[str, int | None], EnterpriseFact],
    *,
    source: str,
    as_of: date,
    by: Any,
) -> None:
    """Insert or update the given (key, year, value) facts with two queries at most, whatever their number."""
    recorder = by if getattr(by, "is_authenticated", False) else None
    to_create: list[EnterpriseFact] = []
    to_update: list[EnterpriseFact] = []
    for key, year, value in rows:
        fact = existing.get((key, year))
        if fact is None:
            to_create.append(
                EnterpriseFact(
                    enterprise=enterprise,
                    key=key,
                    year=year,
                    value=_json_value(value),
                    source=source[:100],
                    as_of=as_of,
                    recorded_by=recorder,
                )
            )
        else:
            fact.value, fact.source, fact.as_of, fact.recorded_by = _json_value(value), source[:100], as_of, recorder
            to_update.append(fact)
    if to_create:
        EnterpriseFact.objects.bulk_create(to_create)
    if to_update:
        EnterpriseFact.objects.bulk_update(to_update, ["value", "source", "as_of", "recorded_by", "recorded_at"])


@transaction.atomic
def enterprise_save(
    *,
    data: EnterpriseInput,
    source: str,
    as_of: date,
    by: Any = None,
    expected_version: int | None = None,
    audit: bool = True,
) -> tuple[Enterprise, bool, dict[str, Any]]:
    """Create the enterprise or update it in place (matched by USCC). Returns (enterprise, created, changes).

    With `expected_version`, a concurrent edit by someone else raises ConflictError instead of being overwritten.
    """
    uscc = normalize_uscc(data.uscc)
    if not source.strip():
        raise ApplicationError("请填写数据来源", field="source")
    enterprise = Enterprise.objects.select_for_update().filter(uscc=uscc).first()
    created = enterprise is None
    if enterprise is None:
        if not data.name:
            raise ApplicationError("企业名称不能为空", field="name")
        enterprise = Enterprise(uscc=uscc)
    elif expected_version is not None and enterprise.version != expected_version:
        raise ConflictError("该企业信息已被他人修改,请刷新后重新编辑")

    unknown = set(data.clear) - CLEARABLE_FIELDS
    if unknown:
        raise ApplicationError(f"这些字段不能清空:{'、'.join(sorted(unknown))}")

    changes: dict[str, Any] = {}
    for name in _SCALAR_FIELDS:
        value = getattr(data, name)
        if value is None and (created or name not in data.clear):
            continue
        if isinstance(value, str):
            value = value.strip()
        old = getattr(enterprise, name)
        if created or old != value:
            changes[name] = {"from": _json_value(old) if not created else None, "to": _json_value(value)}
            setattr(enterprise, name, value)

    existing: dict[tuple[str, int | None], EnterpriseFact] = (
        {} if created else {(f.key, f.year): f for f in EnterpriseFact.objects.filter(enterprise=enterprise)}
    )
    latest_years: dict[str, int] = {}
    for key, fact_year in existing:
        if fact_year is not None and fact_year > latest_years.get(key, -1):
            latest_years[key] = fact_year
    year = data.fact_year or (as_of.year - 1)
    yearly_to_record: dict[str, Any] = {}
    for key in YEARLY_FACTS:
        value = getattr(data, key)
        if value is None:
            continue
        yearly_to_record[key] = value
        latest = latest_years.get(key)
        if latest is None or year >= latest:
            old = getattr(enterprise, key)
            if created or old != value:
                changes[key] = {
                    "from": _json_value(old) if not created else None,
                    "to": _json_value(value),
                    "year": year,
                }
                setattr(enterprise, key, value)
        else:
            changes[f"{key}@{year}"] = {"to": _json_value(value), "year": year}

    if data.name is not None:
        enterprise.name_initials = name_initials(enterprise.name)
    if not created and changes:
        enterprise.version = F("version") + 1
    if created or changes:
        enterprise.save()
        enterprise.refresh_from_db(fields=["version"])

    if data.industry_chains is not None:
        current = set(enterprise.industry_chains.values_list("pk", flat=True)) if not created else set()
        wanted = {c.pk for c in data.industry_chains}
        if current != wanted:
            enterprise.industry_chains.set(data.industry_chains)
            changes["industry_chains"] = {"to": sorted(c.name for c in data.industry_chains)}
    if data.qualifications is not None:
        current = (
            set(enterprise.qualification_links.values_list("qualification_id", flat=True)) if not created else set()
        )
        wanted = {q.pk for q in data.qualifications}
        if current != wanted:
            enterprise.qualification_links.exclude(qualification_id__in=wanted).delete()
            EnterpriseQualification.objects.bulk_create(
                [
                    EnterpriseQualification(enterprise=enterprise, qualification=q, source=source[:100], as_of=as_of)
                    for q in data.qualifications
                    if q.pk not in current
                ]
            )
            changes["qualifications"] = {"to": sorted(q.name for q in data.qualifications)}

    fact_rows: list[tuple[str, int | None, Any]] = [
        (key, None, getattr(data, key)) for key in changes if key in FACTS and key not in YEARLY_FACTS
    ]
    fact_rows += [(key, year, value) for key, value in yearly_to_record.items()]
    _write_facts(enterprise, fact_rows, existing, source=source, as_of=as_of, by=by)

    if created or changes:
        EnterpriseEvent.objects.create(
            enterprise=enterprise,
            actor=by if getattr(by, "is_authenticated", False) else None,
            kind="created" if created else "updated",
            summary=("新建企业档案" if created else f"更新 {len(changes)} 项信息") + f"(来源:{source})",
            changes=changes,
        )
        if audit:
            audit_record(
                action=Action.RECORD_CREATED if created else Action.RECORD_UPDATED,
                user=by,
                obj=enterprise,
                detail={"source": source, "fields": sorted(changes)},
            )
    return enterprise, created, changes


def enterprise_contact_phone_reveal(*, enterprise: Enterprise, by: Any) -> str:
    """The full contact phone for a user allowed to see personal data; every reveal is audited.

    The caller has already checked that `by` may see this enterprise at all (selectors.enterprise_get_for).
    """
    if not (getattr(by, "is_active", False) and getattr(by, "can_unmask_personal_data", False)):
        raise PermissionDenied("您没有查看完整号码的权限,如确有需要请联系安全管理员授权")
    audit_record(
        action=Action.PERSONAL_DATA_VIEWED,
        user=by,
        obj=enterprise,
        detail={"field": "contact_phone", "label": "联系电话"},
    )
    return enterprise.contact_phone


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


def _as_text_cell(ws: Any, value: Any) -> Any:
    # openpyxl stores any string starting with "=" as a formula; data from outside must never become one.
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


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

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    for index, (_, width) in enumerate(_EXPORT_COLUMNS):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    ws.freeze_panes = "C2"
    header = []
    for title, _ in _EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    written = 0
    for enterprise in (
        queryset.select_related("township", "park")
        .prefetch_related("industry_chains", "qualifications")
        .order_by("-id")
        .iterator(chunk_size=2000)
    ):
        ws.append([_as_text_cell(ws, v) for v in _export_row(enterprise, unmask=unmasked)])
        written += 1

    file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    wb.save(file)
    file.seek(0)
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
