"""The demo's other district policies as rules, formulas and test cases (from their policy texts). The real policies
of the seed report (the 技改 equipment subsidy and the six loan interest subsidies) are encoded once, in
`yingshang.policies.engine.seed_policies`; `policies.py` publishes both."""

from __future__ import annotations

from typing import Any

from yingshang.policies.engine.seed_policies import ROUNDING, case, leaf

# ---- other district policies -----------------------------------------------------------------------------------


def _award(title: str, department: str, qualification: str, amount: str, *, summary: str, doc: str) -> dict[str, Any]:
    return {
        "title": title,
        "department": department,
        "issuing": "",
        "summary": summary,
        "category": "recognition",
        "auto_grant": True,
        "doc": doc,
        "rule": {
            "all": [
                leaf("qualifications", "in", [qualification], "认定条件"),
                leaf("is_dishonest_executee", "is_false", None, "信用条件"),
            ]
        },
        "formula": {"base": {"kind": "fixed", "amount": amount}, "rounding": ROUNDING},
        "cases": [
            case(
                f"获{qualification}认定:奖励{int(amount) // 10000}万元",
                {"qualifications": qualification, "is_dishonest_executee": "否"},
                "eligible",
                amount,
            ),
            case("未获认定", {"qualifications": "科技型中小企业", "is_dishonest_executee": "否"}, "ineligible"),
            case(
                "失信被执行人不予奖励", {"qualifications": qualification, "is_dishonest_executee": "是"}, "ineligible"
            ),
        ],
    }


OTHER_POLICIES: list[dict[str, Any]] = [
    _award(
        "高新技术企业认定奖励",
        "KJJ",
        "高新技术企业",
        "100000",
        doc="东科发〔2024〕5号",
        summary="对新认定的高新技术企业一次性奖励10万元(免申即享)。",
    ),
    _award(
        "专精特新“小巨人”企业奖励",
        "JXJ",
        '专精特新"小巨人"',
        "500000",
        doc="东经信发〔2024〕12号",
        summary="对新认定的国家级专精特新“小巨人”企业一次性奖励50万元(免申即享)。",
    ),
    _award(
        "省级专精特新中小企业奖励",
        "JXJ",
        "专精特新中小企业",
        "100000",
        doc="东经信发〔2024〕12号",
        summary="对新认定的省级专精特新中小企业一次性奖励10万元(免申即享)。",
    ),
    _award(
        "制造业单项冠军企业奖励",
        "JXJ",
        "制造业单项冠军",
        "300000",
        doc="东经信发〔2024〕12号",
        summary="对新认定的省级及以上制造业单项冠军企业一次性奖励30万元(免申即享)。",
    ),
    {
        "title": "企业研发投入奖补",
        "department": "KJJ",
        "issuing": "区科学技术局",
        "category": "subsidy",
        "summary": "年研发投入100万元以上的企业,按研发投入的10%给予奖补,最高50万元。",
        "rule": {
            "all": [leaf("rd_spend", "ge", "100", "第二条"), leaf("is_dishonest_executee", "is_false", None, "第五条")]
        },
        "formula": {"base": {"kind": "rate", "of": "rd_spend", "rate": "0.10"}, "cap": "500000", "rounding": ROUNDING},
        "cases": [
            case(
                "研发投入300万元:奖补30万元", {"rd_spend": "300", "is_dishonest_executee": "否"}, "eligible", "300000"
            ),
            case(
                "研发投入800万元:80万元,封顶50万元",
                {"rd_spend": "800", "is_dishonest_executee": "否"},
                "eligible",
                "500000",
            ),
            case("研发投入80万元:未达100万元", {"rd_spend": "80", "is_dishonest_executee": "否"}, "ineligible"),
        ],
    },
    {
        "title": "纳税贡献奖励",
        "department": "CZJ",
        "issuing": "区财政局、国家税务总局荆门市东宝区税务局",
        "category": "subsidy",
        "summary": "上年度纳税额1000万元至3000万元的企业奖励10万元,3000万元以上的奖励30万元。",
        "rule": {
            "all": [leaf("tax_paid", "ge", "1000", "第三条"), leaf("is_abnormal_operation", "is_false", None, "第六条")]
        },
        "formula": {
            "base": {
                "kind": "tiers",
                "of": "tax_paid",
                "mode": "bracket",
                "tiers": [
                    {"from": "10000000", "to": "30000000", "amount": "100000"},
                    {"from": "30000000", "to": None, "amount": "300000"},
                ],
            },
            "rounding": ROUNDING,
        },
        "cases": [
            case("纳税1500万元:奖励10万元", {"tax_paid": "1500", "is_abnormal_operation": "否"}, "eligible", "100000"),
            case("纳税3500万元:奖励30万元", {"tax_paid": "3500", "is_abnormal_operation": "否"}, "eligible", "300000"),
            case("纳税800万元:不符合", {"tax_paid": "800", "is_abnormal_operation": "否"}, "ineligible"),
        ],
    },
    {
        "title": "规上工业企业稳岗扩产奖励",
        "department": "RSJ",
        "issuing": "区人力资源和社会保障局",
        "category": "subsidy",
        "summary": "从业人数100人以上、营业收入2000万元以上的规上工业企业,按营业收入的0.5‰给予稳岗奖励,最高20万元。",
        "rule": {
            "all": [
                leaf("four_up_category", "eq", "industry", "第一条"),
                leaf("employees", "ge", "100", "第一条"),
                leaf("annual_revenue", "ge", "2000", "第一条"),
            ]
        },
        "formula": {
            "base": {"kind": "rate", "of": "annual_revenue", "rate": "0.0005"},
            "cap": "200000",
            "rounding": {"unit": "yuan", "mode": "down"},
        },
        "cases": [
            case(
                "营业收入1亿元、200人:奖励5万元",
                {"four_up_category": "规上工业", "employees": "200", "annual_revenue": "10000"},
                "eligible",
                "50000",
            ),
            case(
                "从业人数80人:不符合",
                {"four_up_category": "规上工业", "employees": "80", "annual_revenue": "10000"},
                "ineligible",
            ),
        ],
    },
    {
        "title": "中小企业数字化转型补助",
        "department": "JXJ",
        "issuing": "区经济和信息化局",
        "category": "subsidy",
        "summary": "制造业中小企业实施数字化改造,按改造投入(以生产性设备投资计)的20%补助,最高30万元。",
        "rule": {
            "all": [
                leaf("is_manufacturing", "is_true", None, "第一条"),
                leaf("scale", "eq", "below", "第一条"),
                leaf("equipment_investment", "ge", "50", "第三条"),
            ]
        },
        "formula": {
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.20"},
            "cap": "300000",
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "改造投入100万元:补助20万元",
                {"is_manufacturing": "是", "scale": "规下", "equipment_investment": "100"},
                "eligible",
                "200000",
            ),
            case(
                "改造投入200万元:40万元,封顶30万元",
                {"is_manufacturing": "是", "scale": "规下", "equipment_investment": "200"},
                "eligible",
                "300000",
            ),
        ],
    },
    {
        "title": "科技型中小企业评价入库奖励",
        "department": "KJJ",
        "issuing": "区科学技术局",
        "category": "recognition",
        "summary": "首次通过科技型中小企业评价入库的企业奖励2万元。",
        "auto_grant": True,
        "rule": {"all": [leaf("qualifications", "in", ["科技型中小企业"], "第一条")]},
        "formula": {"base": {"kind": "fixed", "amount": "20000"}, "rounding": ROUNDING},
        "cases": [case("已入库:奖励2万元", {"qualifications": "科技型中小企业"}, "eligible", "20000")],
    },
]
