"""The real policies of the seed report (东宝区 press conference, seeds/000), encoded in the rule language.

Each entry: rule, formula and test cases taken from the text (facts as a person would type them in the calculator
→ expected verdict and amount in fen). The demo loader and the tests use the same data.
"""

from __future__ import annotations

from typing import Any

_TECH = "《工业领域技术改造和设备更新申报注意事项》"


def _violations_none(kinds: list[str], clause: str, severity: str | None = None) -> dict[str, Any]:
    where: list[dict[str, Any]] = [{"var": "kind", "op": "in", "value": kinds}]
    if severity:
        where.append({"var": "severity", "op": "eq", "value": severity})
    return {"not": {"agg": "exists", "of": "violations", "where": where, "window": {"years": 3}, "clause": clause}}


TECH_RENEWAL_RULE: dict[str, Any] = {
    "all": [
        {"var": "is_manufacturing", "op": "is_true", "clause": "第一条:制造业企业"},
        {
            "any": [
                {"var": "scale", "op": "eq", "value": "above", "clause": "第一条:规模以上"},
                {"var": "scale_cultivation", "op": "is_true", "clause": "第一条:拟进规培育的制造业企业"},
            ]
        },
        {"var": "pays_tax_in_district", "op": "is_true", "clause": "第一条:在东宝区注册、纳税"},
        {"var": "independent_legal_person", "op": "is_true", "clause": "第一条:具有独立法人资格"},
        _violations_none(["fiscal_fund"], "第二条:3年内财政资金项目未出现违法违规行为"),
        _violations_none(["quality", "safety", "environment"], "第二条:近3年质量、安全、环保未发生重大问题", "major"),
        {"var": "is_dishonest_executee", "op": "is_false", "clause": "第二条:企业法人未纳入失信被执行人名单"},
        {"var": "project_fits_industrial_policy", "op": "is_true", "clause": "第三条:符合国家、省及我市产业政策"},
        {
            "var": "equipment_investment",
            "op": "ge",
            "value": "500",
            "clause": "第四条:生产性设备投资实际完成500万元以上",
        },
        {"var": "construction_period_months", "op": "le", "value": "36", "clause": "第五条:有效建设期不超过3年"},
        {"var": "equipment_bought_in_period", "op": "is_true", "clause": "第五条:设备购置时间在有效建设期内"},
        {"var": "project_previously_funded", "op": "is_false", "clause": "第六条:已获财政投资类资金支持的不再重复支持"},
    ]
}

_BATTERY = {"var": "industry_chains", "op": "in", "value": ["新能源电池"], "clause": "新能源动力储能电池行业企业"}
_ROBOT = {"var": "robot_replacement_project", "op": "is_true", "clause": "以“机器换人”为主的智能化技术改造项目"}

TECH_RENEWAL_FORMULA: dict[str, Any] = {
    "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.10"},
    "cap": "4000000",
    "clause": "按照生产性设备购置额的10%给予补助,单个项目不超过400万元",
    "exceptions": [
        {
            "priority": 1,
            "label": "新能源动力储能电池企业的“机器换人”项目",
            "clause": "补贴标准为12%;“机器换人”项目单个最高不超过500万元",
            "when": {"all": [_BATTERY, _ROBOT]},
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.12"},
            "cap": "5000000",
        },
        {
            "priority": 2,
            "label": "“机器换人”智能化技术改造项目",
            "clause": "以“机器换人”为主的智能化技术改造项目单个最高不超过500万元",
            "when": _ROBOT,
            "cap": "5000000",
        },
        {
            "priority": 3,
            "label": "新能源动力储能电池行业企业",
            "clause": "新能源动力储能电池行业企业,补贴标准为12%",
            "when": _BATTERY,
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.12"},
        },
    ],
    "rounding": {"unit": "fen", "mode": "half_up"},
}

# A manufacturer above scale meeting every condition; cases change one fact at a time.
TECH_BASE_FACTS: dict[str, Any] = {
    "is_manufacturing": "是",
    "scale": "above",
    "pays_tax_in_district": "是",
    "independent_legal_person": "是",
    "violations": [],
    "is_dishonest_executee": "否",
    "project_fits_industrial_policy": "是",
    "equipment_investment": "1500",
    "construction_period_months": "24",
    "equipment_bought_in_period": "是",
    "project_previously_funded": "否",
    "robot_replacement_project": "否",
    "industry_chains": ["装备制造"],
}


def _case(name: str, verdict: str, amount_fen: int | None, **changes: Any) -> dict[str, Any]:
    facts = {**TECH_BASE_FACTS, **changes}
    for key in [k for k, v in facts.items() if v is None]:
        del facts[key]
    return {"name": name, "facts": facts, "expected_verdict": verdict, "expected_amount_fen": amount_fen}


TECH_RENEWAL_CASES = [
    _case("设备投资1500万元,按10%补助150万元", "eligible", 150_000_000),
    _case("设备投资5000万元,10%为500万元,按上限400万元", "eligible", 400_000_000, equipment_investment="5000"),
    _case(
        "电池企业设备投资3000万元,按12%补助360万元",
        "eligible",
        360_000_000,
        equipment_investment="3000",
        industry_chains=["新能源电池"],
    ),
    _case(
        "电池企业设备投资4000万元,12%为480万元,按上限400万元",
        "eligible",
        400_000_000,
        equipment_investment="4000",
        industry_chains=["新能源电池"],
    ),
    _case(
        "机器换人项目设备投资4500万元,补助450万元",
        "eligible",
        450_000_000,
        equipment_investment="4500",
        robot_replacement_project="是",
    ),
    _case(
        "机器换人项目设备投资6000万元,按上限500万元",
        "eligible",
        500_000_000,
        equipment_investment="6000",
        robot_replacement_project="是",
    ),
    _case(
        "电池企业机器换人项目4000万元,按12%补助480万元",
        "eligible",
        480_000_000,
        equipment_investment="4000",
        robot_replacement_project="是",
        industry_chains=["新能源电池"],
    ),
    _case("恰好500万元,补助50万元", "eligible", 50_000_000, equipment_investment="500"),
    _case("设备投资480万元,不足500万元", "ineligible", None, equipment_investment="480"),
    _case("拟进规培育的规下制造业企业可以申报", "eligible", 150_000_000, scale="below", scale_cultivation="是"),
    _case("规下且未纳入培育库", "ineligible", None, scale="below", scale_cultivation="否"),
    _case("非制造业企业", "ineligible", None, is_manufacturing="否"),
    _case("建设期40个月,超过3年", "ineligible", None, construction_period_months="40"),
    _case("已获市级财政投资类资金支持", "ineligible", None, project_previously_funded="是"),
    _case("法人为失信被执行人", "ineligible", None, is_dishonest_executee="是"),
    _case(
        "两年前发生重大安全事故",
        "ineligible",
        None,
        violations=[{"kind": "safety", "severity": "major", "occurred_on": "2024-03-01"}],
    ),
    _case(
        "五年前的重大环保问题不影响(近3年)",
        "eligible",
        150_000_000,
        violations=[{"kind": "environment", "severity": "major", "occurred_on": "2020-03-01"}],
    ),
    _case("未填写设备投资额:待补充信息", "unknown", None, equipment_investment=None),
]


def _loan_sum(
    kind: str, *, window: dict[str, int] | None = None, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "agg": "sum",
        "of": "loans",
        "field": "amount",
        "where": [{"var": "kind", "op": "eq", "value": kind}, *(extra or [])],
    }
    if window:
        out["window"] = window
    return out


def _has_loan(kind: str, clause: str, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "agg": "exists",
        "of": "loans",
        "where": [{"var": "kind", "op": "eq", "value": kind}, *(extra or [])],
        "window": {"years": 1},
        "clause": clause,
    }


LOAN_POLICIES: list[dict[str, Any]] = [
    {
        "title": "创业担保贷款贴息",
        "department": "区人社局",
        "rule": {
            "all": [
                _has_loan("startup_guarantee", "小微企业最高可申请500万元创业担保贷款"),
                {
                    "agg": "count",
                    "of": "loans",
                    "where": [{"var": "kind", "op": "eq", "value": "startup_guarantee"}],
                    "window": {"years": 9},
                    "op": "le",
                    "value": "3",
                    "clause": "累计贴息不超过3次,最长不超过9年",
                },
            ]
        },
        "formula": {
            "base": {
                "kind": "rate",
                "of": {
                    "agg": "sum",
                    "of": "loans",
                    "field": "interest",
                    "where": [{"var": "kind", "op": "eq", "value": "startup_guarantee"}],
                    "window": {"years": 1},
                },
                "rate": "0.5",
            },
            "clause": "财政按实际利率50%给予贴息",
        },
        "cases": [
            {
                "name": "500万元贷款实付利息15万元,贴息7.5万元",
                "facts": {
                    "loans": [
                        {
                            "kind": "startup_guarantee",
                            "amount": "5000000",
                            "interest": "150000",
                            "granted_on": "2026-03-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ]
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 7_500_000,
            },
            {
                "name": "没有创业担保贷款",
                "facts": {"loans": []},
                "expected_verdict": "ineligible",
                "expected_amount_fen": None,
            },
        ],
    },
    {
        "title": "知识产权质押融资贷款贴息",
        "department": "区市场监管局",
        "rule": _has_loan("ip_pledge", "以专利、商标等知识产权质押贷款"),
        "formula": {
            "base": {
                "kind": "sum",
                "parts": [
                    {"kind": "rate", "of": _loan_sum("ip_pledge", window={"years": 1}), "rate": "0.01"},
                    {"kind": "rate", "of": "ip_evaluation_fee", "rate": "1"},
                ],
            },
            "cap": "200000",
            "clause": "贷款金额1%的贴息,全额补贴评估费用,贴息和评估费总额最高不超过20万元",
        },
        "cases": [
            {
                "name": "质押贷款800万元、评估费3万元,补贴11万元",
                "facts": {
                    "ip_evaluation_fee": "30000",
                    "loans": [
                        {
                            "kind": "ip_pledge",
                            "amount": "8000000",
                            "interest": "280000",
                            "granted_on": "2026-06-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 11_000_000,
            },
            {
                "name": "质押贷款2000万元、评估费5万元,按上限20万元",
                "facts": {
                    "ip_evaluation_fee": "50000",
                    "loans": [
                        {
                            "kind": "ip_pledge",
                            "amount": "20000000",
                            "interest": "700000",
                            "granted_on": "2026-06-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 20_000_000,
            },
        ],
    },
    {
        "title": "设备更新贷款贴息",
        "department": "区经信局",
        "rule": {
            "all": [
                {"var": "in_equipment_renewal_list", "op": "is_true", "clause": "实施设备更新行动并纳入备选项目清单"},
                _has_loan(
                    "equipment_renewal",
                    "银行发放的贷款获得人民银行再贷款支持",
                    [{"var": "pboc_relending", "op": "is_true"}],
                ),
            ]
        },
        "formula": {
            "base": {
                "kind": "rate",
                "of": _loan_sum(
                    "equipment_renewal", window={"years": 1}, extra=[{"var": "pboc_relending", "op": "is_true"}]
                ),
                "rate": "0.015",
            },
            "clause": "可获得贷款金额1.5%的贴息",
        },
        "cases": [
            {
                "name": "再贷款支持的设备更新贷款1000万元,贴息15万元",
                "facts": {
                    "in_equipment_renewal_list": "是",
                    "loans": [
                        {
                            "kind": "equipment_renewal",
                            "amount": "10000000",
                            "interest": "300000",
                            "granted_on": "2026-05-10",
                            "pboc_relending": "是",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 15_000_000,
            },
            {
                "name": "贷款未获再贷款支持",
                "facts": {
                    "in_equipment_renewal_list": "是",
                    "loans": [
                        {
                            "kind": "equipment_renewal",
                            "amount": "10000000",
                            "interest": "300000",
                            "granted_on": "2026-05-10",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "ineligible",
                "expected_amount_fen": None,
            },
        ],
    },
    {
        "title": "新型农业经营主体贷款贴息",
        "department": "区农业农村局",
        "rule": {
            "all": [
                {
                    "var": "agri_entity_type",
                    "op": "in",
                    "value": ["leading_enterprise", "cooperative", "family_farm", "pig_farm"],
                    "clause": "省级及以上龙头企业、农民合作社、家庭农场、年出栏500头以上规模猪场",
                },
                _has_loan("agriculture", "通过湖北省新型农业经营主体管理平台申报贷款"),
            ]
        },
        "formula": {
            # The text gives a 1%–2% range without saying who gets which rate; the district pays 1% to all and
            # 2% to provincial leading enterprises (a documented local choice, adjustable by staff).
            "base": {"kind": "rate", "of": _loan_sum("agriculture", window={"years": 1}), "rate": "0.01"},
            "exceptions": [
                {
                    "priority": 1,
                    "label": "省级及以上农业产业化龙头企业",
                    "clause": "贷款金额1%-2%的贴息(龙头企业按2%)",
                    "when": {
                        "var": "agri_entity_type",
                        "op": "eq",
                        "value": "leading_enterprise",
                        "clause": "省级及以上农业产业化龙头企业",
                    },
                    "base": {"kind": "rate", "of": _loan_sum("agriculture", window={"years": 1}), "rate": "0.02"},
                }
            ],
            "clause": "申报贷款金额1%-2%的贴息",
        },
        "cases": [
            {
                "name": "合作社贷款200万元,贴息2万元",
                "facts": {
                    "agri_entity_type": "cooperative",
                    "loans": [
                        {
                            "kind": "agriculture",
                            "amount": "2000000",
                            "interest": "80000",
                            "granted_on": "2026-04-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 2_000_000,
            },
            {
                "name": "龙头企业贷款200万元,贴息4万元",
                "facts": {
                    "agri_entity_type": "leading_enterprise",
                    "loans": [
                        {
                            "kind": "agriculture",
                            "amount": "2000000",
                            "interest": "80000",
                            "granted_on": "2026-04-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 4_000_000,
            },
        ],
    },
    {
        "title": "电商企业贴息贷款",
        "department": "区商务局",
        "pool_budget_fen": 50_000_000,
        "allocation_rule": "pro_rata",
        "rule": {
            "all": [
                {"var": "online_sales", "op": "ge", "value": "500", "clause": "年网络销售额500万元以上电商企业"},
                _has_loan("ecommerce", "电商企业贴息贷款"),
            ]
        },
        "formula": {
            # 50% of the yearly average LPR (1-year LPR 2025: 3.0%) → 1.5% of the loan amount.
            "base": {"kind": "rate", "of": _loan_sum("ecommerce", window={"years": 1}), "rate": "0.015"},
            "cap": "50000",
            "clause": "给予同期LPR年算术平均值50%的贴息补助,每个企业年贴息补助不超过5万元,每年贴息总额不超过50万元",
        },
        "cases": [
            {
                "name": "网销800万元、贷款200万元,贴息3万元",
                "facts": {
                    "online_sales": "800",
                    "loans": [
                        {
                            "kind": "ecommerce",
                            "amount": "2000000",
                            "interest": "70000",
                            "granted_on": "2026-02-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 3_000_000,
            },
            {
                "name": "贷款500万元,贴息按每企业上限5万元",
                "facts": {
                    "online_sales": "1200",
                    "loans": [
                        {
                            "kind": "ecommerce",
                            "amount": "5000000",
                            "interest": "175000",
                            "granted_on": "2026-02-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 5_000_000,
            },
            {
                "name": "网销300万元,不足500万元",
                "facts": {
                    "online_sales": "300",
                    "loans": [
                        {
                            "kind": "ecommerce",
                            "amount": "2000000",
                            "interest": "70000",
                            "granted_on": "2026-02-01",
                            "pboc_relending": "否",
                            "first_loan": "否",
                        }
                    ],
                },
                "expected_verdict": "ineligible",
                "expected_amount_fen": None,
            },
        ],
    },
    {
        "title": "“301首贷户”贷款贴息",
        "department": "区财政局",
        "rule": _has_loan(
            "first_loan_301",
            "首次通过“3分钟申贷、0人工干预、1秒钟放款”模式获得贷款的首贷户",
            [{"var": "first_loan", "op": "is_true"}],
        ),
        "formula": {
            "base": {
                "kind": "rate",
                "of": _loan_sum("first_loan_301", window={"years": 1}, extra=[{"var": "first_loan", "op": "is_true"}]),
                "rate": "0.02",
            },
            "clause": "可享受贷款金额2%的贴息",
        },
        "cases": [
            {
                "name": "首贷30万元,贴息6000元",
                "facts": {
                    "loans": [
                        {
                            "kind": "first_loan_301",
                            "amount": "300000",
                            "interest": "9000",
                            "granted_on": "2026-07-01",
                            "pboc_relending": "否",
                            "first_loan": "是",
                        }
                    ]
                },
                "expected_verdict": "eligible",
                "expected_amount_fen": 600_000,
            },
        ],
    },
]

TECH_RENEWAL: dict[str, Any] = {
    "title": "工业领域技术改造和设备更新专项资金(设备购置补助)",
    "department": "区经信局",
    "rule": TECH_RENEWAL_RULE,
    "formula": TECH_RENEWAL_FORMULA,
    "cases": TECH_RENEWAL_CASES,
}

SEED_POLICIES: list[dict[str, Any]] = [TECH_RENEWAL, *LOAN_POLICIES]
# Decision date the cases are written for (loans granted in 2026 are "within the last year").
CASES_DECISION_DATE = "2026-11-20"
