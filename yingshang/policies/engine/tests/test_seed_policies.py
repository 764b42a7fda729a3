"""The seed report's policies give the amounts the text implies for hand-made enterprises: the very specs the demo
publishes, evaluated by the engine alone."""

from __future__ import annotations

import pytest

from yingshang.policies.engine import REGISTRY, facts_from_input
from yingshang.policies.engine.seed_policies import CASE_DATE, SEED_POLICIES, TECH_BASE_FACTS, TECH_RENEWAL
from yingshang.rules import (
    Verdict,
    check_formula,
    check_rule,
    compute_benefit,
    evaluate,
    overlapping_exceptions,
    parse_formula,
    parse_rule,
)

VERDICTS = {"eligible": Verdict.TRUE, "ineligible": Verdict.FALSE, "unknown": Verdict.UNKNOWN}

CASES = [(p["title"], c) for p in SEED_POLICIES for c in p["cases"]]


@pytest.mark.parametrize(("title", "case"), CASES, ids=[c["name"] for _, c in CASES])
def test_seed_case(title: str, case: dict) -> None:
    policy = next(p for p in SEED_POLICIES if p["title"] == title)
    rule, formula = parse_rule(policy["rule"]), parse_formula(policy["formula"])
    check_rule(rule, REGISTRY)
    check_formula(formula, REGISTRY)
    facts = facts_from_input(case["facts"])
    evaluation = evaluate(rule, facts, decision_date=CASE_DATE, registry=REGISTRY)
    assert evaluation.verdict is VERDICTS[case["expected_verdict"]], evaluation.tree.to_json()
    if case["expected_amount_fen"] is not None:
        benefit = compute_benefit(formula, facts, decision_date=CASE_DATE, registry=REGISTRY)
        assert benefit.amount_fen == case["expected_amount_fen"], benefit.steps


def test_tech_renewal_near_miss_in_words() -> None:
    facts = facts_from_input({**TECH_BASE_FACTS, "equipment_investment": "480"})
    evaluation = evaluate(parse_rule(TECH_RENEWAL["rule"]), facts, decision_date=CASE_DATE, registry=REGISTRY)
    assert evaluation.verdict is Verdict.FALSE
    assert evaluation.near_misses == ["生产性设备投资额(实际完成)还差 20 万元"]
    assert evaluation.is_near_miss


def test_tech_renewal_missing_fact_named() -> None:
    facts = facts_from_input({k: v for k, v in TECH_BASE_FACTS.items() if k != "equipment_investment"})
    evaluation = evaluate(parse_rule(TECH_RENEWAL["rule"]), facts, decision_date=CASE_DATE, registry=REGISTRY)
    assert evaluation.verdict is Verdict.UNKNOWN
    assert evaluation.missing == ["生产性设备投资额(实际完成)"]
    assert "需补充信息: 生产性设备投资额(实际完成)" in str(evaluation.tree.to_json())


def test_tech_renewal_amount_unknown_while_robot_question_open() -> None:
    """An enterprise that has not said whether its project is 机器换人 gets a range, not a wrong figure."""
    raw = {k: v for k, v in TECH_BASE_FACTS.items() if k != "robot_replacement_project"}
    facts = facts_from_input({**raw, "equipment_investment": "4500"})
    benefit = compute_benefit(parse_formula(TECH_RENEWAL["formula"]), facts, decision_date=CASE_DATE, registry=REGISTRY)
    assert benefit.amount_fen is None
    assert benefit.range_fen == (400_000_000, 450_000_000)
    assert "以“机器换人”为主的智能化技术改造项目" in benefit.missing
    # 1500万 of investment: 10% is 150万 under either cap, so the open question does not matter.
    facts = facts_from_input(raw)
    benefit = compute_benefit(parse_formula(TECH_RENEWAL["formula"]), facts, decision_date=CASE_DATE, registry=REGISTRY)
    assert benefit.amount_fen == 150_000_000


def test_tech_renewal_overlap_warnings() -> None:
    warnings = overlapping_exceptions(parse_formula(TECH_RENEWAL["formula"]), REGISTRY)
    assert any("「以“机器换人”为主的智能化技术改造项目」与「新能源动力储能电池行业企业」" in w for w in warnings)


def test_battery_rate_follows_the_industry_not_the_chain() -> None:
    """The text says 电池行业企业: a component maker in the battery chain gets 10%, a lithium cell maker 12%."""
    formula = parse_formula(TECH_RENEWAL["formula"])
    chain_member = facts_from_input(
        {**TECH_BASE_FACTS, "industry_code": "3971", "industry_chains": ["新能源电池"], "equipment_investment": "2000"}
    )
    cell_maker = facts_from_input({**TECH_BASE_FACTS, "industry_code": "3841", "equipment_investment": "2000"})
    assert compute_benefit(formula, chain_member, decision_date=CASE_DATE, registry=REGISTRY).amount_fen == 200_000_000
    assert compute_benefit(formula, cell_maker, decision_date=CASE_DATE, registry=REGISTRY).amount_fen == 240_000_000
