"""Rule nodes, parsed from and serialised to the stored JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import RuleError
from .periods import Period
from .registry import NUMERIC_TYPES, Registry

COMPARE_OPS = ("eq", "ne", "gt", "ge", "lt", "le")
ORDER_OPS = ("gt", "ge", "lt", "le")
LEAF_OPS = (
    *COMPARE_OPS,
    "between",
    "in",
    "not_in",
    "is_true",
    "is_false",
    "within_last",
    "before",
    "after",
    "starts_with",
)
AGG_KINDS = ("count", "sum", "exists")
AGG_OPS = (*COMPARE_OPS, "between")
PERIOD_UNITS = ("years", "months", "days")

OP_SYMBOLS = {"eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
OPS_FOR_TYPE: dict[str, tuple[str, ...]] = {
    "decimal": (*COMPARE_OPS, "between"),
    "integer": (*COMPARE_OPS, "between"),
    "boolean": ("eq", "ne", "is_true", "is_false"),
    "date": ("within_last", "before", "after", "between", "eq", "ne"),
    "choice": ("eq", "ne", "in", "not_in"),
    "text": ("eq", "ne", "in", "not_in", "starts_with"),
    "tags": ("in", "not_in"),
}


@dataclass(frozen=True)
class Leaf:
    var: str
    op: str
    value: Any  # normalised: Decimal, (lo, hi), tuple of str, Period, date, str, bool or None
    clause: str


@dataclass(frozen=True)
class Aggregate:
    agg: str
    of: str
    field: str | None
    where: tuple[Leaf, ...]
    window: Period | None
    op: str | None
    value: Any  # Decimal or (lo, hi) or None
    clause: str


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Leaf | Aggregate | All | AnyOf | Not
Rule = Node


def _decimal(raw: Any, path: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise RuleError("应为数字", path)
    try:
        d = Decimal(str(raw).strip())
    except InvalidOperation:
        raise RuleError(f"「{raw}」不是有效的数字", path) from None
    if not d.is_finite():
        raise RuleError(f"「{raw}」不是有效的数字", path)
    return d


def _date(raw: Any, path: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise RuleError(f"「{raw}」不是有效的日期(应为 YYYY-MM-DD)", path) from None


def _period(raw: Any, path: str) -> Period:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise RuleError('时间窗口应为 {"years": N}、{"months": N} 或 {"days": N}', path)
    [(unit, n)] = raw.items()
    if unit not in PERIOD_UNITS or isinstance(n, bool) or not isinstance(n, int) or n <= 0 or n > 100 * 366:
        raise RuleError('时间窗口应为 {"years": N}、{"months": N} 或 {"days": N},N 为正整数', path)
    return Period(unit, n)


def _clause(raw: dict[str, Any], path: str) -> str:
    clause = raw.get("clause")
    if not isinstance(clause, str) or not clause.strip():
        raise RuleError("每个条件都须注明所依据的政策条款(clause)", path)
    return clause.strip()


def _scalar(raw: Any, path: str) -> Any:
    if isinstance(raw, (str, bool, int)):
        return raw
    if isinstance(raw, (float, Decimal)):
        return _decimal(raw, path)
    raise RuleError("应为数字、文本或是/否", path)


def _string_list(raw: Any, path: str) -> tuple[str, ...]:
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in raw)
    ):
        raise RuleError("应为非空的取值列表", path)
    return tuple(str(x) for x in raw)


def _range(raw: Any, path: str, as_date: bool = False) -> tuple[Any, Any]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise RuleError("区间应为 [下限, 上限]", path)
    lo: Any
    hi: Any
    lo, hi = (_date(x, path) if as_date else _decimal(x, path) for x in raw)
    if lo > hi:
        raise RuleError("区间下限大于上限", path)
    return lo, hi


def _leaf_value(op: str, raw: Any, path: str) -> Any:
    vpath = f"{path}.value"
    if op in ("is_true", "is_false"):
        return None
    if "value" not in raw:
        raise RuleError("缺少比较值(value)", path)
    value = raw["value"]
    if op in ORDER_OPS:
        return _decimal(value, vpath)
    if op in ("eq", "ne"):
        return _scalar(value, vpath)
    if op == "between":
        as_date = (
            isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) and x.count("-") == 2 for x in value)
        )
        return _range(value, vpath, as_date=as_date)
    if op in ("in", "not_in", "starts_with"):
        return _string_list(value, vpath)
    if op == "within_last":
        return _period(value, vpath)
    return _date(value, vpath)  # before / after


def _parse_leaf(raw: dict[str, Any], path: str) -> Leaf:
    var = raw.get("var")
    if not isinstance(var, str) or not var:
        raise RuleError("缺少变量(var)", path)
    op = raw.get("op")
    if op not in LEAF_OPS:
        raise RuleError(f"不支持的比较方式「{op}」", path)
    return Leaf(var=var, op=op, value=_leaf_value(op, raw, path), clause=_clause(raw, path))


def _parse_aggregate(raw: dict[str, Any], path: str, *, need_op: bool = True) -> Aggregate:
    agg = raw.get("agg")
    if agg not in AGG_KINDS:
        raise RuleError(f"不支持的统计方式「{agg}」(应为 count、sum 或 exists)", path)
    of = raw.get("of")
    if not isinstance(of, str) or not of:
        raise RuleError("缺少关联记录(of)", path)
    field = raw.get("field")
    if agg == "sum":
        if not isinstance(field, str) or not field:
            raise RuleError("求和须指定字段(field)", path)
    elif field is not None:
        raise RuleError("只有求和(sum)需要字段(field)", path)
    where_raw = raw.get("where", [])
    if not isinstance(where_raw, list):
        raise RuleError("where 应为条件列表", path)
    where = []
    for i, w in enumerate(where_raw):
        wpath = f"{path}.where[{i}]"
        if not isinstance(w, dict) or "var" not in w:
            raise RuleError("where 中只能是字段条件", wpath)
        where.append(_parse_leaf({"clause": "-", **w}, wpath))
    window = _period(raw["window"], f"{path}.window") if raw.get("window") is not None else None
    op = raw.get("op")
    value: Any = None
    if agg == "exists" or not need_op:
        if op is not None and agg == "exists":
            raise RuleError("exists 不需要比较方式;表示“没有”时请用 not 包住", path)
    else:
        if op not in AGG_OPS:
            raise RuleError(f"不支持的比较方式「{op}」", path)
        if "value" not in raw:
            raise RuleError("缺少比较值(value)", path)
        value = _range(raw["value"], f"{path}.value") if op == "between" else _decimal(raw["value"], f"{path}.value")
    clause = _clause(raw, path) if need_op else str(raw.get("clause") or "")
    return Aggregate(agg=agg, of=of, field=field, where=tuple(where), window=window, op=op, value=value, clause=clause)


def parse_rule(data: Any, path: str = "规则") -> Rule:
    """Parse stored JSON into nodes; raises RuleError naming the path of the first bad node."""
    if not isinstance(data, dict):
        raise RuleError("应为对象", path)
    for key, cls in (("all", All), ("any", AnyOf)):
        if key in data:
            children = data[key]
            if not isinstance(children, list):
                raise RuleError(f"{key} 应为条件列表", path)
            return cls(tuple(parse_rule(c, f"{path}.{key}[{i}]") for i, c in enumerate(children)))
    if "not" in data:
        return Not(parse_rule(data["not"], f"{path}.not"))
    if "agg" in data:
        return _parse_aggregate(data, path)
    if "var" in data:
        return _parse_leaf(data, path)
    raise RuleError("无法识别的条件(应含 all、any、not、var 或 agg)", path)


def parse_aggregate_source(data: Any, path: str) -> Aggregate:
    """An aggregate used as a number in a formula (no op/value)."""
    if not isinstance(data, dict) or "agg" not in data:
        raise RuleError("应为变量名或统计表达式", path)
    agg = _parse_aggregate(data, path, need_op=False)
    if agg.agg == "exists":
        raise RuleError("金额来源不能是 exists", path)
    return agg


def _value_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Period):
        return value.to_json()
    if isinstance(value, tuple):
        return [_value_json(v) for v in value]
    return value


def leaf_to_json(leaf: Leaf, *, with_clause: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"var": leaf.var, "op": leaf.op}
    if leaf.value is not None:
        out["value"] = _value_json(leaf.value)
    if with_clause:
        out["clause"] = leaf.clause
    return out


def aggregate_to_json(node: Aggregate) -> dict[str, Any]:
    out: dict[str, Any] = {"agg": node.agg, "of": node.of}
    if node.field is not None:
        out["field"] = node.field
    if node.where:
        out["where"] = [leaf_to_json(w, with_clause=False) for w in node.where]
    if node.window is not None:
        out["window"] = node.window.to_json()
    if node.op is not None:
        out["op"] = node.op
        out["value"] = _value_json(node.value)
    if node.clause:
        out["clause"] = node.clause
    return out


def rule_to_json(node: Rule) -> dict[str, Any]:
    if isinstance(node, All):
        return {"all": [rule_to_json(c) for c in node.children]}
    if isinstance(node, AnyOf):
        return {"any": [rule_to_json(c) for c in node.children]}
    if isinstance(node, Not):
        return {"not": rule_to_json(node.child)}
    if isinstance(node, Aggregate):
        return aggregate_to_json(node)
    return leaf_to_json(node)


def leaves(node: Rule) -> list[Leaf | Aggregate]:
    if isinstance(node, (All, AnyOf)):
        return [leaf for c in node.children for leaf in leaves(c)]
    if isinstance(node, Not):
        return leaves(node.child)
    return [node]


# --- checking against the registry -------------------------------------------------------------------------------


def _check_leaf_type(leaf: Leaf, type_: str, choices: tuple[tuple[str, str], ...], label: str, path: str) -> None:
    if leaf.op not in OPS_FOR_TYPE[type_]:
        raise RuleError(f"「{label}」不能使用比较方式 {leaf.op}", path)
    value = leaf.value
    if leaf.op in ("eq", "ne"):
        if type_ in NUMERIC_TYPES:
            _decimal(value, f"{path}.value")
        elif type_ == "boolean" and not isinstance(value, bool):
            raise RuleError(f"「{label}」应与 true/false 比较", f"{path}.value")
        elif type_ == "date":
            _date(value, f"{path}.value")
        elif type_ in ("choice", "text") and not isinstance(value, str):
            raise RuleError(f"「{label}」应与文本比较", f"{path}.value")
    if leaf.op == "between" and (type_ == "date") != isinstance(value[0], dt.date):
        raise RuleError(f"「{label}」的区间类型不对", f"{path}.value")
    if type_ == "choice" and choices:
        allowed = {c for c, _ in choices}
        given = value if isinstance(value, tuple) else (value,)
        bad = [v for v in given if v not in allowed]
        if bad:
            raise RuleError(f"「{label}」没有选项「{bad[0]}」", f"{path}.value")


def check_rule(node: Rule, registry: Registry, path: str = "规则") -> None:
    """Every variable registered, every op fits its variable's type."""
    if isinstance(node, (All, AnyOf)):
        key = "all" if isinstance(node, All) else "any"
        for i, c in enumerate(node.children):
            check_rule(c, registry, f"{path}.{key}[{i}]")
    elif isinstance(node, Not):
        check_rule(node.child, registry, f"{path}.not")
    elif isinstance(node, Aggregate):
        check_aggregate(node, registry, path)
    else:
        var = registry.variable(node.var, path)
        _check_leaf_type(node, var.type, var.choices, var.label, path)


def check_aggregate(node: Aggregate, registry: Registry, path: str) -> None:
    relation = registry.relation(node.of, path)
    if node.field is not None:
        f = relation.field(node.field, path)
        if f.type not in NUMERIC_TYPES:
            raise RuleError(f"「{relation.label}」的字段「{f.label}」不是数值,不能求和", path)
    for i, w in enumerate(node.where):
        f = relation.field(w.var, f"{path}.where[{i}]")
        if w.op == "within_last":
            raise RuleError("关联记录的时间范围请用 window", f"{path}.where[{i}]")
        _check_leaf_type(w, f.type, f.choices, f.label, f"{path}.where[{i}]")
