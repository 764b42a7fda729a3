"""Parsing, three-valued evaluation and explanations of eligibility rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingshang.rules import Period, RuleError, Verdict, check_rule, evaluate, parse_rule, rule_to_json

from .registry_fixture import make_registry

R = make_registry()
D = dt.date(2026, 11, 20)


def leaf(var: str, op: str, value: object = None, clause: str = "第一条") -> dict:
    out: dict = {"var": var, "op": op, "clause": clause}
    if value is not None:
        out["value"] = value
    return out


def verdict(rule: dict, facts: dict, when: dt.date = D) -> Verdict:
    return evaluate(parse_rule(rule), facts, decision_date=when, registry=R).verdict


def test_round_trip() -> None:
    rule = {
        "all": [
            leaf("revenue", "ge", "2000"),
            {"not": leaf("dishonest", "is_true")},
            {"any": [leaf("scale", "in", ["above"]), leaf("founded", "within_last", {"years": 3})]},
            {
                "agg": "sum",
                "of": "loans",
                "field": "amount",
                "where": [{"var": "kind", "op": "eq", "value": "a"}],
                "window": {"months": 6},
                "op": "between",
                "value": ["1", "500000"],
                "clause": "第二条",
            },
        ]
    }
    assert rule_to_json(parse_rule(rule)) == rule
    check_rule(parse_rule(rule), R)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"all": [leaf("revenue", "ge", "abc")]}, "规则.all[0].value: 「abc」不是有效的数字"),
        (
            {"all": [{"var": "revenue", "op": "ge", "value": "1"}]},
            "规则.all[0]: 每个条件都须注明所依据的政策条款(clause)",
        ),
        ({"any": [leaf("revenue", "like", "1")]}, "规则.any[0]: 不支持的比较方式「like」"),
        ({"not": leaf("founded", "within_last", {"weeks": 2})}, "规则.not.value"),
        ({"all": [leaf("revenue", "between", ["5", "1"])]}, "区间下限大于上限"),
        ({"foo": 1}, "无法识别的条件"),
    ],
)
def test_parse_errors_name_the_path(rule: dict, message: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rule(rule)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (leaf("nope", "eq", "1"), "未登记的变量「nope」"),
        (leaf("dishonest", "ge", "1"), "「失信被执行人」不能使用比较方式 ge"),
        (leaf("scale", "eq", "huge"), "「企业规模」没有选项「huge」"),
        ({"agg": "sum", "of": "loans", "field": "kind", "op": "ge", "value": "1", "clause": "x"}, "不是数值,不能求和"),
    ],
)
def test_check_against_registry(rule: dict, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        check_rule(parse_rule(rule), R)


def test_missing_is_unknown_never_false() -> None:
    rule = {"all": [leaf("revenue", "ge", "2000"), leaf("dishonest", "is_false")]}
    evaluation = evaluate(parse_rule(rule), {"dishonest": False}, decision_date=D, registry=R)
    assert evaluation.verdict is Verdict.UNKNOWN
    assert evaluation.missing == ["营业收入"]
    assert "需补充信息: 营业收入" in evaluation.tree.children[0].text
    # A rule that fails on a known fact is FALSE whatever else is missing, and asks for nothing.
    failed = evaluate(parse_rule(rule), {"dishonest": True}, decision_date=D, registry=R)
    assert failed.verdict is Verdict.FALSE
    assert failed.missing == []


def test_kleene_logic() -> None:
    unknown, true, false = leaf("revenue", "ge", "1"), leaf("dishonest", "is_false"), leaf("dishonest", "is_true")
    facts = {"dishonest": False}
    assert verdict({"any": [unknown, true]}, facts) is Verdict.TRUE
    assert verdict({"any": [unknown, false]}, facts) is Verdict.UNKNOWN
    assert verdict({"all": [unknown, false]}, facts) is Verdict.FALSE
    assert verdict({"not": unknown}, facts) is Verdict.UNKNOWN
    assert verdict({"all": []}, facts) is Verdict.TRUE
    assert verdict({"any": []}, facts) is Verdict.FALSE


def test_explanation_tree_in_words() -> None:
    rule = {"all": [leaf("revenue", "ge", "2000", "第三条"), leaf("scale", "eq", "above", "第一条")]}
    evaluation = evaluate(parse_rule(rule), {"revenue": Decimal("2350"), "scale": "below"}, decision_date=D, registry=R)
    first, second = evaluation.tree.children
    assert first.text == "营业收入 2,350 万元:营业收入 ≥ 2,000 万元 ✓"
    assert first.clause == "第三条"
    assert second.text == "企业规模 = 规上(实际:规下)✗"
    assert evaluation.verdict is Verdict.FALSE


def test_near_miss_sentences() -> None:
    rule = {"all": [leaf("equipment", "ge", "500"), leaf("employees", "le", "100")]}
    evaluation = evaluate(
        parse_rule(rule), {"equipment": Decimal("480"), "employees": 130}, decision_date=D, registry=R
    )
    assert evaluation.near_misses == ["生产性设备投资还差 20 万元", "从业人数超出 30 人"]
    assert evaluation.is_near_miss  # both within 30% of the threshold
    far = evaluate(parse_rule(rule), {"equipment": Decimal("100"), "employees": 10}, decision_date=D, registry=R)
    assert far.near_misses == ["生产性设备投资还差 400 万元"]
    assert not far.is_near_miss
    # A near miss of a condition that also fails on a non-numeric one is no near miss.
    other = {"all": [leaf("equipment", "ge", "500"), leaf("dishonest", "is_false")]}
    blocked = evaluate(parse_rule(other), {"equipment": Decimal("480"), "dishonest": True}, decision_date=D, registry=R)
    assert not blocked.is_near_miss


def test_within_last_is_relative_to_the_decision_date() -> None:
    rule = leaf("founded", "within_last", {"years": 3})
    assert verdict(rule, {"founded": dt.date(2023, 11, 21)}) is Verdict.TRUE
    assert verdict(rule, {"founded": dt.date(2023, 11, 20)}) is Verdict.FALSE  # exactly 3 years: outside
    assert verdict(rule, {"founded": dt.date(2026, 11, 21)}) is Verdict.FALSE  # after the decision date
    assert Period("years", 1).start_before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert Period("months", 1).start_before(dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)
    assert Period("days", 30).start_before(dt.date(2026, 3, 1)) == dt.date(2026, 1, 30)


def test_tags_and_text() -> None:
    assert verdict(leaf("quals", "in", ["高新技术企业", "瞪羚企业"]), {"quals": {"瞪羚企业"}}) is Verdict.TRUE
    assert verdict(leaf("quals", "not_in", ["高新技术企业"]), {"quals": set()}) is Verdict.TRUE
    assert verdict(leaf("code", "starts_with", ["13", "38"]), {"code": "3841"}) is Verdict.TRUE
    assert verdict(leaf("code", "starts_with", ["13"]), {}) is Verdict.UNKNOWN


def test_aggregates_over_records() -> None:
    rows = [
        {"kind": "a", "amount": Decimal("300000"), "granted_on": dt.date(2026, 5, 1)},
        {"kind": "a", "amount": Decimal("250000"), "granted_on": dt.date(2024, 5, 1)},
        {"kind": "b", "amount": Decimal("900000"), "granted_on": dt.date(2026, 6, 1)},
    ]
    in_year = {"agg": "sum", "of": "loans", "field": "amount", "where": [{"var": "kind", "op": "eq", "value": "a"}]}
    rule = {**in_year, "window": {"years": 1}, "op": "ge", "value": "500000", "clause": "第二条"}
    evaluation = evaluate(parse_rule(rule), {"loans": rows}, decision_date=D, registry=R)
    assert evaluation.verdict is Verdict.FALSE
    assert evaluation.near_misses == ["近1年贷款(贷款类型 = 甲类)贷款金额合计还差 200,000 元"]
    assert verdict({**in_year, "op": "ge", "value": "550000", "clause": "x"}, {"loans": rows}) is Verdict.TRUE
    count = {"agg": "count", "of": "loans", "op": "eq", "value": "3", "clause": "x"}
    assert verdict(count, {"loans": rows}) is Verdict.TRUE
    none = {
        "not": {"agg": "exists", "of": "loans", "where": [{"var": "kind", "op": "eq", "value": "b"}], "clause": "x"}
    }
    assert verdict(none, {"loans": rows}) is Verdict.FALSE
    assert verdict(none, {"loans": []}) is Verdict.TRUE
    # Records not supplied at all: unknown, with the relation named.
    evaluation = evaluate(parse_rule(none), {}, decision_date=D, registry=R)
    assert evaluation.verdict is Verdict.UNKNOWN
    assert evaluation.missing == ["贷款"]


class _Reads(dict[str, object]):
    """Facts that remember which keys a rule looked at."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.read: list[str] = []

    def get(self, key: str, default: object = None) -> object:
        self.read.append(key)
        return super().get(key, default)


def test_the_screen_tests_the_decisive_cheap_conditions_first() -> None:
    """A policy plainly not met is dropped on a flag without adding up the enterprise's records, whatever the order
    the author wrote the conditions in; the verdict is the same in any order."""
    from yingshang.rules import screen_function

    records = {"agg": "sum", "of": "loans", "field": "amount", "op": "ge", "value": "100", "clause": "第三条"}
    written = {"all": [records, leaf("revenue", "ge", "2000"), {"not": leaf("dishonest", "is_true")}]}
    facts = _Reads(revenue=Decimal("10"), dishonest=True, loans=[{"kind": "a", "amount": Decimal("500")}])
    assert screen_function(parse_rule(written), R)(facts, D) is False
    assert facts.read == ["dishonest"]
    honest = _Reads(revenue=Decimal("1990"), dishonest=False, loans=[{"kind": "a", "amount": Decimal("500")}])
    assert screen_function(parse_rule(written), R)(honest, D) is True  # a near miss on revenue, still listed
    assert honest.read == ["dishonest", "revenue", "loans"]
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        rule = {"all": [written["all"][i] for i in order]}
        assert verdict(rule, {"revenue": Decimal("2500"), "dishonest": False, "loans": []}) is Verdict.FALSE
        assert verdict(rule, {"revenue": Decimal("2500"), "dishonest": False}) is Verdict.UNKNOWN
