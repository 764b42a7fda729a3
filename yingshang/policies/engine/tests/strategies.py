"""Hypothesis strategies: random enterprises (with missing values) and random rules over the real registry.

Values come from small pools that contain the rule thresholds, so boundaries (≥ vs >, the first day of a window)
are hit often; missing values (None, absent facts) are drawn as often as known ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

DECIMALS = [Decimal(x) for x in ("0", "499.9999", "500", "500.0001", "1234.5678")]
INTEGERS = [0, 10, 11, 36]
DATES = [
    dt.date(2021, 11, 20),
    dt.date(2023, 2, 28),
    dt.date(2023, 3, 1),
    dt.date(2025, 5, 20),
    dt.date(2026, 11, 20),
    dt.date(2026, 11, 21),
]
DECISION_DATES = [dt.date(2026, 11, 20), dt.date(2024, 2, 29), dt.date(2025, 3, 31)]
CODES = ["", "1391", "3841", "4311", "1300", "4399", "4400", "5191", "A"]
QUALIFICATIONS = ["高新技术企业", "专精特新中小企业", "科技型中小企业"]
CHAINS = ["装备制造", "新能源电池", "轻工食品"]
TOWNS = ["龙泉街道", "漳河镇"]
PARKS = ["东宝工业园区", "子陵铺工业园"]
FEN = [1, 100, 50_000_000, 50_000_001, 100_000_000]


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Unknown one time in four."""
    return st.one_of(st.none(), strategy, strategy, strategy)


def enterprises() -> st.SearchStrategy[dict[str, Any]]:
    loans = st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["startup_guarantee", "ecommerce"]),
                "amount_fen": st.sampled_from(FEN),
                "interest_fen": st.sampled_from([0, 1, 150_000]),
                "granted_on": st.sampled_from(DATES),
                "pboc_relending": st.booleans(),
                "first_loan": st.booleans(),
            }
        ),
        max_size=3,
    )
    violations = st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["fiscal_fund", "safety"]),
                "severity": st.sampled_from(["major", "general"]),
                "occurred_on": st.sampled_from(DATES),
            }
        ),
        max_size=2,
    )
    return st.fixed_dictionaries(
        {
            "annual_revenue": maybe(st.sampled_from(DECIMALS)),
            "registered_capital": maybe(st.sampled_from(DECIMALS)),
            "employees": maybe(st.sampled_from(INTEGERS)),
            "registration_date": maybe(st.sampled_from(DATES)),
            "industry_code": st.sampled_from(CODES),
            "scale": st.sampled_from(["above", "below"]),
            "four_up_category": st.sampled_from(["", "industry", "trade"]),
            "is_dishonest_executee": st.booleans(),
            "township": maybe(st.sampled_from(TOWNS)),
            "park": maybe(st.sampled_from(PARKS)),
            "qualifications": st.lists(
                st.tuples(st.sampled_from(QUALIFICATIONS), maybe(st.sampled_from(DATES))),
                max_size=2,
                unique_by=lambda t: t[0],
            ),
            "chains": st.lists(st.sampled_from(CHAINS), max_size=2, unique=True),
            # Supplied facts: absent, JSON null, or a value (decimals stored as strings or as JSON numbers).
            "equipment_investment": maybe(st.sampled_from(DECIMALS)),
            "equipment_as_number": st.booleans(),
            "construction_period_months": maybe(st.sampled_from(INTEGERS)),
            "robot_replacement_project": maybe(st.booleans()),
            "agri_entity_type": maybe(st.sampled_from(["cooperative", "family_farm", "none"])),
            "json_null_fact": st.booleans(),
            "loans": loans,
            "violations": violations,
        }
    )


def _num(pool: list[Any]) -> st.SearchStrategy[str]:
    return st.sampled_from(pool).map(str)


def _leaf(var: str, op: str, value: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"var": var, "op": op, "clause": "第一条"}
    if value is not None:
        out["value"] = value
    return out


def _numeric_leaf(var: str, pool: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(_leaf, st.just(var), st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]), _num(pool)),
        st.builds(
            lambda a, b: _leaf(var, "between", sorted([a, b], key=Decimal)),
            _num(pool),
            _num(pool),
        ),
    )


def _date_leaf(var: str) -> st.SearchStrategy[dict[str, Any]]:
    iso = st.sampled_from(DATES).map(dt.date.isoformat)
    return st.one_of(
        st.builds(
            _leaf,
            st.just(var),
            st.just("within_last"),
            st.one_of(
                st.integers(1, 10).map(lambda n: {"years": n}),
                st.integers(1, 13).map(lambda n: {"months": n}),
                st.integers(1, 400).map(lambda n: {"days": n}),
            ),
        ),
        st.builds(_leaf, st.just(var), st.sampled_from(["before", "after", "eq", "ne"]), iso),
        st.builds(lambda a, b: _leaf(var, "between", sorted([a, b])), iso, iso),
    )


def _bool_leaf(var: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(_leaf, st.just(var), st.sampled_from(["is_true", "is_false"])),
        st.builds(_leaf, st.just(var), st.sampled_from(["eq", "ne"]), st.booleans()),
    )


def _choice_leaf(var: str, pool: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(_leaf, st.just(var), st.sampled_from(["eq", "ne"]), st.sampled_from(pool)),
        st.builds(
            _leaf,
            st.just(var),
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(pool), min_size=1, max_size=3),
        ),
    )


def _aggregate() -> st.SearchStrategy[dict[str, Any]]:
    loan_where = st.lists(
        st.one_of(
            st.builds(
                lambda k: {"var": "kind", "op": "eq", "value": k}, st.sampled_from(["startup_guarantee", "ecommerce"])
            ),
            st.builds(lambda op: {"var": "pboc_relending", "op": op}, st.sampled_from(["is_true", "is_false"])),
            st.builds(
                lambda op, v: {"var": "amount", "op": op, "value": v},
                st.sampled_from(["ge", "lt", "eq"]),
                st.sampled_from(["0.01", "1", "500000", "500000.01", "1000000"]),
            ),
            st.builds(lambda d: {"var": "granted_on", "op": "after", "value": d.isoformat()}, st.sampled_from(DATES)),
        ),
        max_size=2,
    )
    window = st.one_of(st.none(), st.sampled_from([{"years": 1}, {"years": 3}, {"months": 6}]))

    def build(agg: str, where: list, win: Any, op: str, value: str, field: str) -> dict[str, Any]:
        out: dict[str, Any] = {"agg": agg, "of": "loans", "where": where, "clause": "第二条"}
        if win:
            out["window"] = win
        if agg == "sum":
            out["field"] = field
        if agg != "exists":
            out["op"], out["value"] = op, value
        return out

    loans = st.builds(
        build,
        st.sampled_from(["count", "sum", "exists"]),
        loan_where,
        window,
        st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]),
        st.sampled_from(["0", "1", "2", "500000", "1000000", "1500000.01"]),
        st.sampled_from(["amount", "interest"]),
    )
    violations = st.builds(
        lambda sev, win: {
            "agg": "exists",
            "of": "violations",
            "where": [{"var": "severity", "op": "eq", "value": sev}],
            **({"window": win} if win else {}),
            "clause": "第二条",
        },
        st.sampled_from(["major", "general"]),
        window,
    )
    return st.one_of(loans, violations)


def leaves() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        _numeric_leaf("annual_revenue", DECIMALS),
        _numeric_leaf("registered_capital", DECIMALS),
        _numeric_leaf("employees", INTEGERS),
        _numeric_leaf("equipment_investment", DECIMALS),
        _numeric_leaf("construction_period_months", INTEGERS),
        _date_leaf("registration_date"),
        _bool_leaf("is_dishonest_executee"),
        _bool_leaf("is_manufacturing"),
        _bool_leaf("robot_replacement_project"),
        _choice_leaf("scale", ["above", "below"]),
        _choice_leaf("four_up_category", ["", "industry", "trade"]),
        _choice_leaf("agri_entity_type", ["cooperative", "family_farm", "none", "pig_farm"]),
        _choice_leaf("township", [*TOWNS, ""]),
        _choice_leaf("park", [*PARKS, ""]),
        st.builds(
            _leaf,
            st.just("industry_code"),
            st.just("starts_with"),
            st.lists(st.sampled_from(["13", "38", "4", "A"]), min_size=1, max_size=2),
        ),
        st.builds(_leaf, st.just("industry_code"), st.sampled_from(["eq", "ne"]), st.sampled_from(CODES[1:])),
        st.builds(
            _leaf,
            st.just("qualifications"),
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(QUALIFICATIONS), min_size=1, max_size=2),
        ),
        st.builds(
            _leaf,
            st.just("industry_chains"),
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(CHAINS), min_size=1, max_size=2),
        ),
        _aggregate(),
    )


def rules() -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaves(),
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=3).map(lambda c: {"all": c}),
            st.lists(children, min_size=1, max_size=3).map(lambda c: {"any": c}),
            children.map(lambda c: {"not": c}),
        ),
        max_leaves=5,
    )
