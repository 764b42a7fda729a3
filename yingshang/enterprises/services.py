"""Writes to the enterprise registry. Every change records each fact's source and as-of date, appends to the
enterprise's timeline and writes an audit row, in one transaction.

`enterprise_save` saves one enterprise; `enterprise_save_many` saves an import's worth with the same outcome per row
in a few queries per batch (and no audit row per enterprise: the import audits the whole file). Both apply the plan
`_plan_save` works out and write through the same helpers, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.db.models import F
from django.utils import timezone
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
from .validators import normalize_industry_code, normalize_phone, normalize_uscc


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


# Fields with a format rule, checked here so that every way in (form, API, import) obeys the same one.
_NORMALIZERS = {"contact_phone": normalize_phone, "industry_code": normalize_industry_code}


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


@dataclass(frozen=True)
class _Existing:
    """What is stored for some enterprises besides their row: facts and links, each with its primary key."""

    facts: dict[int | None, dict[tuple[str, int | None], int]] = field(default_factory=dict)
    chain_links: dict[int | None, dict[int, int]] = field(default_factory=dict)
    qualification_links: dict[int | None, dict[int, int]] = field(default_factory=dict)


_ChainLink = Enterprise.industry_chains.through


def _load_existing(enterprise_ids: list[int]) -> _Existing:
    """Three queries, whatever the number of enterprises (callers pass one batch at most)."""
    existing = _Existing()
    if not enterprise_ids:
        return existing
    facts = EnterpriseFact.objects.filter(enterprise_id__in=enterprise_ids)
    for pk, enterprise_id, key, year in facts.values_list("pk", "enterprise_id", "key", "year"):
        existing.facts.setdefault(enterprise_id, {})[(key, year)] = pk
    chains = _ChainLink.objects.filter(enterprise_id__in=enterprise_ids)
    for pk, enterprise_id, chain_id in chains.values_list("pk", "enterprise_id", "industrychain_id"):
        existing.chain_links.setdefault(enterprise_id, {})[chain_id] = pk
    qualifications = EnterpriseQualification.objects.filter(enterprise_id__in=enterprise_ids)
    for pk, enterprise_id, qualification_id in qualifications.values_list("pk", "enterprise_id", "qualification_id"):
        existing.qualification_links.setdefault(enterprise_id, {})[qualification_id] = pk
    return existing


@dataclass
class _SavePlan:
    """What saving one EnterpriseInput changes, worked out without touching the database."""

    created: bool
    values: dict[str, Any]  # Enterprise attributes to set
    changes: dict[str, Any]  # for the timeline: columns, yearly figures, links
    # The row is written (and its version bumped) when it is new or anything changed, links included.
    save_row: bool
    facts: list[tuple[str, int | None, Any]]  # (key, year, value) to record
    chains_added: list[IndustryChain]
    chains_removed: set[int]
    qualifications_added: list[Qualification]
    qualifications_removed: set[int]

    @property
    def bumps_version(self) -> bool:
        return self.save_row and not self.created


def _plan_save(
    *,
    data: EnterpriseInput,
    enterprise: Enterprise | None,
    existing: _Existing,
    as_of: date,
) -> _SavePlan:
    """The one place that decides what a save changes; `enterprise_save` and `enterprise_save_many` both apply it.

    `enterprise` is the stored row (None: create one), `existing` holds its stored facts and links. Runs no queries
    (the township and park of `enterprise` must be loaded with it). Raises ApplicationError for input that cannot be
    saved.
    """
    created = enterprise is None
    pk = enterprise.pk if enterprise is not None else None
    chain_ids = set(existing.chain_links.get(pk, {}))
    qualification_ids = set(existing.qualification_links.get(pk, {}))
    if enterprise is None and not data.name:
        raise ApplicationError("企业名称不能为空", field="name")
    unknown = set(data.clear) - CLEARABLE_FIELDS
    if unknown:
        raise ApplicationError(f"这些字段不能清空:{'、'.join(sorted(unknown))}")

    values: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    for name in _SCALAR_FIELDS:
        value = getattr(data, name)
        if value is None and (created or name not in data.clear):
            continue
        if isinstance(value, str):
            value = _NORMALIZERS[name](value) if name in _NORMALIZERS else value.strip()
        old = None if enterprise is None else getattr(enterprise, name)
        if enterprise is None or old != value:
            changes[name] = {"from": _json_value(old), "to": _json_value(value)}
            values[name] = value

    latest_years: dict[str, int] = {}
    for key, fact_year in existing.facts.get(pk, {}):
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
            old = None if enterprise is None else getattr(enterprise, key)
            if enterprise is None or old != value:
                changes[key] = {"from": _json_value(old), "to": _json_value(value), "year": year}
                values[key] = value
        else:
            # An earlier year's figure is kept as a fact; the column holds the latest year's.
            changes[f"{key}@{year}"] = {"to": _json_value(value), "year": year}

    if data.name is not None:
        values["name_initials"] = name_initials(values.get("name", enterprise.name if enterprise else ""))
    chains_added: list[IndustryChain] = []
    chains_removed: set[int] = set()
    if data.industry_chains is not None:
        wanted = {c.pk for c in data.industry_chains}
        if chain_ids != wanted:
            chains_removed = chain_ids - wanted
            chains_added = list({c.pk: c for c in data.industry_chains if c.pk not in chain_ids}.values())
            changes["industry_chains"] = {"to": sorted(c.name for c in data.industry_chains)}
    qualifications_added: list[Qualification] = []
    qualifications_removed: set[int] = set()
    if data.qualifications is not None:
        wanted = {q.pk for q in data.qualifications}
        if qualification_ids != wanted:
            qualifications_removed = qualification_ids - wanted
            qualifications_added = [q for q in data.qualifications if q.pk not in qualification_ids]
            changes["qualifications"] = {"to": sorted(q.name for q in data.qualifications)}

    # Any change, links included, rewrites the row so that its version moves and a concurrent edit is caught.
    save_row = created or bool(changes)
    facts: list[tuple[str, int | None, Any]] = [
        (key, None, getattr(data, key)) for key in changes if key in FACTS and key not in YEARLY_FACTS
    ]
    facts += [(key, year, value) for key, value in yearly_to_record.items()]
    return _SavePlan(
        created=created,
        values=values,
        changes=changes,
        save_row=save_row,
        facts=facts,
        chains_added=chains_added,
        chains_removed=chains_removed,
        qualifications_added=qualifications_added,
        qualifications_removed=qualifications_removed,
    )


def _write_related(
    saved: list[tuple[Enterprise, _SavePlan]], existing: _Existing, *, source: str, as_of: date, by: Any
) -> None:
    """Write the links, facts and timeline entries of saved enterprises: a few queries whatever their number."""
    recorder = by if getattr(by, "is_authenticated", False) else None

    removed_chain_links = [
        existing.chain_links[e.pk][chain_id] for e, plan in saved for chain_id in plan.chains_removed
    ]
    if removed_chain_links:
        _ChainLink.objects.filter(pk__in=removed_chain_links).delete()
    _ChainLink.objects.bulk_create(
        [_ChainLink(enterprise_id=e.pk, industrychain_id=c.pk) for e, plan in saved for c in plan.chains_added]
    )
    removed_qualification_links = [
        existing.qualification_links[e.pk][qualification_id]
        for e, plan in saved
        for qualification_id in plan.qualifications_removed
    ]
    if removed_qualification_links:
        EnterpriseQualification.objects.filter(pk__in=removed_qualification_links).delete()
    EnterpriseQualification.objects.bulk_create(
        [
            EnterpriseQualification(enterprise_id=e.pk, qualification=q, source=source[:100], as_of=as_of)
            for e, plan in saved
            for q in plan.qualifications_added
        ]
    )

    _write_facts(saved, existing, source=source, as_of=as_of, recorder=recorder)

    EnterpriseEvent.objects.bulk_create(
        [
            EnterpriseEvent(
                enterprise_id=enterprise.pk,
                actor=recorder,
                kind="created" if plan.created else "updated",
                summary=("新建企业档案" if plan.created else f"更新 {len(plan.changes)} 项信息") + f"(来源:{source})",
                changes=plan.changes,
            )
            for enterprise, plan in saved
            if plan.created or plan.changes
        ]
    )


def _write_facts(
    saved: list[tuple[Enterprise, _SavePlan]], existing: _Existing, *, source: str, as_of: date, recorder: Any
) -> None:
    """Insert or update the planned facts: two statements, each executed for many rows.

    Plain executemany rather than bulk_create/bulk_update: an import writes some twenty facts per enterprise, and
    Django spent longer building those two's per-row expressions (bulk_update's CASE WHEN above all) than the
    database spent writing. Values go through each field's get_db_prep_save, as the ORM would send them.
    """
    connection = connections[router.db_for_write(EnterpriseFact)]
    common_fields = ["source", "as_of", "recorded_at", "recorded_by"]
    # auto_now is for save(); these statements set the time of the write themselves.
    common_values = [source[:100], as_of, timezone.now(), recorder.pk if recorder is not None else None]
    common = [
        f.get_db_prep_save(v, connection)
        for f, v in zip(_concrete_fields(EnterpriseFact, common_fields), common_values, strict=True)
    ]
    [value_field] = _concrete_fields(EnterpriseFact, ["value"])
    inserts: list[list[Any]] = []
    updates: list[list[Any]] = []
    for enterprise, plan in saved:
        stored = existing.facts.get(enterprise.pk, {})
        for key, year, value in plan.facts:
            db_value = value_field.get_db_prep_save(_json_value(value), connection)
            pk = stored.get((key, year))
            if pk is None:
                inserts.append([enterprise.pk, key, year, db_value, *common])
            else:
                updates.append([db_value, *common, pk])
    with connection.cursor() as cursor:
        if inserts:
            cursor.executemany(
                _insert_sql(connection, EnterpriseFact, ["enterprise", "key", "year", "value", *common_fields]), inserts
            )
        if updates:
            cursor.executemany(_update_sql(connection, EnterpriseFact, ["value", *common_fields]), updates)


def _concrete_fields(model: type[models.Model], names: list[str]) -> list[models.Field[Any, Any]]:
    fields: list[models.Field[Any, Any]] = []
    for name in names:
        f = model._meta.get_field(name)
        if not isinstance(f, models.Field) or not f.concrete or f.many_to_many:
            raise ValueError(f"{model.__name__}.{name} is not a column")
        fields.append(f)
    return fields


# The SQL of the executemany writes: identifiers come from the model's meta and every value is a parameter.
def _insert_sql(connection: Any, model: type[models.Model], fields: list[str]) -> str:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in _concrete_fields(model, fields))
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608


def _update_sql(connection: Any, model: type[models.Model], fields: list[str]) -> str:
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in _concrete_fields(model, fields))
    return f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {qn(model._meta.pk.column)} = %s"  # noqa: S608


def _update_rows(objs: list[Enterprise], fields: list[str]) -> None:
    """UPDATE each enterprise's `fields` by primary key, with executemany (see _write_facts for why not bulk_update)."""
    connection = connections[router.db_for_write(Enterprise)]
    columns = _concrete_fields(Enterprise, fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            _update_sql(connection, Enterprise, fields),
            [[c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk] for obj in objs],
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
    stored = (
        Enterprise.objects.select_for_update(of=("self",)).select_related("township", "park").filter(uscc=uscc).first()
    )
    if stored is not None and expected_version is not None and stored.version != expected_version:
        raise ConflictError("该企业信息已被他人修改,请刷新后重新编辑")
    existing = _load_existing([stored.pk] if stored is not None else [])
    plan = _plan_save(data=data, enterprise=stored, existing=existing, as_of=as_of)
    enterprise = stored if stored is not None else Enterprise(uscc=uscc)
    for name, value in plan.values.items():
        setattr(enterprise, name, value)
    if plan.bumps_version:
        enterprise.version = F("version") + 1
    if plan.save_row:
        enterprise.save()
        enterprise.refresh_from_db(fields=["version"])
    _write_related([(enterprise, plan)], existing, source=source, as_of=as_of, by=by)

    if audit and (plan.created or plan.changes):
        audit_record(
            action=Action.RECORD_CREATED if plan.created else Action.RECORD_UPDATED,
            user=by,
            obj=enterprise,
            detail={"source": source, "fields": sorted(plan.changes)},
        )
    return enterprise, plan.created, plan.changes


SAVE_BATCH_SIZE = 500


@dataclass(frozen=True)
class BulkSaveResult:
    created: int
    updated: int  # rows that matched a stored enterprise, whether or not anything in it changed


def _save_batches(items: list[EnterpriseInput]) -> Iterator[list[tuple[int, str, EnterpriseInput]]]:
    """(index, normalized USCC, input) in batches of SAVE_BATCH_SIZE; a USCC seen earlier in the batch starts a new
    batch, so the later row sees the earlier one's result, as it would when saved one by one."""
    batch: list[tuple[int, str, EnterpriseInput]] = []
    seen: set[str] = set()
    for index, data in enumerate(items):
        try:
            uscc = normalize_uscc(data.uscc)
        except ApplicationError as exc:
            raise _at_index(exc, index) from exc
        if len(batch) >= SAVE_BATCH_SIZE or uscc in seen:
            yield batch
            batch, seen = [], set()
        batch.append((index, uscc, data))
        seen.add(uscc)
    if batch:
        yield batch


def _at_index(exc: ApplicationError, index: int) -> ApplicationError:
    return type(exc)(exc.message, field=exc.field, extra={**exc.extra, "index": index})


@transaction.atomic
def enterprise_save_many(*, items: list[EnterpriseInput], source: str, as_of: date, by: Any = None) -> BulkSaveResult:
    """Save many enterprises with the outcome of `enterprise_save` for each in turn, in a few queries per batch.

    For imports: runs in the caller's transaction (all or nothing), writes no audit row per enterprise (the caller
    audits the whole import). An ApplicationError carries the index of the offending item in `extra["index"]`.
    """
    if items and not source.strip():
        raise ApplicationError("请填写数据来源", field="source", extra={"index": 0})
    created = 0
    for batch in _save_batches(items):
        created += _save_batch(batch, source=source, as_of=as_of, by=by)
    return BulkSaveResult(created=created, updated=len(items) - created)


def _save_batch(batch: list[tuple[int, str, EnterpriseInput]], *, source: str, as_of: date, by: Any) -> int:
    stored = {
        e.uscc: e
        for e in Enterprise.objects.select_for_update(of=("self",))
        .select_related("township", "park")
        .filter(uscc__in=[uscc for _, uscc, _ in batch])
    }
    existing = _load_existing([e.pk for e in stored.values()])
    planned: list[tuple[Enterprise, _SavePlan]] = []
    for index, uscc, data in batch:
        enterprise = stored.get(uscc)
        try:
            plan = _plan_save(data=data, enterprise=enterprise, existing=existing, as_of=as_of)
        except ApplicationError as exc:
            raise _at_index(exc, index) from exc
        planned.append((enterprise or Enterprise(uscc=uscc), plan))

    now = timezone.now()
    new: list[Enterprise] = []
    changed: list[Enterprise] = []
    changed_fields: set[str] = set()
    for enterprise, plan in planned:
        for name, value in plan.values.items():
            setattr(enterprise, name, value)
        if plan.created:
            new.append(enterprise)
        elif plan.save_row:
            # The rows are locked (select_for_update), so the version read is the version to bump. auto_now is for
            # save(); _update_rows writes the columns as given.
            enterprise.version += 1
            enterprise.updated_at = now
            changed.append(enterprise)
            changed_fields.update(plan.values)
    Enterprise.objects.bulk_create(new)
    if any(e.pk is None for e in new):
        # Backends that cannot return ids from a bulk insert (SQLite before 3.35): read them back.
        ids = dict(Enterprise.objects.filter(uscc__in=[e.uscc for e in new]).values_list("uscc", "pk"))
        for enterprise in new:
            enterprise.pk = ids[enterprise.uscc]
    if changed:
        _update_rows(changed, sorted(changed_fields | {"version", "updated_at"}))
    _write_related(planned, existing, source=source, as_of=as_of, by=by)
    return len(new)


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
