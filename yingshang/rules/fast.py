"""The verdict of a rule without its explanation, compiled once per parsed rule into Python closures.

An enterprise's 政策礼包 evaluates every policy but shows explanations only for the few that are eligible, unknown
or near misses; this path decides which (about 1 µs a condition), and evaluate() builds the explanation tree only
when it is asked for. Same three-valued logic as the explanation path (True/False/None here); the property tests
compare them.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .ast import Aggregate, All, AnyOf, Leaf, Not, Rule
from .evaluate import NEAR_MISS_SHARE, aggregate_value
from .registry import Registry
from .values import normalise, operand, test

Tri = bool | None
Fn = Callable[[Mapping[str, Any], dt.date, bool], Tri]

_CACHE: dict[tuple[int, int], tuple[Rule, Registry, Fn]] = {}
_CACHE_LIMIT = 20000


def _close(op: str, threshold: Any, x: Any) -> bool:
    """A failed comparison within NEAR_MISS_SHARE of a positive threshold (the explanation path's near miss)."""
    if threshold <= 0:
        return False
    gap = threshold - x if op in ("ge", "gt") else x - threshold
    return gap / threshold <= NEAR_MISS_SHARE


_NUMBERS = (int, Decimal)
_COMPARE = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}


def _number(x: Any) -> Any:
    return x if type(x) in _NUMBERS else normalise("decimal", x)


def _leaf(leaf: Leaf, registry: Registry, positive: bool) -> Fn:
    var = registry.variable(leaf.var)
    key, op, v, type_ = leaf.var, leaf.op, leaf.value, var.type
    numeric = type_ in ("decimal", "integer")
    if numeric and op in ("ge", "gt", "le", "lt", "between"):
        lo, hi = v if op == "between" else (None, None)
        relaxable = positive

        compare = _COMPARE.get(op)

        def numeric_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            x = facts.get(key)
            if x is None:
                return None
            if type(x) not in _NUMBERS:
                x = normalise("decimal", x)
            if compare(x, v) if compare is not None else lo <= x <= hi:
                return True
            if relax and relaxable:
                if op == "between":
                    return _close("ge", lo, x) if x < lo else _close("le", hi, x)
                return _close(op, v, x)
            return False

        return numeric_leaf
    if op in ("eq", "ne"):
        rhs = operand(type_, v)
        equal = op == "eq"

        def eq_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            x = facts.get(key)
            if x is None:
                return None
            if numeric:
                x = _number(x)
            return (x == rhs) is equal

        return eq_leaf
    if op in ("is_true", "is_false"):
        want = op == "is_true"

        def bool_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            x = facts.get(key)
            return None if x is None else x is want

        return bool_leaf
    if type_ == "tags":
        names = frozenset(v)
        hit_means = op == "in"

        def tags_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            x = facts.get(key)
            if x is None:
                return None
            return bool(names.intersection(x)) is hit_means

        return tags_leaf

    if op == "within_last":
        period = v
        starts: dict[dt.date, dt.date] = {}

        def window_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            x = facts.get(key)
            if x is None:
                return None
            start = starts.get(d)
            if start is None:
                start = starts[d] = period.start_before(d)
            x = normalise("date", x)
            return start < x <= d

        return window_leaf

    def generic_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
        x = normalise(type_, facts.get(key))
        return None if x is None else test(type_, leaf, x, d)

    return generic_leaf


def _aggregate(node: Aggregate, registry: Registry, positive: bool) -> Fn:
    registry.relation(node.of)  # unknown relations fail when compiling, not per enterprise
    probe = Leaf("", node.op or "eq", node.value, "")
    op = node.op
    relaxable = positive and op in ("ge", "gt", "le", "lt", "between")

    def aggregate_leaf(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
        rows = facts.get(node.of)
        if rows is None:
            return None
        if not rows:
            result: tuple[int, Decimal] | str = (0, Decimal(0))
        else:
            result = aggregate_value(node, rows, d, registry)
        if isinstance(result, str):
            return None
        count, total = result
        if node.agg == "exists":
            return count > 0
        value = total if node.agg == "sum" else Decimal(count)
        if test("decimal", probe, value, d):
            return True
        if relax and relaxable:
            if op == "between":
                lo, hi = node.value
                return _close("ge", lo, value) if value < lo else _close("le", hi, value)
            return _close(op or "", node.value, value)
        return False

    return aggregate_leaf


def _cost(node: Rule, registry: Registry) -> int:
    """How late a condition is worth testing: flags, equalities and tags (one look-up, never relaxed) first, then
    dates and other leaves, numeric comparisons (a near miss passes the relaxed pass), groups, and last the
    aggregates over records. A `not` costs what its condition costs."""
    if isinstance(node, Leaf):
        type_ = registry.variable(node.var).type
        if node.op in ("is_true", "is_false", "eq", "ne") or type_ == "tags":
            return 0
        if type_ in ("decimal", "integer") and node.op in ("ge", "gt", "le", "lt", "between"):
            return 2
        return 1
    if isinstance(node, Not):
        return _cost(node.child, registry)
    if isinstance(node, Aggregate):
        return 4
    return 3


def _compile(node: Rule, registry: Registry, positive: bool) -> Fn:
    if isinstance(node, All | AnyOf):
        # all/any do not depend on the order of their children, and they stop at the first decisive child, so the
        # cheap conditions that relaxing never turns TRUE go first.
        ordered = sorted(node.children, key=lambda c: _cost(c, registry))
        children = [_compile(c, registry, positive) for c in ordered]
        stop = node.__class__ is AnyOf  # any: stops at the first True; all: at the first False

        def group(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            unknown = False
            for child in children:
                r = child(facts, d, relax)
                if r is None:
                    unknown = True
                elif r is stop:
                    return stop
            return None if unknown else not stop

        return group
    if isinstance(node, Not):
        inner = _compile(node.child, registry, not positive)

        def negate(facts: Mapping[str, Any], d: dt.date, relax: bool) -> Tri:
            r = inner(facts, d, relax)
            return None if r is None else not r

        return negate
    if isinstance(node, Aggregate):
        return _aggregate(node, registry, positive)
    return _leaf(node, registry, positive)


def verdict_function(rule: Rule, registry: Registry) -> Fn:
    """The compiled closure of a parsed rule, cached for as long as the same rule object is in use."""
    key = (id(rule), id(registry))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is rule and hit[1] is registry:
        return hit[2]
    fn = _compile(rule, registry, True)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = (rule, registry, fn)
    return fn
