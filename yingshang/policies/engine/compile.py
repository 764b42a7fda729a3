"""The database evaluator: a rule compiled into two conditions over the Enterprise table.

For every node we build T (the rule is certainly TRUE for the row) and F (certainly FALSE); UNKNOWN is neither.
Both are always TRUE or FALSE in SQL, never NULL: a leaf is `value IS NOT NULL AND test` / `value IS NOT NULL AND
NOT test`, and Kleene logic becomes all: T = ∧T, F = ∨F; any: T = ∨T, F = ∧F; not: swap. This is the same
three-valued logic as yingshang.rules.evaluate, which the equivalence property tests check on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from yingshang.enterprises.models import Enterprise
from yingshang.rules import Aggregate, All, AnyOf, Leaf, Not, Registry, Rule, Verdict, check_rule, parse_rule
from yingshang.rules.values import operand

from .facts import relation_queryset
from .variables import REGISTRY

_TRUE = Q(pk__isnull=False)
_FALSE = Q(pk__isnull=True)


def _test(type_: str, leaf: Leaf, expr: Any, decision_date: dt.date, factor: int = 1) -> Q:
    """SQL for the two-valued test of a known value (expr IS NOT NULL is added by the caller)."""
    op, v = leaf.op, leaf.value

    def num(x: Decimal) -> Any:
        return Value(x * factor) if type_ in ("decimal", "integer") else Value(x)

    if op in ("eq", "ne"):
        operand_value = operand(type_, v)
        rhs = num(operand_value) if type_ in ("decimal", "integer") else Value(operand_value)
        q = Q(Exact(expr, rhs))
        return q if op == "eq" else ~q
    if op == "gt":
        return Q(GreaterThan(expr, num(v)))
    if op == "ge":
        return Q(GreaterThanOrEqual(expr, num(v)))
    if op == "lt":
        return Q(LessThan(expr, num(v)))
    if op == "le":
        return Q(LessThanOrEqual(expr, num(v)))
    if op == "between":
        return Q(GreaterThanOrEqual(expr, num(v[0]))) & Q(LessThanOrEqual(expr, num(v[1])))
    if op in ("in", "not_in"):
        q = Q(In(expr, list(v)))
        return q if op == "in" else ~q
    if op == "starts_with":
        # Substr rather than LIKE: SQLite's LIKE ignores ASCII case, Python's startswith does not.
        q = _FALSE
        for prefix in v:
            q |= Q(Exact(Substr(expr, 1, len(prefix)), Value(prefix)))
        return q
    if op == "is_true":
        return Q(Exact(expr, Value(True)))
    if op == "is_false":
        return Q(Exact(expr, Value(False)))
    if op == "within_last":
        return Q(GreaterThan(expr, Value(v.start_before(decision_date)))) & Q(
            LessThanOrEqual(expr, Value(decision_date))
        )
    if op == "before":
        return Q(LessThan(expr, Value(v)))
    if op == "after":
        return Q(GreaterThan(expr, Value(v)))
    raise AssertionError(op)


class _Compiler:
    def __init__(self, registry: Registry, decision_date: dt.date) -> None:
        self.registry = registry
        self.decision_date = decision_date

    def node(self, node: Rule) -> tuple[Q, Q]:
        if isinstance(node, All):
            t, f = _TRUE, _FALSE
            for child in node.children:
                ct, cf = self.node(child)
                t &= ct
                f |= cf
            return t, f
        if isinstance(node, AnyOf):
            t, f = _FALSE, _TRUE
            for child in node.children:
                ct, cf = self.node(child)
                t |= ct
                f &= cf
            return t, f
        if isinstance(node, Not):
            ct, cf = self.node(node.child)
            return cf, ct
        if isinstance(node, Aggregate):
            return self.aggregate(node)
        return self.leaf(node)

    def leaf(self, leaf: Leaf) -> tuple[Q, Q]:
        variable = self.registry.variable(leaf.var)
        if variable.type == "tags":
            exists = Q(variable.db(tuple(leaf.value), self.decision_date))
            return (exists, ~exists) if leaf.op == "in" else (~exists, exists)
        expr = variable.db(self.decision_date)
        test = _test(variable.type, leaf, expr, self.decision_date)
        if variable.always_known:
            return test, ~test
        known = Q(IsNull(expr, False))
        return known & test, known & ~test

    def aggregate(self, node: Aggregate) -> tuple[Q, Q]:
        relation = self.registry.relation(node.of)
        rows = relation_queryset(relation).filter(enterprise_id=OuterRef("pk"))
        if node.window is not None:
            column = relation.field(relation.date_field).db
            rows = rows.filter(
                **{f"{column}__gt": node.window.start_before(self.decision_date), f"{column}__lte": self.decision_date}
            )
        for w in node.where:
            f = relation.field(w.var)
            factor = 100 if f.unit == "元" else 1
            rows = rows.filter(_test(f.type, w, F(f.db), self.decision_date, factor))
        if node.agg == "exists":
            exists = Q(Exists(rows))
            return exists, ~exists
        if node.agg == "count":
            value: Any = Coalesce(
                Subquery(rows.order_by().values("enterprise_id").annotate(n=Count("pk")).values("n")), Value(0)
            )
            factor = 1
        else:
            f = relation.field(node.field or "")
            factor = 100 if f.unit == "元" else 1
            value = Coalesce(
                Subquery(rows.order_by().values("enterprise_id").annotate(s=Sum(f.db)).values("s")), Value(0)
            )
        test = _test("decimal", Leaf("", node.op or "eq", node.value, ""), value, self.decision_date, factor)
        return test, ~test


def compile_parsed(rule: Rule, *, decision_date: dt.date, registry: Registry = REGISTRY) -> tuple[Q, Q]:
    t, f = _Compiler(registry, decision_date).node(rule)
    return t, ~t & ~f


def compile_rule(rule: Any, *, decision_date: dt.date, registry: Registry = REGISTRY) -> tuple[Q, Q]:
    """(eligible Q, unknown Q) over Enterprise.objects for a rule in JSON (or already parsed)."""
    parsed = rule if isinstance(rule, (Leaf, Aggregate, All, AnyOf, Not)) else parse_rule(rule)
    check_rule(parsed, registry)
    return compile_parsed(parsed, decision_date=decision_date, registry=registry)


def count_matches(rule: Any, *, decision_date: dt.date, queryset: Any = None) -> tuple[int, int]:
    """(eligible, unknown) counts in one pass over the table."""
    eligible_q, unknown_q = compile_rule(rule, decision_date=decision_date)
    qs = queryset if queryset is not None else Enterprise.objects.all()
    result = qs.order_by().aggregate(
        eligible=Count("pk", filter=eligible_q),
        unknown=Count("pk", filter=unknown_q),
    )
    return result["eligible"], result["unknown"]


def match_ids(rule: Any, *, decision_date: dt.date, chunk_size: int = 10000) -> Iterator[tuple[int, Verdict]]:
    """(enterprise id, TRUE or UNKNOWN) for every enterprise the rule does not exclude; ids only, streamed."""
    eligible_q, unknown_q = compile_rule(rule, decision_date=decision_date)
    verdict = ExpressionWrapper(eligible_q, output_field=BooleanField())
    rows = (
        Enterprise.objects.filter(eligible_q | unknown_q)
        .order_by()
        .annotate(eligible=verdict)
        .values_list("pk", "eligible")
        .iterator(chunk_size=chunk_size)
    )
    for pk, eligible in rows:
        yield pk, Verdict.TRUE if eligible else Verdict.UNKNOWN
