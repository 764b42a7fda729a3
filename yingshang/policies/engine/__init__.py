"""The one Django adapter of the rules engine (yingshang.rules): the variable registry, the facts of an enterprise,
user-typed facts, and rules compiled into database queries. See docs/rules-language.md."""

from __future__ import annotations

from yingshang.rules import Relation, Variable

from .bulk import Unsupported, match_rows, match_sql, prepare_cursor
from .compile import compile_parsed, compile_rule, count_matches, match_ids
from .facts import facts_for_enterprise, facts_from_input, relation_rows
from .variables import REGISTRY, SUPPLIED_KEYS, SUPPLIED_SOURCE


def register_relation(relation: Relation, *, replace: bool = False) -> Relation:
    """Add a relation (e.g. past grants). `relation.db` is a model with an `enterprise` foreign key, or a queryset of
    one; each Field.db names its column; money fields (unit 元) are stored in fen."""
    return REGISTRY.add_relation(relation, replace=replace)


def register_variable(variable: Variable) -> Variable:
    """Add a variable: `accessor(enterprise, loaded)` and `db(decision_date)` must give the same value."""
    return REGISTRY.add_variable(variable)


__all__ = [
    "REGISTRY",
    "SUPPLIED_KEYS",
    "SUPPLIED_SOURCE",
    "Unsupported",
    "compile_parsed",
    "compile_rule",
    "count_matches",
    "facts_for_enterprise",
    "facts_from_input",
    "match_ids",
    "match_rows",
    "match_sql",
    "prepare_cursor",
    "register_relation",
    "register_variable",
    "relation_rows",
]
