"""What a policy means for one set of facts: verdict, amount and the explanation, as plain data for pages, the API,
grant snapshots and test cases. The one place that calls the rules engine's Python evaluator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from yingshang.rules import (
    Formula,
    Rule,
    RuleError,
    check_formula,
    check_rule,
    compute_benefit,
    evaluate,
    parse_formula,
    parse_rule,
    screen_function,
)
from yingshang.rules import Verdict as EngineVerdict

from . import engine
from .models import PolicyContent, PolicyVersion, Verdict

VERDICTS = {
    EngineVerdict.TRUE: Verdict.ELIGIBLE,
    EngineVerdict.FALSE: Verdict.INELIGIBLE,
    EngineVerdict.UNKNOWN: Verdict.UNKNOWN,
}


def fen_text(fen: int | None) -> str:
    """Integer fen as "1,234,567.89 元"; the one money format of these pages."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d} 元"


def fen_to_yuan(fen: int | None) -> str | None:
    if fen is None:
        return None
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def rule_hash(rule: Any, formula: Any) -> str:
    """SHA-256 of the rule and formula as published: a grant names the exact rule it was decided by."""
    return hashlib.sha256(canonical_json({"rule": rule, "formula": formula}).encode()).hexdigest()


def rule_problems(rule: Any) -> list[str]:
    """Chinese messages for a rule that cannot be published (empty list: fine)."""
    if not rule:
        return ["请至少设置一个申报条件"]
    try:
        check_rule(parse_rule(rule), engine.REGISTRY)
    except RuleError as exc:
        return [str(exc)]
    return []


def formula_problems(formula: Any) -> list[str]:
    if not formula:
        return []
    try:
        check_formula(parse_formula(formula), engine.REGISTRY)
    except RuleError as exc:
        return [str(exc)]
    return []


def jsonable(value: Any) -> Any:
    """Facts as JSON for snapshots: decimals and dates as strings, tag sets as sorted lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_TREE_VERDICT = {v: (VERDICTS[v].value, v.mark) for v in EngineVerdict}


def _tree(node: Any, held: list[str]) -> dict[str, Any]:
    """The explanation as plain data; appends to `held` the clauses of the conditions that hold (what an eligible
    verdict rests on), in order and once each."""
    value, mark = _TREE_VERDICT[node.verdict]
    clause = getattr(node, "clause", "") or ""
    children = getattr(node, "children", ()) or ()
    if clause and value == "eligible" and not children and clause not in held:
        held.append(clause)
    return {
        "verdict": value,
        "mark": mark,
        "clause": clause,
        "text": node.text,
        "children": [_tree(child, held) for child in children],
    }


@dataclass
class Outcome:
    verdict: str
    amount_fen: int | None = None
    range_fen: tuple[int, int] | None = None
    has_formula: bool = True
    clause: str = ""
    exception: str | None = None
    steps: list[str] = field(default_factory=list)
    tree: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)
    is_near_miss: bool = False
    leaf_clauses: list[str] = field(default_factory=list)

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label

    @property
    def amount_text(self) -> str:
        if not self.has_formula:
            return "无资金支持"
        if self.amount_fen is not None:
            return fen_text(self.amount_fen)
        if self.range_fen is not None:
            return f"{fen_text(self.range_fen[0])} ~ {fen_text(self.range_fen[1])}"
        return "待补充信息后测算"

    @property
    def amount_yuan(self) -> str | None:
        return fen_to_yuan(self.amount_fen)

    def as_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "amount_fen": self.amount_fen,
            "range_fen": list(self.range_fen) if self.range_fen else None,
            "clause": self.clause,
            "exception": self.exception,
            "steps": self.steps,
            "tree": self.tree,
            "missing": self.missing,
            "near_misses": self.near_misses,
        }


T = TypeVar("T")


def _per_version(content: PolicyContent, name: str, make: Callable[[], T]) -> T:
    """`make()`, kept on the instance when `content` is a stored version. A version never changes after publishing,
    and the 政策礼包 keeps its version instances for the life of the process (`package._VERSIONS`), so its parsed
    rules, the closures the engine compiled for them and the relations they read are worked out once. A draft
    (a `Policy`) can change at any time and gets a fresh answer every call."""
    if not (isinstance(content, PolicyVersion) and content.pk is not None):
        return make()
    key = f"_memo_{name}"
    if key not in content.__dict__:
        content.__dict__[key] = make()
    value: T = content.__dict__[key]
    return value


def parsed_content(content: PolicyContent) -> tuple[Rule, Formula | None]:
    """The parsed rule and formula of a policy draft or version."""
    return _per_version(
        content,
        "parsed",
        lambda: (parse_rule(content.rule), parse_formula(content.formula) if content.formula else None),
    )


def named_sources(value: Any) -> list[str]:
    """Every name a rule's or formula's JSON gives as a source (`"of": …`): record relations (loans, violations…)
    and the variables a formula's amounts are computed from, in order, nested aggregates included."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            of = node.get("of")
            if isinstance(of, str):
                found.append(of)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(value)
    return found


def relations_read(content: PolicyContent) -> frozenset[str]:
    """The record relations (loans, violations, grants…) a policy's rule and formula read."""
    return _per_version(
        content,
        "relations",
        lambda: frozenset(
            name
            for name in (*named_sources(content.rule), *named_sources(content.formula))
            if name in engine.REGISTRY.relations
        ),
    )


def content_screen(content: PolicyContent) -> Callable[[Mapping[str, Any], date], bool]:
    """Eligible, unknown or a near miss (`rules.screen_function`): whether a 政策礼包 lists the policy and needs its
    full outcome."""
    return _per_version(content, "screen", lambda: screen_function(parsed_content(content)[0], engine.REGISTRY))


def evaluate_content(content: PolicyContent, facts: dict[str, Any], *, decision_date: date) -> Outcome:
    """Verdict, amount and explanation of one policy (draft or version) for one set of facts."""
    rule, formula = parsed_content(content)
    evaluation = evaluate(rule, facts, decision_date=decision_date, registry=engine.REGISTRY)
    verdict = VERDICTS[evaluation.verdict]
    held: list[str] = []
    tree = _tree(evaluation.tree, held)
    outcome = Outcome(
        verdict=verdict,
        tree=tree,
        missing=list(evaluation.missing),
        near_misses=list(evaluation.near_misses),
        is_near_miss=bool(getattr(evaluation, "is_near_miss", False)),
        has_formula=bool(content.formula),
    )
    outcome.leaf_clauses = held
    if formula is not None and verdict != Verdict.INELIGIBLE:
        benefit = compute_benefit(formula, facts, decision_date=decision_date, registry=engine.REGISTRY)
        outcome.amount_fen = benefit.amount_fen
        outcome.range_fen = benefit.range_fen
        outcome.steps = list(benefit.steps)
        outcome.exception = benefit.exception
        outcome.clause = benefit.clause or ""
        for label in getattr(benefit, "missing", ()) or ():
            if label not in outcome.missing:
                outcome.missing.append(label)
    if not outcome.clause and outcome.leaf_clauses:
        outcome.clause = "、".join(outcome.leaf_clauses[:4])
    return outcome


def missing_variable_keys(labels: list[str]) -> list[str]:
    """The registry keys behind "需补充信息" labels: the fields of the form that lets an enterprise supply them."""
    by_label = {v.label: v.key for v in engine.REGISTRY.variables.values()}
    keys = []
    for label in labels:
        key = by_label.get(label)
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    expected: str
    actual: str
    problem: str = ""


def run_case(
    content: PolicyContent,
    *,
    name: str,
    raw_facts: dict[str, Any],
    expected_verdict: str,
    expected_amount_fen: int | None,
    decision_date: date,
) -> CaseResult:
    expected = Verdict(expected_verdict).label
    if expected_amount_fen is not None:
        expected += f" {fen_text(expected_amount_fen)}"
    try:
        facts = engine.facts_from_input(raw_facts)
        outcome = evaluate_content(content, facts, decision_date=decision_date)
    except (RuleError, ValueError) as exc:
        return CaseResult(name, False, expected, "无法计算", str(exc))
    except Exception as exc:  # ApplicationError from facts_from_input: a bad value typed into the case
        message = getattr(exc, "message", None)
        if message is None:
            raise
        return CaseResult(name, False, expected, "无法计算", message)
    actual = outcome.verdict_label
    if outcome.amount_fen is not None:
        actual += f" {fen_text(outcome.amount_fen)}"
    passed = outcome.verdict == expected_verdict and (
        expected_amount_fen is None or outcome.amount_fen == expected_amount_fen
    )
    return CaseResult(name, passed, expected, actual)
