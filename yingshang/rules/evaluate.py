"""Evaluating a rule for one enterprise, with an explanation tree, missing facts and near misses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .ast import Aggregate, All, AnyOf, Leaf, Not, Rule, check_aggregate
from .describe import aggregate_unit, describe_aggregate, describe_aggregate_subject, describe_leaf, show_value
from .errors import RuleError, Verdict, kleene_all, kleene_any, kleene_not
from .periods import fmt_number
from .registry import Registry
from .values import normalise, test

# A FALSE numeric condition within this share of its threshold counts as a near miss.
NEAR_MISS_SHARE = Decimal("0.3")


@dataclass
class Explanation:
    verdict: Verdict
    text: str
    kind: str  # all | any | not | leaf | agg
    path: str
    clause: str = ""
    children: list[Explanation] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    near_miss: str = ""
    near_miss_share: Decimal | None = None  # gap / threshold, for is_near_miss

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "text": self.text,
            "kind": self.kind,
            "clause": self.clause,
            "missing": self.missing,
            "near_miss": self.near_miss,
            "children": [c.to_json() for c in self.children],
        }


class Evaluation:
    """The verdict at once; the explanation tree, missing facts and near-miss sentences when first asked for."""

    def __init__(
        self,
        verdict: Verdict,
        build: Callable[[], _Full] | None = None,
        *,
        is_near_miss: bool | None = None,
        full: _Full | None = None,
    ) -> None:
        self.verdict = verdict
        self._build = build
        self._full = full
        self._is_near_miss = is_near_miss

    def _get(self) -> _Full:
        if self._full is None:
            assert self._build is not None
            self._full = self._build()
        return self._full

    @property
    def tree(self) -> Explanation:
        return self._get().tree

    @property
    def missing(self) -> list[str]:
        return self._get().missing

    @property
    def near_misses(self) -> list[str]:
        return self._get().near_misses

    @property
    def is_near_miss(self) -> bool:
        if self._is_near_miss is None:
            self._is_near_miss = self._get().is_near_miss
        return self._is_near_miss

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "missing": self.missing,
            "near_misses": self.near_misses,
            "is_near_miss": self.is_near_miss,
            "tree": self.tree.to_json(),
        }


@dataclass
class _Full:
    tree: Explanation
    missing: list[str]
    near_misses: list[str]
    is_near_miss: bool


def _gap_text(label: str, op: str, threshold: Decimal, x: Decimal, unit: str) -> tuple[str, Decimal | None]:
    """The near-miss sentence of a failed numeric comparison and the gap's share of the threshold."""
    share = None
    if op in ("ge", "gt"):
        gap = threshold - x
        if threshold > 0:
            share = gap / threshold
        if gap == 0:
            return f"{label}须超过 {fmt_number(threshold)} {unit}".rstrip(), share
        more = "以上" if op == "gt" else ""
        return f"{label}还差 {fmt_number(gap)} {unit}{more}".rstrip(), share
    if op in ("le", "lt"):
        gap = x - threshold
        if threshold > 0:
            share = gap / threshold
        if gap == 0:
            return f"{label}须低于 {fmt_number(threshold)} {unit}".rstrip(), share
        return f"{label}超出 {fmt_number(gap)} {unit}".rstrip(), share
    return "", None


def aggregate_value(
    node: Aggregate, rows: list[dict[str, Any]], decision_date: dt.date, registry: Registry
) -> tuple[int, Decimal] | str:
    """(count, sum) of the matching records, or the label of a missing record field."""
    relation = registry.relation(node.of)
    start = node.window.start_before(decision_date) if node.window else None
    needed = [w.var for w in node.where] + ([relation.date_field] if start else []) + [node.field or ""]
    count, total = 0, Decimal(0)
    for row in rows:
        for key in filter(None, needed):
            if row.get(key) is None:
                return f"{relation.label}的{relation.field(key).label}"
        if start is not None and not start < normalise("date", row[relation.date_field]) <= decision_date:
            continue
        if all(
            test(relation.field(w.var).type, w, normalise(relation.field(w.var).type, row[w.var]), decision_date)
            for w in node.where
        ):
            count += 1
            if node.field:
                total += normalise("decimal", row[node.field])
    return count, total


# The Chinese wording of a condition depends only on the condition, so it is worded once per parsed node (parsed
# rules of published policies live for the whole process) and reused by every later explanation. Keyed by id, with
# the node itself kept in the entry, so an id reused by a new object never hits.
_WORDING: dict[int, tuple[object, Registry, str]] = {}
_WORDING_LIMIT = 50_000


def _worded(node: Leaf | Aggregate, registry: Registry, make: Callable[[], str]) -> str:
    hit = _WORDING.get(id(node))
    if hit is not None and hit[0] is node and hit[1] is registry:
        return hit[2]
    text = make()
    if len(_WORDING) >= _WORDING_LIMIT:
        _WORDING.clear()
    _WORDING[id(node)] = (node, registry, text)
    return text


class _Evaluator:
    def __init__(self, facts: Mapping[str, Any], decision_date: dt.date, registry: Registry) -> None:
        self.facts = facts
        self.decision_date = decision_date
        self.registry = registry

    def node(self, node: Rule, path: str) -> Explanation:
        if isinstance(node, All):
            kids = [self.node(c, f"{path}.all[{i}]") for i, c in enumerate(node.children)]
            verdict = kleene_all([k.verdict for k in kids])
            return Explanation(verdict, f"同时满足以下 {len(kids)} 项", "all", path, children=kids)
        if isinstance(node, AnyOf):
            kids = [self.node(c, f"{path}.any[{i}]") for i, c in enumerate(node.children)]
            verdict = kleene_any([k.verdict for k in kids])
            return Explanation(verdict, f"满足以下任一项(共 {len(kids)} 项)", "any", path, children=kids)
        if isinstance(node, Not):
            kid = self.node(node.child, f"{path}.not")
            return Explanation(kleene_not(kid.verdict), "不得出现以下情形", "not", path, children=[kid])
        if isinstance(node, Aggregate):
            return self.aggregate(node, path)
        return self.leaf(node, path)

    def leaf(self, leaf: Leaf, path: str) -> Explanation:
        var = self.registry.variable(leaf.var, path)
        condition = _worded(leaf, self.registry, lambda: describe_leaf(var, leaf))
        x = normalise(var.type, self.facts.get(leaf.var))
        if x is None:
            return Explanation(
                Verdict.UNKNOWN,
                f"{condition}:需补充信息: {var.label}",
                "leaf",
                path,
                clause=leaf.clause,
                missing=[var.label],
            )
        verdict = Verdict.of(test(var.type, leaf, x, self.decision_date))
        text = f"{condition}(实际:{show_value(var, x)}){verdict.mark}"
        if var.type in ("decimal", "integer") and leaf.op in ("ge", "gt", "le", "lt", "between"):
            text = f"{var.label} {show_value(var, x)}:{condition} {verdict.mark}"
        exp = Explanation(verdict, text, "leaf", path, clause=leaf.clause)
        if verdict is Verdict.FALSE and var.type in ("decimal", "integer"):
            op, threshold = leaf.op, leaf.value
            if op == "between":
                op, threshold = ("ge", leaf.value[0]) if x < leaf.value[0] else ("le", leaf.value[1])
            exp.near_miss, exp.near_miss_share = _gap_text(var.label, op, threshold, x, var.unit)
        return exp

    def aggregate(self, node: Aggregate, path: str) -> Explanation:
        relation = self.registry.relation(node.of, path)

        def checked_wording() -> str:
            check_aggregate(node, self.registry, path)
            return describe_aggregate(node, self.registry)

        condition = _worded(node, self.registry, checked_wording)
        rows = self.facts.get(node.of)
        if rows is None:
            return Explanation(
                Verdict.UNKNOWN,
                f"{condition}:需补充信息: {relation.label}",
                "agg",
                path,
                clause=node.clause,
                missing=[relation.label],
            )
        result = aggregate_value(node, rows, self.decision_date, self.registry)
        if isinstance(result, str):
            return Explanation(
                Verdict.UNKNOWN, f"{condition}:需补充信息: {result}", "agg", path, clause=node.clause, missing=[result]
            )
        count, total = result
        if node.agg == "exists":
            verdict = Verdict.of(count > 0)
            return Explanation(
                verdict, f"{condition}(实际:{count} {relation.count_unit}){verdict.mark}", "agg", path, node.clause
            )
        value = total if node.agg == "sum" else Decimal(count)
        unit = aggregate_unit(node, self.registry)
        lo_hi = node.value if node.op == "between" else None
        probe = Leaf(var="", op=node.op or "eq", value=node.value, clause="")
        verdict = Verdict.of(test("decimal", probe, value, self.decision_date))
        text = (
            f"{describe_aggregate_subject(node, self.registry)} {fmt_number(value)} {unit}:{condition} {verdict.mark}"
        )
        exp = Explanation(verdict, text, "agg", path, node.clause)
        if verdict is Verdict.FALSE:
            op, threshold = node.op or "eq", node.value
            if lo_hi is not None:
                op, threshold = ("ge", lo_hi[0]) if value < lo_hi[0] else ("le", lo_hi[1])
            subject = describe_aggregate_subject(node, self.registry)
            exp.near_miss, exp.near_miss_share = _gap_text(subject, op, threshold, value, unit)
        return exp


def _collect(exp: Explanation, positive: bool, missing: list[str], near: list[Explanation]) -> None:
    """Missing facts of the UNKNOWN nodes only (a decided subtree needs nothing more) and near misses of the FALSE
    conditions that count against the rule (not those under a `not`)."""
    if exp.kind == "not":
        positive = not positive
    for c in exp.children:
        _collect(c, positive, missing if exp.verdict is Verdict.UNKNOWN else [], near)
    for m in exp.missing:
        if m not in missing:
            missing.append(m)
    if positive and exp.near_miss and exp.verdict is Verdict.FALSE:
        near.append(exp)


def _reverdict(exp: Explanation, forced: set[str]) -> Verdict:
    if exp.path in forced:
        return Verdict.TRUE
    if exp.kind == "all":
        return kleene_all([_reverdict(c, forced) for c in exp.children])
    if exp.kind == "any":
        return kleene_any([_reverdict(c, forced) for c in exp.children])
    if exp.kind == "not":
        return kleene_not(_reverdict(exp.children[0], forced))
    return exp.verdict


def explain(rule: Rule, facts: Mapping[str, Any], *, decision_date: dt.date, registry: Registry) -> _Full:
    """The full explanation: tree with Chinese texts, missing facts, near misses."""
    tree = _Evaluator(facts, decision_date, registry).node(rule, "规则")
    missing: list[str] = []
    near: list[Explanation] = []
    _collect(tree, True, missing, near)
    if tree.verdict is not Verdict.UNKNOWN:
        missing = []
    is_near = False
    if tree.verdict is Verdict.FALSE and near:
        close = {e.path for e in near if e.near_miss_share is not None and e.near_miss_share <= NEAR_MISS_SHARE}
        is_near = bool(close) and _reverdict(tree, close) is not Verdict.FALSE
    near_misses = [e.near_miss for e in near] if tree.verdict is Verdict.FALSE else []
    return _Full(tree, missing, near_misses, is_near)


_TRI = {True: Verdict.TRUE, False: Verdict.FALSE, None: Verdict.UNKNOWN}


def evaluate(rule: Rule, facts: Mapping[str, Any], *, decision_date: dt.date, registry: Registry) -> Evaluation:
    """Three-valued verdict of a rule for one enterprise's facts; the reasons in Chinese on demand."""
    if not isinstance(decision_date, dt.date):
        raise RuleError("缺少判定日期")
    fn = verdict_function(rule, registry)
    verdict = _TRI[fn(facts, decision_date, False)]
    near = None if verdict is Verdict.FALSE else False
    evaluation = Evaluation(
        verdict, lambda: explain(rule, facts, decision_date=decision_date, registry=registry), is_near_miss=near
    )
    if verdict is Verdict.FALSE:
        evaluation._is_near_miss = fn(facts, decision_date, True) is not False
    return evaluation


def screen_function(rule: Rule, registry: Registry) -> Callable[[Mapping[str, Any], dt.date], bool]:
    """Whether a rule holds, is unknown, or fails only as a near miss (the policies a 政策礼包 lists), as one closure
    per parsed rule for a caller that keeps it: the same answer as `evaluate(...).verdict is not FALSE or
    .is_near_miss`, without building anything for the many rules that are plainly not met."""
    fn = verdict_function(rule, registry)

    def screen(facts: Mapping[str, Any], decision_date: dt.date) -> bool:
        # One relaxed pass is enough. Relaxing only turns FALSE numeric conditions outside any `not` into TRUE, and
        # all/any are monotone (FALSE < UNKNOWN < TRUE), so the relaxed verdict is never below the strict one: it is
        # FALSE exactly when the strict verdict is FALSE and the rule is no near miss.
        return fn(facts, decision_date, True) is not False

    return screen


# At the end: fast.py builds on the helpers above.
from .fast import verdict_function  # noqa: E402
