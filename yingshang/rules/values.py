"""How one condition tests one value; shared by variable leaves and the where-conditions of aggregates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .ast import Leaf
from .periods import Period


def normalise(type_: str, value: Any) -> Any:
    """A fact value in the form the comparisons expect; None stays None (unknown)."""
    if value is None:
        return None
    if type_ in ("decimal", "integer"):
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if type_ == "tags":
        return frozenset(str(v) for v in value)
    if type_ == "date" and isinstance(value, dt.datetime):
        return value.date()
    return value


def operand(type_: str, value: Any) -> Any:
    """The comparison value of an eq/ne leaf in the variable's type."""
    if type_ in ("decimal", "integer"):
        return Decimal(str(value))
    if type_ == "date" and not isinstance(value, dt.date):
        return dt.date.fromisoformat(str(value))
    return value


def test(type_: str, leaf: Leaf, x: Any, decision_date: dt.date) -> bool:
    """The two-valued test of a known value x (already normalised)."""
    op, v = leaf.op, leaf.value
    if op == "eq":
        return bool(x == operand(type_, v))
    if op == "ne":
        return bool(x != operand(type_, v))
    if op == "gt":
        return bool(x > v)
    if op == "ge":
        return bool(x >= v)
    if op == "lt":
        return bool(x < v)
    if op == "le":
        return bool(x <= v)
    if op == "between":
        return bool(v[0] <= x <= v[1])
    if op in ("in", "not_in"):
        hit = bool(x & set(v)) if type_ == "tags" else x in v
        return hit if op == "in" else not hit
    if op == "starts_with":
        return any(str(x).startswith(p) for p in v)
    if op == "is_true":
        return x is True
    if op == "is_false":
        return x is False
    if op == "within_last":
        assert isinstance(v, Period)
        return bool(v.start_before(decision_date) < x <= decision_date)
    if op == "before":
        return bool(x < v)
    if op == "after":
        return bool(x > v)
    raise AssertionError(op)
