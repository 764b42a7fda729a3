"""The demo's policy texts as rules, formulas and test cases: the real policies of the 东宝区 press conference
(seed 000) — the 技改 equipment subsidy with its six conditions, the six loan interest subsidies — and other
district policies. `policies.py` publishes them."""

from __future__ import annotations

from datetime import date
from typing import Any

# Test cases are judged on this date, so their "within the last year" windows never drift.
CASE_DATE = date(2025, 6, 30)
ROUNDING = {"unit": "fen", "mode": "half_up"}
# 2024 one-year LPR: 3.45% Jan–Jun, 3.35% Jul–Sep, 3.10% Oct–Dec; arithmetic mean of the 12 monthly quotes 3.3375%.
LPR_2024_MEAN_HALF = "0.0166875"


def leaf(var: str, op: str, value: Any = None, clause: str = "") -> dict[str, Any]:
    node: dict[str, Any] = {"var": var, "op": op, "clause": clause}
    if value is not None:
        node["value"] = value
    return node


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


def case(name: str, facts: dict[str, Any], verdict: str, amount_yuan: str | None = None) -> dict[str, Any]:
    return {"name": name, "facts": facts, "verdict": verdict, "amount": amount_yuan}


# ---- 工业领域技术改造和设备更新(seed 000: six conditions and the amounts) ------------------------------------

TECH_SOURCE = (
    "工业领域技术改造和设备更新申报注意事项。具体申报条件需要注意6点:第一,项目承担企业应在东宝区注册、纳税、具有独立"
    "法人资格的规模以上制造业企业,以及拟进规培育的制造业企业。第二,企业生产经营及财务管理规范,3年内获各级财政资金支持"
    "的项目在绩效评价、审计监督、财政检查中未出现违法违规行为,近3年在质量、安全、环保等方面未发生重大问题,企业法人未"
    "纳入失信被执行人名单。第三,申报项目为符合国家、省及我市产业政策的制造业企业技术改造和设备更新项目。第四,申报项目"
    "生产性设备投资实际完成500万元以上,原则上生产性设备投资2000万元及以上的制造业技术改造项目申报省级财政支持。第五,"
    "申报项目有效建设期不超过3年,企业项目生产性设备购置的时间应在有效建设期内。第六,已获得过国家、省级、市级财政投资类"
    "资金支持的项目,市级技改专项资金不再重复支持。具体政策为:专项资金采用设备购置补助方式,按照生产性设备购置额的10%给予"
    "补助(新能源动力储能电池行业企业,补贴标准为12%),单个项目不超过400万元,以“机器换人”为主的智能化技术改造项目单个"
    "最高不超过500万元。"
)
BATTERY = leaf("industry_code", "in", ["3841", "3842", "3849"], "具体政策(新能源动力储能电池行业)")
ROBOT = leaf("robot_replacement_project", "is_true", None, "具体政策(机器换人)")
TECH_RULE = {
    "all": [
        leaf("pays_tax_in_district", "is_true", None, "第一条"),
        leaf("independent_legal_person", "is_true", None, "第一条"),
        leaf("is_manufacturing", "is_true", None, "第一条"),
        {"any": [leaf("scale", "eq", "above", "第一条"), leaf("scale_cultivation", "is_true", None, "第一条")]},
        {
            "not": {
                "agg": "exists",
                "of": "violations",
                "where": [{"var": "kind", "op": "eq", "value": "fiscal_fund"}],
                "window": {"years": 3},
                "clause": "第二条",
            }
        },
        {
            "not": {
                "agg": "exists",
                "of": "violations",
                "where": [
                    {"var": "kind", "op": "in", "value": ["quality", "safety", "environment"]},
                    {"var": "severity", "op": "eq", "value": "major"},
                ],
                "window": {"years": 3},
                "clause": "第二条",
            }
        },
        leaf("is_dishonest_executee", "is_false", None, "第二条"),
        leaf("project_fits_industrial_policy", "is_true", None, "第三条"),
        leaf("equipment_investment", "ge", "500", "第四条"),
        leaf("construction_period_months", "le", "36", "第五条"),
        leaf("equipment_bought_in_period", "is_true", None, "第五条"),
        leaf("project_previously_funded", "is_false", None, "第六条"),
    ]
}
TECH_FORMULA = {
    "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.10"},
    "cap": "4000000",
    "exceptions": [
        {
            "priority": 1,
            "label": "新能源动力储能电池行业的“机器换人”项目",
            "clause": "具体政策",
            "when": {"all": [BATTERY, ROBOT]},
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.12"},
            "cap": "5000000",
        },
        {
            "priority": 2,
            "label": "以“机器换人”为主的智能化技术改造项目",
            "clause": "具体政策",
            "when": ROBOT,
            "cap": "5000000",
        },
        {
            "priority": 3,
            "label": "新能源动力储能电池行业企业",
            "clause": "具体政策",
            "when": BATTERY,
            "base": {"kind": "rate", "of": "equipment_investment", "rate": "0.12"},
        },
    ],
    "rounding": ROUNDING,
}
TECH_OK = {
    "pays_tax_in_district": "是",
    "independent_legal_person": "是",
    "is_manufacturing": "是",
    "scale": "规上",
    "violations": [],
    "is_dishonest_executee": "否",
    "project_fits_industrial_policy": "是",
    "construction_period_months": "24",
    "equipment_bought_in_period": "是",
    "project_previously_funded": "否",
    "industry_code": "3411",
    "robot_replacement_project": "否",
}
TECH_CASES = [
    case(
        "规上制造业企业设备投资800万元:补助10%即80万元",
        {**TECH_OK, "equipment_investment": "800"},
        "eligible",
        "800000",
    ),
    case("设备投资3000万元:补助300万元", {**TECH_OK, "equipment_investment": "3000"}, "eligible", "3000000"),
    case(
        "设备投资5000万元:按10%为500万元,单个项目封顶400万元",
        {**TECH_OK, "equipment_investment": "5000"},
        "eligible",
        "4000000",
    ),
    case(
        "新能源电池企业设备投资2000万元:补助12%即240万元",
        {**TECH_OK, "industry_code": "3841", "equipment_investment": "2000"},
        "eligible",
        "2400000",
    ),
    case(
        "新能源电池企业设备投资5000万元:12%为600万元,封顶400万元",
        {**TECH_OK, "industry_code": "3841", "equipment_investment": "5000"},
        "eligible",
        "4000000",
    ),
    case(
        "“机器换人”项目设备投资6000万元:10%为600万元,封顶500万元",
        {**TECH_OK, "robot_replacement_project": "是", "equipment_investment": "6000"},
        "eligible",
        "5000000",
    ),
    case(
        "拟进规培育的规下制造业企业设备投资600万元:60万元",
        {**TECH_OK, "scale": "规下", "scale_cultivation": "是", "equipment_investment": "600"},
        "eligible",
        "600000",
    ),
    case("设备投资450万元:未达500万元,不符合", {**TECH_OK, "equipment_investment": "450"}, "ineligible"),
    case(
        "建设期40个月:超过3年,不符合",
        {**TECH_OK, "equipment_investment": "800", "construction_period_months": "40"},
        "ineligible",
    ),
    case(
        "项目已获市级财政投资类资金支持:不再重复支持",
        {**TECH_OK, "equipment_investment": "800", "project_previously_funded": "是"},
        "ineligible",
    ),
    case(
        "近3年发生重大安全事故:不符合",
        {
            **TECH_OK,
            "equipment_investment": "800",
            "violations": [{"kind": "safety", "severity": "major", "occurred_on": "2024-08-01"}],
        },
        "ineligible",
    ),
    case(
        "法人纳入失信被执行人名单:不符合",
        {**TECH_OK, "equipment_investment": "800", "is_dishonest_executee": "是"},
        "ineligible",
    ),
    case("未填报设备投资额:信息不全", dict(TECH_OK), "unknown"),
]

# ---- 六条贴息类金融政策(seed 000) --------------------------------------------------------------------------------

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
                    "clause": "小微企业最高可申请500万元",
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
                "贷款600万元:超过小微企业500万元上限",
                {"scale": "规下", "loans": [loan("startup_guarantee", "6000000", interest="200000")]},
                "ineligible",
            ),
            case(
                "规上企业:不属于小微企业",
                {"scale": "规上", "loans": [loan("startup_guarantee", "1000000", interest="30000")]},
                "ineligible",
            ),
        ],
    },
    {
        "title": "知识产权质押融资贴息及评估费补贴",
        "department": "SCJG",
        "issuing": "区市场监督管理局",
        "summary": "以专利、商标等知识产权质押贷款,给予贷款金额1%的贴息并全额补贴评估费用,两项合计最高不超过20万元。",
        "category": "interest",
        "rule": {"all": [loans_of("ip_pledge", clause="知识产权质押贷款")]},
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
                "质押贷款2000万元、评估费3万元:23万元,封顶20万元",
                {"loans": [loan("ip_pledge", "20000000")], "ip_evaluation_fee": "30000"},
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
                leaf("in_equipment_renewal_list", "is_true", None, "纳入备选项目清单"),
                loans_of(
                    "equipment_renewal",
                    clause="获得人民银行再贷款支持",
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
                {"in_equipment_renewal_list": "是", "loans": [loan("equipment_renewal", "10000000", relending=True)]},
                "eligible",
                "150000",
            ),
            case(
                "贷款未获再贷款支持:不符合",
                {"in_equipment_renewal_list": "是", "loans": [loan("equipment_renewal", "10000000")]},
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
                    "申报主体",
                ),
                loans_of("agriculture", clause="新型农业经营主体贷款"),
            ]
        },
        "formula": {
            "base": {"kind": "rate", "of": loan_sum("agriculture"), "rate": "0.01"},
            "exceptions": [
                {
                    "priority": 1,
                    "label": "省级及以上农业产业化龙头企业",
                    "clause": "贴息比例",
                    "when": leaf("agri_entity_type", "eq", "leading_enterprise", "贴息比例"),
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
        "pool": 50000000,
        "rule": {
            "all": [
                leaf("online_sales", "ge", "500", "年网络销售额500万元以上"),
                loans_of("ecommerce", clause="电商企业贷款"),
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
                "网络销售额300万元:未达500万元",
                {"online_sales": "300", "loans": [loan("ecommerce", "2000000")]},
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
                    "first_loan_301", clause="首次通过“301”模式获得贷款", extra=[{"var": "first_loan", "op": "is_true"}]
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
                "首贷户“301”贷款50万元:贴息2%即1万元",
                {"loans": [loan("first_loan_301", "500000", first=True)]},
                "eligible",
                "10000",
            ),
            case("非首贷户:不符合", {"loans": [loan("first_loan_301", "500000")]}, "ineligible"),
        ],
    },
]

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


TECH_SPEC: dict[str, Any] = {
    "title": "工业领域技术改造和设备更新专项资金",
    "department": "JXJ",
    "issuing": "区经济和信息化局、区财政局",
    "doc": "东经信发〔2025〕8号",
    "category": "subsidy",
    "summary": "按生产性设备购置额的10%给予补助(新能源动力储能电池行业12%),单个项目不超过400万元,“机器换人”项目最高500万元。",
    "source": TECH_SOURCE,
    "rule": TECH_RULE,
    "formula": TECH_FORMULA,
    "cases": TECH_CASES,
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
