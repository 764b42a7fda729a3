"""The facts of one enterprise for the Python evaluator, and user-typed facts for the public calculator."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import DateField, F, JSONField, Value

from yingshang.core.errors import ApplicationError
from yingshang.core.prepared import Prepared, as_bool, as_date, as_json
from yingshang.enterprises.models import (
    Enterprise,
    EnterpriseFact,
    EnterpriseQualification,
    IndustryChain,
    Park,
    Township,
)
from yingshang.rules import Field, Relation, Variable

from .variables import REGISTRY, SUPPLIED_KEYS, Loaded

MAX_RECORDS = 500  # per relation in one calculator request


def relation_queryset(relation: Relation) -> Any:
    manager = getattr(relation.db, "_default_manager", None)  # a model; otherwise a queryset
    return manager.all() if manager is not None else relation.db.all()


def _from_json(variable: Variable, value: Any) -> Any:
    if value is None:
        return None
    try:
        if variable.type in ("decimal", "integer"):
            return Decimal(str(value))
        if variable.type == "date":
            return dt.date.fromisoformat(str(value))
    except (InvalidOperation, ValueError):
        return None
    return value


def _record_value(f: Field, value: Any) -> Any:
    if f.type in ("decimal", "integer") and f.unit == "元":
        return Decimal(value) / 100
    return value


def relation_rows(relation: Relation, enterprise_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    columns = [f.db for f in relation.fields]
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in enterprise_ids}
    for row in relation_queryset(relation).filter(enterprise_id__in=enterprise_ids).values("enterprise_id", *columns):
        out[row["enterprise_id"]].append({f.key: _record_value(f, row[f.db]) for f in relation.fields})
    return out


# One enterprise's facts are read on every 政策礼包 request, so their queries are compiled once (`Prepared`). The
# rows come back raw; `_RAW` turns a column into what the ORM would have given.
_RAW: dict[str, Callable[[Any], Any]] = {
    "date": as_date,
    "boolean": as_bool,
    "decimal": lambda v: v if isinstance(v, int | Decimal) else Decimal(str(v)),  # SQLite may give a float
}


def _own_facts_query(enterprise_id: int) -> Any:
    """In one query: the facts an enterprise supplied (kind "fact": key and JSON value), and its qualifications
    (with their expiry), industry chains, township and park by name."""

    def part(qs: Any, kind: str, label: str, until: Any = None, value: Any = None) -> Any:
        return (
            qs.order_by()
            .annotate(
                _kind=Value(kind),
                _label=F(label),
                _until=Value(None, output_field=DateField()) if until is None else until,
                _value=Value(None, output_field=JSONField()) if value is None else value,
            )
            .values_list("_kind", "_label", "_until", "_value")
        )

    parts = [
        part(
            EnterpriseFact.objects.filter(enterprise_id=enterprise_id, key__in=SUPPLIED_KEYS, year__isnull=True),
            "fact",
            "key",
            value=F("value"),
        ),
        part(
            EnterpriseQualification.objects.filter(enterprise_id=enterprise_id),
            "qualification",
            "qualification__name",
            until=F("expires_on"),
        ),
        part(IndustryChain.objects.filter(enterprises=enterprise_id), "chain", "name"),
        part(Township.objects.filter(enterprises=enterprise_id), "township", "name"),
        part(Park.objects.filter(enterprises=enterprise_id), "park", "name"),
    ]
    return parts[0].union(*parts[1:], all=True)


# Compiled for the supplied keys registered at the time (a key registered later compiles the query again); the keys
# and their query are replaced together.
_OWN_FACTS: dict[str, tuple[tuple[str, ...], Prepared]] = {}


def _own_facts_prepared() -> Prepared:
    keys = tuple(SUPPLIED_KEYS)
    known = _OWN_FACTS.get("current")
    if known is None or known[0] != keys:
        known = _OWN_FACTS["current"] = (keys, Prepared(_own_facts_query))
    return known[1]


# Per relation key: the relation it was prepared for (a relation can be registered again) and its query.
_RELATIONS: dict[str, tuple[Relation, Prepared]] = {}


def _relation_prepared(relation: Relation) -> Prepared:
    known = _RELATIONS.get(relation.key)
    if known is None or known[0] is not relation:
        columns = [f.db for f in relation.fields]
        known = _RELATIONS[relation.key] = (
            relation,
            Prepared(lambda pk: relation_queryset(relation).filter(enterprise_id=pk).values_list(*columns)),
        )
    return known[1]


def _records(relation: Relation, enterprise_id: int) -> list[dict[str, Any]]:
    """One enterprise's records of a relation, as `relation_rows` gives them."""
    fields = [(f, _RAW.get(f.type)) for f in relation.fields]
    return [
        {
            f.key: _record_value(f, raw(value) if raw and value is not None else value)
            for (f, raw), value in zip(fields, row, strict=True)
        }
        for row in _relation_prepared(relation).rows(enterprise_id)
    ]


def facts_for_enterprise(
    enterprise: Enterprise, *, decision_date: dt.date, relations: Collection[str] | None = None
) -> dict[str, Any]:
    """Every registered variable of one enterprise (None where the platform does not know it) and its records of
    every relation, or of just `relations` (a caller that knows which relations its rules read; the others are
    left out, never given as empty)."""
    supplied: dict[str, Any] = {}
    names: dict[str, list[str]] = {"qualification": [], "chain": [], "township": [], "park": []}
    for kind, label, until, value in _own_facts_prepared().rows(enterprise.pk):
        if kind == "fact":
            supplied[label] = as_json(value)
        elif until is None or as_date(until) >= decision_date:  # type: ignore[operator]
            names[kind].append(label)
    loaded = Loaded(
        decision_date=decision_date,
        supplied={k: _from_json(REGISTRY.variables[k], v) for k, v in supplied.items()},
        qualifications=frozenset(names["qualification"]),
        chains=frozenset(names["chain"]),
        places={"township": next(iter(names["township"]), ""), "park": next(iter(names["park"]), "")},
    )
    facts: dict[str, Any] = {}
    for key, variable in REGISTRY.variables.items():
        assert variable.accessor is not None
        facts[key] = variable.accessor(enterprise, loaded)
    for key, relation in REGISTRY.relations.items():
        if relations is None or key in relations:
            facts[key] = _records(relation, enterprise.pk)
    return facts


# --- user-typed facts ---------------------------------------------------------------------------------------------

_TRUE = {"true", "1", "是", "yes", "y", "on", "有"}
_FALSE = {"false", "0", "否", "no", "n", "off", "无"}


def _typed(spec: Variable | Field, raw: Any, where: str) -> Any:
    """One user-typed value in the variable's Python type; raises ApplicationError with a Chinese message."""
    label = spec.label
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if spec.type in ("decimal", "integer"):
        if isinstance(raw, bool):
            raise ApplicationError(f"「{label}」应为数字", field=where)
        text = str(raw).strip().replace(",", "").replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ApplicationError(f"「{label}」应为数字,收到「{raw}」", field=where) from None
        if not value.is_finite() or abs(value) >= Decimal("1e14"):
            raise ApplicationError(f"「{label}」超出可处理的范围", field=where)
        if value < 0:
            raise ApplicationError(f"「{label}」不能为负数", field=where)
        if spec.type == "integer" and value != value.to_integral_value():
            raise ApplicationError(f"「{label}」应为整数", field=where)
        if spec.type == "integer":
            return int(value)
        if value.as_tuple().exponent < -4:  # type: ignore[operator]
            raise ApplicationError(f"「{label}」最多保留4位小数", field=where)
        if spec.unit == "元" and value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ApplicationError(f"「{label}」金额最多精确到分", field=where)
        return value
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ApplicationError(f"「{label}」应填“是”或“否”", field=where)
    if spec.type == "date":
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ApplicationError(f"「{label}」应为日期,格式如 2025-05-16", field=where) from None
    if spec.type == "choice":
        text = str(raw).strip()
        if spec.choices:
            by_label = {lab: v for v, lab in spec.choices}
            if text in by_label:
                return by_label[text]
            if text not in {v for v, _ in spec.choices}:
                allowed = "、".join(lab for _, lab in spec.choices if lab)
                raise ApplicationError(f"「{label}」应为以下之一:{allowed}", field=where)
        return text
    if spec.type == "tags":
        items = raw if isinstance(raw, list) else re.split(r"[,,、;;\n]+", str(raw))
        return frozenset(str(i).strip() for i in items if str(i).strip())
    text = str(raw).strip()
    if len(text) > 200:
        raise ApplicationError(f"「{label}」过长", field=where)
    return text


def facts_from_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """Facts typed by a person (the public calculator, test cases, the supply form). Keys not given stay unknown.

    Values may be strings as typed ("1,200.5", "是", "2025-05-16") or JSON values; relations are lists of objects
    keyed by field. Nothing is stored.
    """
    if not isinstance(data, Mapping):
        raise ApplicationError("企业信息应为键值对象")
    facts: dict[str, Any] = {}
    for key, raw in data.items():
        if key in REGISTRY.variables:
            value = _typed(REGISTRY.variables[key], raw, key)
            if value is not None:
                facts[key] = value
        elif key in REGISTRY.relations:
            relation = REGISTRY.relations[key]
            if not isinstance(raw, list):
                raise ApplicationError(f"「{relation.label}」应为记录列表", field=key)
            if len(raw) > MAX_RECORDS:
                raise ApplicationError(f"「{relation.label}」最多 {MAX_RECORDS} 条", field=key)
            rows = []
            for i, item in enumerate(raw, start=1):
                if not isinstance(item, Mapping):
                    raise ApplicationError(f"「{relation.label}」第 {i} 条应为对象", field=key)
                extra = set(item) - {f.key for f in relation.fields}
                if extra:
                    raise ApplicationError(
                        f"「{relation.label}」第 {i} 条有未知字段:{'、'.join(sorted(extra))}", field=key
                    )
                row = {}
                for f in relation.fields:
                    value = _typed(f, item.get(f.key), key)
                    if value is None:
                        raise ApplicationError(f"「{relation.label}」第 {i} 条缺少「{f.label}」", field=key)
                    row[f.key] = value
                rows.append(row)
            facts[key] = rows
        else:
            raise ApplicationError(f"未知的企业信息项「{key}」", field=key)
    return facts
