"""Warnings for exceptions of one formula that can apply to the same enterprise."""

from __future__ import annotations

from decimal import Decimal

from .ast import All, Leaf, Rule
from .formula import Formula
from .registry import Registry

_INF = Decimal("Infinity")


def _conjuncts(node: Rule) -> list[Leaf]:
    """Leaves that must all hold for the node to be TRUE (only plain conjunctions are analysed)."""
    if isinstance(node, Leaf):
        return [node]
    if isinstance(node, All):
        return [leaf for c in node.children for leaf in _conjuncts(c)]
    return []


def _interval(leaf: Leaf) -> tuple[Decimal, bool, Decimal, bool] | None:
    """(lo, lo_inclusive, hi, hi_inclusive) of a numeric leaf."""
    v = leaf.value
    if leaf.op == "eq" and not isinstance(v, (bool, str)):
        return Decimal(v), True, Decimal(v), True
    if leaf.op == "eq" and isinstance(v, str):
        try:
            d = Decimal(v)
        except ArithmeticError:
            return None
        return d, True, d, True
    return {
        "gt": lambda: (v, False, _INF, False),
        "ge": lambda: (v, True, _INF, False),
        "lt": lambda: (-_INF, False, v, False),
        "le": lambda: (-_INF, False, v, True),
        "between": lambda: (v[0], True, v[1], True) if isinstance(v[0], Decimal) else None,
    }.get(leaf.op, lambda: None)()


def _exclusive(a: Leaf, b: Leaf, type_: str) -> bool:
    """True when no single value can satisfy both leaves."""
    if {a.op, b.op} == {"is_true", "is_false"}:
        return True
    if type_ == "boolean":
        truth = {"is_true": True, "is_false": False}
        ta = truth.get(a.op, a.value if a.op == "eq" else None)
        tb = truth.get(b.op, b.value if b.op == "eq" else None)
        return ta is not None and tb is not None and ta != tb
    if type_ in ("decimal", "integer"):
        ia, ib = _interval(a), _interval(b)
        if ia is None or ib is None:
            return False
        lo_a, lo_a_in, hi_a, hi_a_in = ia
        lo_b, lo_b_in, hi_b, hi_b_in = ib
        if hi_a < lo_b or (hi_a == lo_b and not (hi_a_in and lo_b_in)):
            return True
        return hi_b < lo_a or (hi_b == lo_a and not (hi_b_in and lo_a_in))
    if type_ in ("choice", "text"):
        allowed_a = {a.value} if a.op == "eq" else set(a.value) if a.op == "in" else None
        allowed_b = {b.value} if b.op == "eq" else set(b.value) if b.op == "in" else None
        if allowed_a is not None and allowed_b is not None:
            return not (allowed_a & allowed_b)
        for x, y in ((a, b), (b, a)):
            if x.op in ("eq", "in") and y.op in ("ne", "not_in"):
                allowed = {x.value} if x.op == "eq" else set(x.value)
                banned = {y.value} if y.op == "ne" else set(y.value)
                if allowed <= banned:
                    return True
    return False


def overlapping_exceptions(formula: Formula, registry: Registry) -> list[str]:
    warnings = []
    exceptions = formula.exceptions
    for i, first in enumerate(exceptions):
        for second in exceptions[i + 1 :]:
            exclusive = any(
                la.var == lb.var
                and la.var in registry.variables
                and _exclusive(la, lb, registry.variables[la.var].type)
                for la in _conjuncts(first.when)
                for lb in _conjuncts(second.when)
            )
            if not exclusive:
                warnings.append(
                    f"例外「{first.label}」与「{second.label}」可能同时适用于同一企业,"
                    f"届时按优先级只适用「{first.label}」;如非本意,请调整条件或优先级。"
                )
    return warnings
