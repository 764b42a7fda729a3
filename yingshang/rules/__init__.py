"""The rules engine: eligibility rules and benefit formulas as data. Framework-free: never imports Django.

The language is described in docs/rules-language.md.
"""

from .ast import Aggregate, All, AnyOf, Leaf, Not, Rule, check_rule, leaves, parse_rule, rule_to_json
from .errors import RuleError, Verdict, kleene_all, kleene_any, kleene_not
from .evaluate import Evaluation, Explanation, evaluate, screen_function
from .formula import Benefit, Formula, check_formula, compute_benefit, formula_to_json, parse_formula
from .overlap import overlapping_exceptions
from .periods import Period, fmt_fen, fmt_number
from .pool import POOL_RULES, allocate_pool
from .registry import Field, Registry, Relation, Variable

__all__ = [
    "POOL_RULES",
    "Aggregate",
    "All",
    "AnyOf",
    "Benefit",
    "Evaluation",
    "Explanation",
    "Field",
    "Formula",
    "Leaf",
    "Not",
    "Period",
    "Registry",
    "Relation",
    "Rule",
    "RuleError",
    "Variable",
    "Verdict",
    "allocate_pool",
    "check_formula",
    "check_rule",
    "compute_benefit",
    "evaluate",
    "fmt_fen",
    "fmt_number",
    "formula_to_json",
    "kleene_all",
    "kleene_any",
    "kleene_not",
    "leaves",
    "overlapping_exceptions",
    "parse_formula",
    "parse_rule",
    "rule_to_json",
    "screen_function",
]
