"""The fact check a model's answer must pass: the same amount written another way passes, a different one is
caught however it is written (commas, 万元 vs 元, full-width digits, Chinese numerals, part of a larger number)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yingshang.assistant.facts import chinese_numeral_value, facts_in, unsupported_fact

SOURCE = (
    "个人最高可申请30万元贷款,小微企业最高不超过1,000万元。财政按实际利率的50%给予贴息,"
    "申请人须在2025年10月1日前提出申请,审核在5个工作日内完成,贷款期限最长三年。"
)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三十万", 300_000),
        ("十二", 12),
        ("一百零五", 105),
        ("两千", 2000),
        ("一亿五千万", 150_000_000),
        ("二〇二五", 2025),
        ("三点五", Decimal("3.5")),
    ],
)
def test_chinese_numerals_are_read_as_numbers(numeral, value):
    assert chinese_numeral_value(numeral) == Decimal(value)


@pytest.mark.parametrize(
    "answer",
    [
        "个人最高30万元。",
        "个人最高三十万元。",
        "个人最高300,000元。",
        "个人最高３０万元。",
        "个人最高 30 万元。",
        "个人最高30万。",
        "小微企业最高1000万元,贴息比例百分之五十。",
        "须在2025-10-01前申请。",
        "须在二〇二五年十月一日前申请。",
        "审核5工作日内完成,期限最长3年。",
        "依据第12条,个人最高30万元。",  # a clause reference is not an amount
    ],
)
def test_the_same_fact_written_another_way_passes(answer):
    assert unsupported_fact(answer, SOURCE) is None


@pytest.mark.parametrize(
    ("answer", "caught"),
    [
        ("个人最高三十五万元。", "三十五万元"),
        ("个人最高20万元。", "20万元"),
        ("个人最高0万元。", "0万元"),  # a tail of 30万元 is not 30万元
        ("小微企业最高100万元。", "100万元"),  # "100万元" is inside "1,000万元" once the comma goes
        ("个人最高300000万元。", "300000万元"),
        ("贴息比例百分之六十。", "百分之六十"),
        ("贴息比例5%。", "5%"),  # a tail of 50%
        ("须在2025年1月10日前申请。", "2025年1月10日"),
        ("审核在十个工作日内完成。", "十个工作日"),
        ("贷款期限最长五年。", "五年"),
        ("审核5天内完成。", "5天"),  # working days are not calendar days
    ],
)
def test_a_fact_the_passages_do_not_state_is_caught(answer, caught):
    fact = unsupported_fact(answer, SOURCE)
    assert fact is not None and fact.written == caught


def test_idioms_with_numerals_are_not_facts():
    assert facts_in("推行一网通办,同一天办结,实行一次性告知,三是优化流程。") == []
