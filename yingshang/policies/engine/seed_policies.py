"""The real policies of the seed report (东宝区 press conference, seeds/000), encoded once in the rule language: the
技改 equipment subsidy with its six conditions and amounts, and the six loan interest subsidies.

Each spec is what the demo loader publishes (`yingshang.demo.policies`: title, reviewing department code, texts,
rule, formula, materials) and what the engine tests evaluate: its test cases come from the text (facts as a person
would type them in the calculator → expected verdict and amount in fen), all judged on `CASE_DATE`. Publishing runs
them too, so a rule that drifts from its own cases cannot be published.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

# Test cases are judged on this date, so their "within the last year / three years" windows never drift.
CASE_DATE = date(2025, 6, 30)
ROUNDING = {"unit": "fen", "mode": "half_up"}
# 2024 one-year LPR: 3.45% Jan–Jun, 3.35% Jul–Sep, 3.10% Oct–Dec; arithmetic mean of the 12 monthly quotes 3.3375%.
LPR_2024_MEAN_HALF = "0.0166875"


def leaf(var: str, op: str, value: Any = None, clause: str = "") -> dict[str, Any]:
    node: dict[str, Any] = {"var": var, "op": op, "clause": clause}
    if value is not None:
        node["value"] = value
    return node


def case(name: str, facts: dict[str, Any], verdict: str, amount_yuan: str | None = None) -> dict[str, Any]:
    """A test case as the text states it: the amount in yuan, stored in fen."""
    amount_fen = None if amount_yuan is None else int(Decimal(amount_yuan) * 100)
    return {"name": name, "facts": facts, "expected_verdict": verdict, "expected_amount_fen": amount_fen}


def loans_of(kind: str, *, clause: str, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """ "Has a loan of this kind granted within the last year"."""
    where = [{"var": "kind", "op": "eq", "value": kind}, *(extra or [])]
    return {"agg": "exists", "of": "loans", "where": where, "window": {"years": 1}, "clause": clause}


def loan_sum(kind: str, field: str = "amount", extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    where = [{"var": "kind", "op": "eq", "value": kind}, *(extra or [])]
    return {"agg": "sum", "of": "loans", "field": field, "where": where, "window": {"years": 1}}


def loan(
    kind: str,
    amount: str,
    *,
    interest: str = "0",
    relending: bool = False,
    first: bool = False,
    granted_on: str = "2025-03-01",
) -> dict[str, str]:
    return {
        "kind": kind,
        "amount": amount,
        "interest": interest,
        "granted_on": granted_on,
        "pboc_relending": "是" if relending else "否",
        "first_loan": "是" if first else "否",
    }


# ---- 工业领域技术改造和设备更新:six conditions and the amounts ------------------------------------------------------

TECH_SOURCE = (
    "工业领域技术改造和设备更新申报注意事项。具体申报条件需要注意6点:第一,项目承担企业应在东宝区注册、纳税、具有独立"
    "法人资格的规模以上制造业企业,以及拟进规培育的制造业企业。第二,企业生产经营及财务管理规范,3年内获各级财政资金支持"
    "的项目在绩效评价、审计监督、财政检查中未出现违法违规行为,近3年在质量、安全、环保等方面未发生重大问题,企业法人未"
    "纳入失信被执行人名单。第三,申报项目为符合国家、省及我市产业政策的制造业企业技术改造和设备更新项目。第四,申报项目"
    "生产性设备投资实际完成500万元以上,原则上生产性设备投资2000万元及以上的制造业技术改造项目申报省级财政支持。第五,"
    "申报项目有效建设期不超过3年,企业项目生产性设备购置的时间应在有效建设期内。第六,已获得过国家、省级、市级财政投资类"
    "资金支持的项目,市级技改专项资金不再重复支持。具体政策为:专项资金采用设备购置补助方式,按照生产性设备购置额的10%给予"
    "补助(新能源动力储能电池行业企业,补贴标准为12%),单个项目不超过400万元,以“机器换人”为主的智能化技术改造项目单个"
    "最高不超过500万元,原则上鼓励生产性设备投资2000万元以上的技术改造项目申报省级财政支持。"
)


def _violations_none(kinds: list[str], clause: str, severity: str | None = None) -> dict[str, Any]:
    where: list[dict[str, Any]] = [{"var": "kind", "op": "in", "value": kinds}]
    if severity:
        where.append({"var": "severity", "op": "eq", "value": severity})
    return {"not": {"agg": "exists", "of": "violations", "where": where, "window": {"years": 3}, "clause": clause}}


TECH_RENEWAL_RULE: dict[str, Any] = {
    "all": [
        leaf("is_manufacturing", "is_true", None, "第一条:制造业企业"),
        {
            "any": [
                leaf("scale", "eq", "above", "第一条:规模以上"),
                leaf("scale_cultivation", "is_true", None, "第一条:拟进规培育的制造业企业"),
            ]
        },
        leaf("pays_tax_in_district", "is_true", None, "第一条:在东宝区注册、纳税"),
        leaf("independent_legal_person", "is_true", None, "第一条:具有独立法人资格"),
        _violations_none(["fiscal_fund"], "第二条:3年内财政资金项目未出现违法违规行为"),
        _violations_none(["quality", "safety", "environment"], "第二条:近3年质量、安全、环保未发生重大问题", "major"),
        leaf("is_dishonest_executee", "is_false", None, "第二条:企业法人未纳入失信被执行人名单"),
        leaf("project_fits_industrial_policy", "is_true", None, "第三条:符合国家、省及我市产业政策"),
        leaf("equipment_investment", "ge", "500", "第四条:生产性设备投资实际完成500万元以上"),
        leaf("construction_period_months", "le", "36", "第五条:有效建设期不超过3年"),
        leaf("equipment_bought_in_period", "is_true", None, "第五条:设备购置时间在有效建设期内"),
        leaf("project_previously_funded", "is_false", None, "第六条:已获财政投资类资金支持的不再重复支持"),
    ]
}

# The text names an industry (行业), not the district's battery chain: the chain also holds suppliers (electronic
# components, materials) that make no batteries. GB/T 4754 电池制造 narrowed to power and storage batteries:
# 3841 锂离子电池, 3842 镍氢电池, 3849 其他电池(钠离子、液流等); lead-acid (3843) and zinc-manganese (3844) are not 新能源.
BATTERY = leaf("industry_code", "in", ["3841", "3842", "3849"], "新能源动力储能电池行业企业")
ROBOT = leaf("robot_replacement_project", "is_true", None, "以“机器换人”为主的智能化技术改造项目")

TECH_RENEWAL_FORMULA: dict[str, Any] = {
    "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.10"},
    "cap": "4000000",
    "exceptions": [
        {
            "priority": 1,
            "label": "新能源动力储能电池行业的“机器换人”项目",
            "clause": "补贴标准为12%;“机器换人”项目单个最高不超过500万元",
            "when": {"all": [BATTERY, ROBOT]},
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.12"},
            "cap": "5000000",
        },
        {
            "priority": 2,
            "label": "以“机器换人”为主的智能化技术改造项目",
            "clause": "以“机器换人”为主的智能化技术改造项目单个最高不超过500万元",
            "when": ROBOT,
            "cap": "5000000",
        },
        {
            "priority": 3,
            "label": "新能源动力储能电池行业企业",
            "clause": "新能源动力储能电池行业企业,补贴标准为12%",
            "when": BATTERY,
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.12"},
        },
    ],
    "rounding": ROUNDING,
}

# A manufacturer above scale meeting every condition; each case changes a few facts.
TECH_BASE_FACTS: dict[str, Any] = {
    "is_manufacturing": "是",
    "scale": "规上",
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
    "industry_code": "3411",
}


def _tech(name: str, verdict: str, amount_yuan: str | None = None, **changes: Any) -> dict[str, Any]:
    """A case from the base facts; a change to None leaves that fact out."""
    facts = {k: v for k, v in {**TECH_BASE_FACTS, **changes}.items() if v is not None}
    return case(name, facts, verdict, amount_yuan)


TECH_RENEWAL_CASES: list[dict[str, Any]] = [
    _tech("规上制造业企业设备投资800万元:补助10%即80万元", "eligible", "800000", equipment_investment="800"),
    _tech("设备投资1500万元:补助10%即150万元", "eligible", "1500000"),
    _tech("设备投资3000万元:补助300万元", "eligible", "3000000", equipment_investment="3000"),
    _tech("设备投资5000万元:10%为500万元,单个项目封顶400万元", "eligible", "4000000", equipment_investment="5000"),
    _tech("恰好500万元:补助50万元", "eligible", "500000", equipment_investment="500"),
    _tech(
        "新能源电池企业设备投资2000万元:补助12%即240万元",
        "eligible",
        "2400000",
        equipment_investment="2000",
        industry_code="3841",
    ),
    _tech(
        "新能源电池企业设备投资3000万元:补助12%即360万元",
        "eligible",
        "3600000",
        equipment_investment="3000",
        industry_code="3841",
    ),
    _tech(
        "新能源电池企业设备投资4000万元:12%为480万元,封顶400万元",
        "eligible",
        "4000000",
        equipment_investment="4000",
        industry_code="3841",
    ),
    _tech(
        "“机器换人”项目设备投资4500万元:补助450万元",
        "eligible",
        "4500000",
        equipment_investment="4500",
        robot_replacement_project="是",
    ),
    _tech(
        "“机器换人”项目设备投资6000万元:10%为600万元,封顶500万元",
        "eligible",
        "5000000",
        equipment_investment="6000",
        robot_replacement_project="是",
    ),
    _tech(
        "新能源电池企业“机器换人”项目4000万元:按12%补助480万元",
        "eligible",
        "4800000",
        equipment_investment="4000",
        robot_replacement_project="是",
        industry_code="3841",
    ),
    _tech(
        "拟进规培育的规下制造业企业设备投资600万元:60万元",
        "eligible",
        "600000",
        equipment_investment="600",
        scale="规下",
        scale_cultivation="是",
    ),
    _tech("规下且未纳入培育库:不符合", "ineligible", scale="规下", scale_cultivation="否"),
    _tech("非制造业企业:不符合", "ineligible", is_manufacturing="否"),
    _tech("设备投资480万元:未达500万元,不符合", "ineligible", equipment_investment="480"),
    _tech("建设期40个月:超过3年,不符合", "ineligible", construction_period_months="40"),
    _tech("项目已获市级财政投资类资金支持:不再重复支持", "ineligible", project_previously_funded="是"),
    _tech("法人纳入失信被执行人名单:不符合", "ineligible", is_dishonest_executee="是"),
    _tech(
        "近3年发生重大安全事故:不符合",
        "ineligible",
        violations=[{"kind": "safety", "severity": "major", "occurred_on": "2024-03-01"}],
    ),
    _tech(
        "五年前的重大环保问题不影响(只看近3年)",
        "eligible",
        "1500000",
        violations=[{"kind": "environment", "severity": "major", "occurred_on": "2020-03-01"}],
    ),
    _tech("未填报设备投资额:待补充信息", "unknown", equipment_investment=None),
]

TECH_RENEWAL: dict[str, Any] = {
    "title": "工业领域技术改造和设备更新专项资金",
    "department": "JXJ",
    "issuing": "区经济和信息化局、区财政局",
    "doc": "东经信发〔2025〕8号",
    "category": "subsidy",
    "summary": "按生产性设备购置额的10%给予补助(新能源动力储能电池行业12%),单个项目不超过400万元,“机器换人”项目最高500万元。",
    "source": TECH_SOURCE,
    "rule": TECH_RENEWAL_RULE,
    "formula": TECH_RENEWAL_FORMULA,
    "cases": TECH_RENEWAL_CASES,
    "materials": [
        {"name": "项目申报书", "description": "按申报指南格式编制", "original_required": True},
        {
            "name": "设备购置合同及发票",
            "description": "生产性设备购置清单、合同、发票复印件",
            "original_required": False,
        },
        {"name": "项目备案证明", "description": "投资项目备案证", "original_required": False},
        {"name": "信用承诺书", "description": "近3年无重大质量、安全、环保问题的承诺", "original_required": True},
    ],
}

# ---- 六条贴息类金融政策 ------------------------------------------------------------------------------------------

LOAN_POLICIES: list[dict[str, Any]] = [
    {
        "title": "创业担保贷款贴息",
        "department": "RSJ",
        "issuing": "区人力资源和社会保障局",
        "summary": "小微企业最高可申请500万元创业担保贷款,财政按实际利率50%给予贴息,累计贴息不超过3次,最长不超过9年。",
        "category": "interest",
        "rule": {
            "all": [
                leaf("scale", "eq", "below", "小微企业"),
                loans_of("startup_guarantee", clause="创业担保贷款"),
                {
                    "agg": "sum",
                    "of": "loans",
                    "field": "amount",
                    "where": [{"var": "kind", "op": "eq", "value": "startup_guarantee"}],
                    "window": {"years": 1},
                    "op": "le",
                    "value": "5000000",
                    "clause": "小微企业最高可申请500万元贷款",
                },
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
            "base": {"kind": "rate", "of": loan_sum("startup_guarantee", "interest"), "rate": "0.5"},
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "小微企业创业担保贷款200万元、实付利息8万元:贴息50%即4万元",
                {"scale": "规下", "loans": [loan("startup_guarantee", "2000000", interest="80000")]},
                "eligible",
                "40000",
            ),
            case(
                "贷款500万元、实付利息15万元:贴息7.5万元",
                {"scale": "规下", "loans": [loan("startup_guarantee", "5000000", interest="150000")]},
                "eligible",
                "75000",
            ),
            case(
                "贷款600万元:超过小微企业500万元上限",
                {"scale": "规下", "loans": [loan("startup_guarantee", "6000000", interest="200000")]},
                "ineligible",
            ),
            case(
                "规上企业:不属于小微企业",
                {"scale": "规上", "loans": [loan("startup_guarantee", "1000000", interest="30000")]},
                "ineligible",
            ),
            case("没有创业担保贷款", {"scale": "规下", "loans": []}, "ineligible"),
        ],
    },
    {
        "title": "知识产权质押融资贴息及评估费补贴",
        "department": "SCJG",
        "issuing": "区市场监督管理局",
        "summary": "以专利、商标等知识产权质押贷款,给予贷款金额1%的贴息并全额补贴评估费用,两项合计最高不超过20万元。",
        "category": "interest",
        "rule": {"all": [loans_of("ip_pledge", clause="以专利、商标等知识产权质押贷款")]},
        "formula": {
            "base": {
                "kind": "sum",
                "parts": [
                    {"kind": "rate", "of": loan_sum("ip_pledge"), "rate": "0.01"},
                    {"kind": "rate", "of": "ip_evaluation_fee", "rate": "1"},
                ],
            },
            "cap": "200000",
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "质押贷款500万元、评估费3万元:5万元+3万元=8万元",
                {"loans": [loan("ip_pledge", "5000000")], "ip_evaluation_fee": "30000"},
                "eligible",
                "80000",
            ),
            case(
                "质押贷款800万元、评估费3万元:8万元+3万元=11万元",
                {"loans": [loan("ip_pledge", "8000000", interest="280000")], "ip_evaluation_fee": "30000"},
                "eligible",
                "110000",
            ),
            case(
                "质押贷款2000万元、评估费5万元:25万元,封顶20万元",
                {"loans": [loan("ip_pledge", "20000000", interest="700000")], "ip_evaluation_fee": "50000"},
                "eligible",
                "200000",
            ),
            case("没有知识产权质押贷款", {"loans": [loan("other", "1000000")], "ip_evaluation_fee": "0"}, "ineligible"),
        ],
    },
    {
        "title": "设备更新贷款贴息",
        "department": "JXJ",
        "issuing": "区经济和信息化局",
        "summary": "实施设备更新行动并纳入备选项目清单,银行发放的贷款获得人民银行再贷款支持的,给予贷款金额1.5%的贴息。",
        "category": "interest",
        "rule": {
            "all": [
                leaf("in_equipment_renewal_list", "is_true", None, "实施设备更新行动并纳入备选项目清单"),
                loans_of(
                    "equipment_renewal",
                    clause="银行发放的贷款获得人民银行再贷款支持",
                    extra=[{"var": "pboc_relending", "op": "is_true"}],
                ),
            ]
        },
        "formula": {
            "base": {
                "kind": "rate",
                "of": loan_sum("equipment_renewal", extra=[{"var": "pboc_relending", "op": "is_true"}]),
                "rate": "0.015",
            },
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "设备更新贷款1000万元、获再贷款支持:贴息1.5%即15万元",
                {
                    "in_equipment_renewal_list": "是",
                    "loans": [loan("equipment_renewal", "10000000", interest="300000", relending=True)],
                },
                "eligible",
                "150000",
            ),
            case(
                "贷款未获再贷款支持:不符合",
                {
                    "in_equipment_renewal_list": "是",
                    "loans": [loan("equipment_renewal", "10000000", interest="300000")],
                },
                "ineligible",
            ),
            case(
                "未纳入备选项目清单:不符合",
                {"in_equipment_renewal_list": "否", "loans": [loan("equipment_renewal", "10000000", relending=True)]},
                "ineligible",
            ),
        ],
    },
    {
        "title": "新型农业经营主体贷款贴息",
        "department": "NYNC",
        "issuing": "区农业农村局",
        "summary": "省级及以上农业产业化龙头企业、农民合作社、家庭农场、年出栏500头以上规模猪场,通过湖北省新型农业经营主体"
        "管理平台申报贷款金额1%-2%的贴息。本平台按龙头企业2%、其他主体1%测算,最终比例以农业农村局核定为准。",
        "category": "interest",
        "rule": {
            "all": [
                leaf(
                    "agri_entity_type",
                    "in",
                    ["leading_enterprise", "cooperative", "family_farm", "pig_farm"],
                    "省级及以上龙头企业、农民合作社、家庭农场、年出栏500头以上规模猪场",
                ),
                loans_of("agriculture", clause="通过湖北省新型农业经营主体管理平台申报贷款"),
            ]
        },
        "formula": {
            # The text gives a 1%–2% range without saying who gets which rate; the district pays 1% to all and
            # 2% to provincial leading enterprises (a documented local choice, adjustable by staff).
            "base": {"kind": "rate", "of": loan_sum("agriculture"), "rate": "0.01"},
            "exceptions": [
                {
                    "priority": 1,
                    "label": "省级及以上农业产业化龙头企业",
                    "clause": "贷款金额1%-2%的贴息(龙头企业按2%)",
                    "when": leaf("agri_entity_type", "eq", "leading_enterprise", "省级及以上农业产业化龙头企业"),
                    "base": {"kind": "rate", "of": loan_sum("agriculture"), "rate": "0.02"},
                }
            ],
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "农民合作社贷款100万元:贴息1%即1万元",
                {"agri_entity_type": "登记注册的农民合作社", "loans": [loan("agriculture", "1000000")]},
                "eligible",
                "10000",
            ),
            case(
                "合作社贷款200万元:贴息2万元",
                {"agri_entity_type": "cooperative", "loans": [loan("agriculture", "2000000", interest="80000")]},
                "eligible",
                "20000",
            ),
            case(
                "龙头企业贷款200万元:贴息2%即4万元",
                {"agri_entity_type": "leading_enterprise", "loans": [loan("agriculture", "2000000", interest="80000")]},
                "eligible",
                "40000",
            ),
            case(
                "省级龙头企业贷款300万元:贴息2%即6万元",
                {"agri_entity_type": "省级及以上农业产业化龙头企业", "loans": [loan("agriculture", "3000000")]},
                "eligible",
                "60000",
            ),
            case(
                "不属于新型农业经营主体",
                {"agri_entity_type": "不属于", "loans": [loan("agriculture", "1000000")]},
                "ineligible",
            ),
        ],
    },
    {
        "title": "电商企业贷款贴息",
        "department": "SWJ",
        "issuing": "区商务局",
        "summary": "对年网络销售额500万元以上电商企业,给予同期贷款市场报价利率(LPR)年算术平均值50%的贴息补助,每个企业"
        "年贴息补助不超过5万元,每年贴息总额不超过50万元。2024年一年期LPR算术平均值3.3375%,贴息比例1.66875%。",
        "category": "interest",
        # 每年贴息总额不超过50万元: a shared fund pool, split pro rata when the claims exceed it.
        "pool_budget_fen": 50_000_000,
        "allocation_rule": "pro_rata",
        "rule": {
            "all": [
                leaf("online_sales", "ge", "500", "年网络销售额500万元以上电商企业"),
                loans_of("ecommerce", clause="电商企业贴息贷款"),
            ]
        },
        "formula": {
            "base": {"kind": "rate", "of": loan_sum("ecommerce"), "rate": LPR_2024_MEAN_HALF},
            "cap": "50000",
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "网络销售额600万元、贷款200万元:贴息33,375元",
                {"online_sales": "600", "loans": [loan("ecommerce", "2000000")]},
                "eligible",
                "33375",
            ),
            case(
                "贷款400万元:贴息66,750元,每户每年封顶5万元",
                {"online_sales": "600", "loans": [loan("ecommerce", "4000000")]},
                "eligible",
                "50000",
            ),
            case(
                "网络销售额1200万元、贷款500万元:贴息按每户上限5万元",
                {"online_sales": "1200", "loans": [loan("ecommerce", "5000000", interest="175000")]},
                "eligible",
                "50000",
            ),
            case(
                "网络销售额300万元:未达500万元",
                {"online_sales": "300", "loans": [loan("ecommerce", "2000000", interest="70000")]},
                "ineligible",
            ),
        ],
    },
    {
        "title": "“301首贷户”贷款贴息",
        "department": "CZJ",
        "issuing": "区财政局",
        "summary": "对首次通过“3分钟申贷、0人工干预、1秒钟放款”模式获得贷款的首贷户,给予贷款金额2%的贴息。",
        "category": "interest",
        "auto_grant": True,
        "rule": {
            "all": [
                loans_of(
                    "first_loan_301",
                    clause="首次通过“3分钟申贷、0人工干预、1秒钟放款”模式获得贷款的首贷户",
                    extra=[{"var": "first_loan", "op": "is_true"}],
                )
            ]
        },
        "formula": {
            "base": {
                "kind": "rate",
                "of": loan_sum("first_loan_301", extra=[{"var": "first_loan", "op": "is_true"}]),
                "rate": "0.02",
            },
            "rounding": ROUNDING,
        },
        "cases": [
            case(
                "首贷户“301”贷款30万元:贴息2%即6000元",
                {"loans": [loan("first_loan_301", "300000", interest="9000", first=True)]},
                "eligible",
                "6000",
            ),
            case(
                "首贷户“301”贷款50万元:贴息2%即1万元",
                {"loans": [loan("first_loan_301", "500000", first=True)]},
                "eligible",
                "10000",
            ),
            case("非首贷户:不符合", {"loans": [loan("first_loan_301", "500000")]}, "ineligible"),
        ],
    },
]

SEED_POLICIES: list[dict[str, Any]] = [TECH_RENEWAL, *LOAN_POLICIES]
