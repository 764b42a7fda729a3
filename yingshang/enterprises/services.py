"""Writes to the enterprise registry. Every change records each fact's source and as-of date, appends to the
enterprise's timeline and writes an audit row, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from pypinyin import Style, lazy_pinyin

from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, ConflictError

from .facts import FACTS, YEARLY_FACTS
from .models import (
    Enterprise,
    EnterpriseEvent,
    EnterpriseFact,
    EnterpriseQualification,
    IndustryChain,
    Park,
    Qualification,
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


def name_initials(name: str) -> str:
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s))
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


def _record_fact(
    enterprise: Enterprise, key: str, value: Any, *, year: int | None, source: str, as_of: date, by: Any
) -> None:
    EnterpriseFact.objects.update_or_create(
        enterprise=enterprise,
        key=key,
        year=year,
        defaults={"value": _json_value(value), "source": source[:100], "as_of": as_of, "recorded_by": by},
    )


def _latest_year(enterprise: Enterprise, key: str) -> int | None:
    return (
        EnterpriseFact.objects.filter(enterprise=enterprise, key=key, year__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


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

    changes: dict[str, Any] = {}
    for name in _SCALAR_FIELDS:
        value = getattr(data, name)
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
        old = getattr(enterprise, name)
        if created or old != value:
            changes[name] = {"from": _json_value(old) if not created else None, "to": _json_value(value)}
            setattr(enterprise, name, value)

    year = data.fact_year or (as_of.year - 1)
    yearly_to_record: dict[str, Any] = {}
    for key in YEARLY_FACTS:
        value = getattr(data, key)
        if value is None:
            continue
        yearly_to_record[key] = value
        latest = None if created else _latest_year(enterprise, key)
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
        enterprise.version = F("version") + 1  # type: ignore[assignment]
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
            for q in data.qualifications:
                EnterpriseQualification.objects.update_or_create(
                    enterprise=enterprise, qualification=q, defaults={"source": source[:100], "as_of": as_of}
                )
            changes["qualifications"] = {"to": sorted(q.name for q in data.qualifications)}

    for key in changes:
        base_key = key.split("@")[0]
        if base_key in YEARLY_FACTS:
            continue
        if base_key in FACTS:
            _record_fact(enterprise, base_key, getattr(data, base_key), year=None, source=source, as_of=as_of, by=by)
    for key, value in yearly_to_record.items():
        _record_fact(enterprise, key, value, year=year, source=source, as_of=as_of, by=by)

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
