"""政策计算器: typed facts → every published policy's verdict, amount and explanation. Stores nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from yingshang.rules.ast import leaves

from . import engine
from .models import PolicyVersion, Verdict
from .outcomes import Outcome, evaluate_content, named_sources, parsed_content, relations_read
from .package import published_versions

VERDICT_ORDER = {Verdict.ELIGIBLE: 0, Verdict.UNKNOWN: 1, Verdict.INELIGIBLE: 2}
# Rows of each relation offered on the calculator page.
RELATION_ROWS = 3


@dataclass
class CalculatorResult:
    version: PolicyVersion
    outcome: Outcome


def calculate(facts: dict[str, Any], *, decision_date: date) -> list[CalculatorResult]:
    results = [
        CalculatorResult(version, evaluate_content(version, facts, decision_date=decision_date))
        for version in published_versions(decision_date)
    ]
    results.sort(key=lambda r: (VERDICT_ORDER[Verdict(r.outcome.verdict)], -(r.outcome.amount_fen or 0)))
    return results


def used_keys(*, today: date) -> tuple[list[str], list[str]]:
    """Variables and relations the published policies read, in registry order: the calculator's inputs."""
    variables: set[str] = set()
    relations: set[str] = set()
    for version in published_versions(today, departments=False):
        rule, formula = parsed_content(version)
        relations |= relations_read(version)
        for condition in (rule, *(e.when for e in (formula.exceptions if formula else ()))):
            variables.update(leaf.var for leaf in leaves(condition) if not hasattr(leaf, "of"))
        variables.update(k for k in named_sources(version.formula) if k not in engine.REGISTRY.relations)
    return (
        [k for k in engine.REGISTRY.variables if k in variables],
        [k for k in engine.REGISTRY.relations if k in relations],
    )


def raw_from_form(post: Any, variable_keys: list[str], relation_keys: list[str]) -> dict[str, Any]:
    """The calculator page's inputs as the engine's typed-input mapping: blank stays unknown; a relation is a list
    of the rows filled in, [] when "没有此类记录" is ticked, absent (unknown) otherwise."""
    raw: dict[str, Any] = {}
    for key in variable_keys:
        values = [v for v in post.getlist(f"v-{key}") if str(v).strip()]
        variable = engine.REGISTRY.variables[key]
        if variable.type == "tags" and values:
            raw[key] = values
        elif values:
            raw[key] = values[0]
    for key in relation_keys:
        relation = engine.REGISTRY.relations[key]
        rows = []
        for i in range(RELATION_ROWS):
            row = {f.key: str(post.get(f"r-{key}-{i}-{f.key}", "")).strip() for f in relation.fields}
            # A row counts once anything but its yes/no fields is filled (those default to 否).
            if any(row[f.key] for f in relation.fields if f.type != "boolean"):
                rows.append({k: (v or "否") if _field(relation, k).type == "boolean" else v for k, v in row.items()})
        if rows:
            raw[key] = rows
        elif post.get(f"r-{key}-none"):
            raw[key] = []
    return raw


def _field(relation: Any, key: str) -> Any:
    return next(f for f in relation.fields if f.key == key)
