"""REGISTRY: every variable and relation a policy rule may read, each registered once with its Chinese label, type,
unit, source, Python accessor and database expression (the two must agree: tests/test_engine_equivalence.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, NullIf

from yingshang.enterprises.models import EnterpriseQualification, FourUpCategory, Scale
from yingshang.rules import Field, Registry, Relation, Variable

from .expressions import supplied_fact
from .records import EnterpriseLoan, EnterpriseViolation, LoanKind, Severity, ViolationKind

REGISTRY = Registry()

ENTERPRISE_SOURCE = "企业库"
SUPPLIED_SOURCE = "企业补充信息"


@dataclass
class Loaded:
    """What facts_for_enterprise read for one enterprise, passed to each accessor."""

    decision_date: dt.date
    supplied: dict[str, Any] = field(default_factory=dict)
    qualifications: frozenset[str] = frozenset()
    chains: frozenset[str] = frozenset()
    places: dict[str, str] = field(default_factory=dict)  # township/park → name ("" when none)


# Which variables are read from EnterpriseFact rows with year NULL (facts supplied per enterprise).
SUPPLIED_KEYS: list[str] = []
# Variables that are plain Enterprise columns: key → (attribute, text: "" means unknown).
COLUMNS: dict[str, tuple[str, bool]] = {}


def _column(
    key: str,
    label: str,
    type_: Any,
    unit: str = "",
    *,
    attr: str | None = None,
    choices: tuple[tuple[str, str], ...] = (),
    always_known: bool = False,
    description: str = "",
) -> None:
    name = attr or key
    COLUMNS[key] = (name, type_ == "text")

    def accessor(enterprise: Any, loaded: Loaded) -> Any:
        value = getattr(enterprise, name)
        return None if value == "" and type_ == "text" else value

    def db(decision_date: dt.date) -> Any:
        return NullIf(F(name), Value("")) if type_ == "text" else F(name)

    REGISTRY.add_variable(
        Variable(
            key,
            label,
            type_,
            unit,
            ENTERPRISE_SOURCE,
            choices,
            accessor,
            db,
            description,
            always_known,
        )
    )


def _supplied(
    key: str,
    label: str,
    type_: Any,
    unit: str = "",
    *,
    choices: tuple[tuple[str, str], ...] = (),
    description: str = "",
) -> None:
    def accessor(enterprise: Any, loaded: Loaded) -> Any:
        return loaded.supplied.get(key)

    def db(decision_date: dt.date) -> Any:
        return supplied_fact(key, type_)

    SUPPLIED_KEYS.append(key)
    REGISTRY.add_variable(Variable(key, label, type_, unit, SUPPLIED_SOURCE, choices, accessor, db, description))


# --- enterprise registry columns --------------------------------------------------------------------------------

_column("registration_date", "成立日期", "date")
_column("registered_capital", "注册资本", "decimal", "万元")
_column("industry_code", "国民经济行业代码", "text", description="GB/T 4754,如 3841")
_column("scale", "企业规模", "choice", choices=tuple(Scale.choices), always_known=True)
_column("four_up_category", "四上类别", "choice", choices=tuple(FourUpCategory.choices), always_known=True)
_column("employees", "从业人数", "integer", "人")
_column("annual_revenue", "营业收入", "decimal", "万元")
_column("tax_paid", "纳税额", "decimal", "万元")
_column("rd_spend", "研发投入", "decimal", "万元")
_column("is_dishonest_executee", "法人纳入失信被执行人名单", "boolean", always_known=True)
_column("is_abnormal_operation", "列入经营异常名录", "boolean", always_known=True)


def _manufacturing_accessor(enterprise: Any, loaded: Loaded) -> Any:
    code = enterprise.industry_code
    return None if not code else "13" <= code[:2] <= "43"


def _manufacturing_db(decision_date: dt.date) -> Any:
    # Section C of GB/T 4754 (制造业) is divisions 13–43; a code's first two digits decide it.
    return Case(
        When(industry_code="", then=Value(None)),
        When(Q(industry_code__gte="13") & Q(industry_code__lt="44"), then=Value(True)),
        default=Value(False),
    )


REGISTRY.add_variable(
    Variable(
        "is_manufacturing",
        "制造业企业",
        "boolean",
        "",
        ENTERPRISE_SOURCE,
        (),
        _manufacturing_accessor,
        _manufacturing_db,
        "按国民经济行业代码判断(13–43 大类)",
    )
)


def _place_accessor(attr: str) -> Callable[[Any, Loaded], Any]:
    def accessor(enterprise: Any, loaded: Loaded) -> Any:
        if attr in loaded.places:
            return loaded.places[attr]
        related = getattr(enterprise, attr)
        return related.name if related is not None else ""

    return accessor


for _key, _label in (("township", "所在乡镇/街道"), ("park", "所在园区")):
    REGISTRY.add_variable(
        Variable(
            _key,
            _label,
            "choice",
            "",
            ENTERPRISE_SOURCE,
            (),
            _place_accessor(_key),
            (lambda attr: lambda decision_date: Coalesce(F(f"{attr}__name"), Value("")))(_key),
            "不在任何园区时为空",
            True,
        )
    )


def _qualifications_db(names: tuple[str, ...], decision_date: dt.date) -> Any:
    # A qualification counts while it has not expired on the decision date.
    return Exists(
        EnterpriseQualification.objects.filter(enterprise_id=OuterRef("pk"), qualification__name__in=names).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=decision_date)
        )
    )


def _chains_db(names: tuple[str, ...], decision_date: dt.date) -> Any:
    from yingshang.enterprises.models import Enterprise

    through = Enterprise.industry_chains.through
    return Exists(through.objects.filter(enterprise_id=OuterRef("pk"), industrychain__name__in=names))


REGISTRY.add_variable(
    Variable(
        "qualifications",
        "企业资质",
        "tags",
        "",
        ENTERPRISE_SOURCE,
        (),
        lambda enterprise, loaded: loaded.qualifications,
        _qualifications_db,
        "有效期内的资质(高新技术企业、专精特新等)",
        True,
    )
)
REGISTRY.add_variable(
    Variable(
        "industry_chains",
        "所属产业链",
        "tags",
        "",
        ENTERPRISE_SOURCE,
        (),
        lambda enterprise, loaded: loaded.chains,
        _chains_db,
        "",
        True,
    )
)

# --- facts supplied per enterprise (project facts of the seeds' policies) -----------------------------------------

_supplied("pays_tax_in_district", "在本区注册纳税", "boolean")
_supplied("independent_legal_person", "具有独立法人资格", "boolean")
_supplied("scale_cultivation", "纳入拟进规培育企业库", "boolean")
_supplied("project_fits_industrial_policy", "项目符合国家、省、市产业政策", "boolean")
_supplied("equipment_investment", "生产性设备投资额(实际完成)", "decimal", "万元")
_supplied("construction_period_months", "项目有效建设期", "integer", "月")
_supplied("equipment_bought_in_period", "生产性设备购置在有效建设期内", "boolean")
_supplied("project_previously_funded", "项目已获国家、省、市级财政投资类资金支持", "boolean")
_supplied("robot_replacement_project", "以“机器换人”为主的智能化技术改造项目", "boolean")
_supplied("in_equipment_renewal_list", "纳入设备更新备选项目清单", "boolean")
_supplied("online_sales", "年网络销售额", "decimal", "万元")
_supplied("ip_evaluation_fee", "知识产权评估费", "decimal", "元")
_supplied(
    "agri_entity_type",
    "新型农业经营主体类型",
    "choice",
    choices=(
        ("leading_enterprise", "省级及以上农业产业化龙头企业"),
        ("cooperative", "登记注册的农民合作社"),
        ("family_farm", "纳入全国家庭农场名录系统的家庭农场"),
        ("pig_farm", "年出栏500头以上的规模猪场"),
        ("none", "不属于"),
    ),
)

# --- related records ----------------------------------------------------------------------------------------------

REGISTRY.add_relation(
    Relation(
        "loans",
        "贷款",
        "granted_on",
        (
            Field("kind", "贷款类型", "choice", choices=tuple(LoanKind.choices), db="kind"),
            Field("amount", "贷款金额", "decimal", "元", db="amount_fen"),
            Field("interest", "实付利息", "decimal", "元", db="interest_fen"),
            Field("granted_on", "放款日期", "date", db="granted_on"),
            Field("pboc_relending", "获人民银行再贷款支持", "boolean", db="pboc_relending"),
            Field("first_loan", "首贷", "boolean", db="first_loan"),
        ),
        count_unit="笔",
        source="金融服务中心、合作银行",
        db=EnterpriseLoan,
    )
)
REGISTRY.add_relation(
    Relation(
        "violations",
        "违法违规记录",
        "occurred_on",
        (
            Field("kind", "类别", "choice", choices=tuple(ViolationKind.choices), db="kind"),
            Field("severity", "严重程度", "choice", choices=tuple(Severity.choices), db="severity"),
            Field("occurred_on", "发生日期", "date", db="occurred_on"),
        ),
        count_unit="条",
        source="市场监管、应急管理、生态环境、财政等部门",
        db=EnterpriseViolation,
    )
)

MONEY_FACTOR = {"元": 100}  # relation money fields: yuan in rules and facts, fen in the database


def fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100
