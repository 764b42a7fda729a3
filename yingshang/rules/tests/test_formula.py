"""Benefit formulas: exact fen, rounding, caps, tiers, exceptions by priority, pools and overlap warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from yingshang.rules import (
    RuleError,
    allocate_pool,
    check_formula,
    compute_benefit,
    formula_to_json,
    overlapping_exceptions,
    parse_formula,
)

from .registry_fixture import make_registry

R = make_registry()
D = dt.date(2026, 11, 20)


def amount(formula: dict, facts: dict) -> int | None:
    return compute_benefit(parse_formula(formula), facts, decision_date=D, registry=R).amount_fen


def test_rate_of_wan_yuan_with_cap() -> None:
    formula = {"base": {"kind": "rate", "of": "equipment", "rate": "0.10"}, "cap": "4000000"}
    assert amount(formula, {"equipment": Decimal("1500")}) == 150_000_000
    benefit = compute_benefit(parse_formula(formula), {"equipment": Decimal("5000")}, decision_date=D, registry=R)
    assert benefit.amount_fen == 400_000_000
    assert benefit.steps == [
        "生产性设备投资 5,000 万元 × 10% = 5,000,000 元",
        "超过上限 4,000,000.00 元,按上限计",
    ]
    assert amount(formula, {}) is None


@pytest.mark.parametrize(
    ("unit", "mode", "expected"),
    [("fen", "half_up", 12346), ("fen", "down", 12345), ("yuan", "half_up", 12300), ("wan", "half_up", 0)],
)
def test_rounding(unit: str, mode: str, expected: int) -> None:
    formula = {"base": {"kind": "rate", "of": "fee", "rate": "0.5"}, "rounding": {"unit": unit, "mode": mode}}
    assert amount(formula, {"fee": Decimal("246.91")}) == expected  # 123.455 元


def test_tiers() -> None:
    tiers = [
        {"from": "0", "to": "1000000", "rate": "0.05"},
        {"from": "1000000", "to": "5000000", "rate": "0.03"},
        {"from": "5000000", "to": None, "rate": "0.01"},
    ]
    bracket = {"base": {"kind": "tiers", "of": "fee", "mode": "bracket", "tiers": tiers}}
    progressive = {"base": {"kind": "tiers", "of": "fee", "mode": "progressive", "tiers": tiers}}
    facts = {"fee": Decimal("2000000")}
    assert amount(bracket, facts) == 6_000_000  # 2,000,000 × 3%
    assert amount(progressive, facts) == 8_000_000  # 50,000 + 30,000
    fixed = {
        "base": {
            "kind": "tiers",
            "of": "fee",
            "tiers": [{"from": "100", "to": "1000", "amount": "50"}, {"from": "1000", "to": None, "amount": "80"}],
        }
    }
    assert amount(fixed, {"fee": Decimal("99")}) == 0
    assert amount(fixed, {"fee": Decimal("1000")}) == 8000


def test_min_amount_and_sum() -> None:
    formula = {
        "base": {
            "kind": "sum",
            "parts": [{"kind": "rate", "of": "fee", "rate": "0.01"}, {"kind": "fixed", "amount": "100"}],
        },
        "min_amount": "1000",
    }
    assert amount(formula, {"fee": Decimal("100000")}) == 110_000
    assert amount(formula, {"fee": Decimal("50000")}) == 0  # 600 元 is below the 1,000 元 threshold


FORMULA: dict[str, Any] = {
    "base": {"kind": "rate", "of": "equipment", "rate": "0.10"},
    "cap": "4000000",
    "exceptions": [
        {
            "priority": 2,
            "label": "机器换人",
            "clause": "第七条",
            "when": {"var": "robot", "op": "is_true", "clause": "第七条"},
            "cap": "5000000",
        },
        {
            "priority": 1,
            "label": "新能源电池",
            "clause": "第八条",
            "when": {"var": "quals", "op": "in", "value": ["电池"], "clause": "第八条"},
            "base": {"kind": "rate", "of": "equipment", "rate": "0.12"},
        },
    ],
}


def test_exceptions_by_priority() -> None:
    robot = compute_benefit(
        parse_formula(FORMULA),
        {"equipment": Decimal("6000"), "robot": True, "quals": set()},
        decision_date=D,
        registry=R,
    )
    assert robot.amount_fen == 500_000_000
    assert robot.exception == "机器换人"
    assert robot.clause == "第七条"
    both = compute_benefit(
        parse_formula(FORMULA),
        {"equipment": Decimal("3000"), "robot": True, "quals": {"电池"}},
        decision_date=D,
        registry=R,
    )
    assert both.exception == "新能源电池"  # priority 1 wins; its cap is the base cap
    assert both.amount_fen == 360_000_000


def test_unknown_exception_that_matters_gives_a_range() -> None:
    benefit = compute_benefit(
        parse_formula(FORMULA), {"equipment": Decimal("4500"), "quals": set()}, decision_date=D, registry=R
    )
    assert benefit.amount_fen is None
    assert benefit.range_fen == (400_000_000, 450_000_000)
    assert benefit.missing == ["机器换人项目"]
    small = compute_benefit(
        parse_formula(FORMULA), {"equipment": Decimal("100"), "quals": set()}, decision_date=D, registry=R
    )
    assert small.amount_fen == 10_000_000


def test_formula_round_trip_and_errors() -> None:
    parsed = parse_formula(FORMULA)
    assert parse_formula(formula_to_json(parsed)) == parsed
    check_formula(parsed, R)
    with pytest.raises(RuleError, match="不是金额"):
        check_formula(parse_formula({"base": {"kind": "rate", "of": "employees", "rate": "1"}}), R)
    with pytest.raises(RuleError, match="优先级不能重复"):
        parse_formula(
            {**FORMULA, "exceptions": [FORMULA["exceptions"][0], {**FORMULA["exceptions"][1], "priority": 2}]}
        )
    with pytest.raises(RuleError, match=r"公式.base.tiers\[1\]: 档次须首尾相接"):
        parse_formula(
            {
                "base": {
                    "kind": "tiers",
                    "of": "fee",
                    "tiers": [{"from": "0", "to": "10", "rate": "0.1"}, {"from": "20", "to": None, "rate": "0.1"}],
                }
            }
        )


def test_overlap_warnings() -> None:
    warnings = overlapping_exceptions(parse_formula(FORMULA), R)
    assert len(warnings) == 1
    assert "「新能源电池」与「机器换人」可能同时适用于同一企业" in warnings[0]
    exclusive = {
        "base": {"kind": "fixed", "amount": "1"},
        "exceptions": [
            {
                "priority": 1,
                "label": "大",
                "clause": "x",
                "when": {"var": "revenue", "op": "ge", "value": "100", "clause": "x"},
                "cap": "1",
            },
            {
                "priority": 2,
                "label": "小",
                "clause": "x",
                "when": {"all": [{"var": "revenue", "op": "lt", "value": "100", "clause": "x"}]},
                "cap": "2",
            },
            {
                "priority": 3,
                "label": "规下",
                "clause": "x",
                "when": {"var": "scale", "op": "eq", "value": "below", "clause": "x"},
                "cap": "3",
            },
        ],
    }
    warnings = overlapping_exceptions(parse_formula(exclusive), R)
    assert [w.split(",")[0] for w in warnings] == [
        "例外「大」与「规下」可能同时适用于同一企业",
        "例外「小」与「规下」可能同时适用于同一企业",
    ]


def test_pool_pro_rata_uses_the_pool_exactly() -> None:
    claims = [("a", 300_00, 1), ("b", 300_00, 2), ("c", 300_00, 3)]
    paid = allocate_pool(claims, 500_00, "pro_rata")
    assert sum(paid.values()) == 500_00
    assert paid == {"a": 16667, "b": 16667, "c": 16666}
    assert allocate_pool(claims, 10_000_00, "pro_rata") == {"a": 300_00, "b": 300_00, "c": 300_00}


def test_pool_first_come() -> None:
    claims = [
        ("late", 300_00, dt.date(2026, 3, 1)),
        ("early", 400_00, dt.date(2026, 1, 1)),
        ("mid", 200_00, dt.date(2026, 2, 1)),
    ]
    assert allocate_pool(claims, 500_00, "first_come") == {"late": 0, "early": 400_00, "mid": 100_00}
    with pytest.raises(RuleError):
        allocate_pool(claims, 500_00, "lottery")
