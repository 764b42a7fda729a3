"""API schemas of the enterprise registry. Amounts (万元) travel as decimal strings; phones are masked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from yingshang.core.masking import mask_phone

from .models import Enterprise, FourUpCategory, Scale

ScaleValue = Literal["above", "below"]
FourUpValue = Literal["", "industry", "construction", "trade", "services"]
FourUpFilterValue = Literal["", "any", "none", "industry", "construction", "trade", "services"]
CreditFilterValue = Literal["", "flagged", "dishonest", "abnormal", "clean"]

API_DEFAULT_SOURCE = "营商通开放接口"


def decimal_text(value: Decimal | None) -> str | None:
    """1200.5000 → "1200.5": exact, without the storage's trailing zeros."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


class EnterpriseErrorOut(Schema):
    detail: str = Field(..., description="错误说明(中文)")
    field: str | None = Field(None, description="出错的字段")


class EnterpriseRefOut(Schema):
    id: int
    name: str


class EnterpriseQualificationOut(Schema):
    id: int = Field(..., description="资质 ID")
    code: str
    name: str
    obtained_on: date | None = Field(None, description="认定日期")
    expires_on: date | None = Field(None, description="有效期至")
    source: str
    as_of: date | None

    @staticmethod
    def from_link(link: Any) -> EnterpriseQualificationOut:
        return EnterpriseQualificationOut(
            id=link.qualification_id,
            code=link.qualification.code,
            name=link.qualification.name,
            obtained_on=link.obtained_on,
            expires_on=link.expires_on,
            source=link.source,
            as_of=link.as_of,
        )


class EnterpriseListItemOut(Schema):
    id: int
    uscc: str = Field(..., description="统一社会信用代码")
    name: str
    township: EnterpriseRefOut | None = None
    park: EnterpriseRefOut | None = None
    industry_chains: list[EnterpriseRefOut] = Field(default_factory=list, description="产业链")
    scale: ScaleValue
    scale_label: str
    four_up_category: FourUpValue
    four_up_category_label: str
    is_dishonest_executee: bool = Field(..., description="失信被执行人")
    is_abnormal_operation: bool = Field(..., description="经营异常")
    contact_person: str
    contact_phone: str = Field(..., description="联系电话(已脱敏)")
    updated_at: datetime

    @staticmethod
    def resolve_industry_chains(obj: Enterprise) -> list[Any]:
        return list(obj.industry_chains.all())

    @staticmethod
    def resolve_scale_label(obj: Enterprise) -> str:
        return str(Scale(obj.scale).label) if obj.scale in Scale.values else obj.scale

    @staticmethod
    def resolve_four_up_category_label(obj: Enterprise) -> str:
        value = obj.four_up_category
        return str(FourUpCategory(value).label) if value in FourUpCategory.values else value

    @staticmethod
    def resolve_contact_phone(obj: Enterprise) -> str:
        return mask_phone(obj.contact_phone)


class EnterpriseOut(EnterpriseListItemOut):
    legal_representative: str
    registered_address: str
    registration_date: date | None
    registered_capital: str | None = Field(None, description="注册资本(万元,十进制字符串)")
    industry_code: str
    industry_name: str
    qualifications: list[EnterpriseQualificationOut] = Field(default_factory=list)
    employees: int | None = Field(None, description="从业人数(最新年度)")
    annual_revenue: str | None = Field(None, description="年营业收入(万元,十进制字符串,最新年度)")
    tax_paid: str | None = Field(None, description="年纳税额(万元,十进制字符串,最新年度)")
    rd_spend: str | None = Field(None, description="年研发投入(万元,十进制字符串,最新年度)")
    created_at: datetime
    version: int = Field(..., description="版本号;PATCH 时原样带回以防覆盖他人的修改")

    @staticmethod
    def resolve_registered_capital(obj: Enterprise) -> str | None:
        return decimal_text(obj.registered_capital)

    @staticmethod
    def resolve_annual_revenue(obj: Enterprise) -> str | None:
        return decimal_text(obj.annual_revenue)

    @staticmethod
    def resolve_tax_paid(obj: Enterprise) -> str | None:
        return decimal_text(obj.tax_paid)

    @staticmethod
    def resolve_rd_spend(obj: Enterprise) -> str | None:
        return decimal_text(obj.rd_spend)

    @staticmethod
    def resolve_qualifications(obj: Enterprise) -> list[EnterpriseQualificationOut]:
        links = obj.qualification_links.select_related("qualification").order_by(
            "qualification__sort_order", "qualification_id"
        )
        return [EnterpriseQualificationOut.from_link(link) for link in links]


class EnterprisePageOut(Schema):
    count: int = Field(..., description="符合条件的企业数")
    count_is_estimate: bool = Field(..., description="count 是否为估算值(仅全库不加筛选且数据量很大时)")
    page: int
    page_size: int
    items: list[EnterpriseListItemOut]


# Ids are database integers: a larger number is a 422, not an overflow inside the database driver.
MAX_ID = 2**31 - 1


class EnterpriseListQuery(Schema):
    q: str = Field("", max_length=100, description="企业名称(包含)、统一社会信用代码(前缀)或名称拼音首字母(前缀)")
    township: int | None = Field(None, ge=1, le=MAX_ID, description="乡镇/街道 ID")
    park: int | None = Field(None, ge=1, le=MAX_ID, description="园区 ID")
    chain: int | None = Field(None, ge=1, le=MAX_ID, description="产业链 ID")
    qualification: int | None = Field(None, ge=1, le=MAX_ID, description="资质 ID")
    scale: Literal["", "above", "below"] = Field("", description="规模:above 规上,below 规下")
    four_up_category: FourUpFilterValue = Field("", description="四上类别;any 任一四上类别,none 非四上")
    credit: CreditFilterValue = Field(
        "", description="信用:flagged 有不良记录,dishonest 失信被执行人,abnormal 经营异常,clean 无不良记录"
    )
    industry_code: str = Field("", max_length=5, description="国民经济行业代码前缀")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class EnterpriseFactOut(Schema):
    key: str = Field(..., description="指标键")
    label: str = Field(..., description="指标名称")
    year: int | None = Field(None, description="年度(年度指标)")
    value: bool | int | str | list[str] | None = Field(None, description="值;金额为十进制字符串,电话已脱敏")
    source: str = Field(..., description="数据来源")
    as_of: date = Field(..., description="数据日期")
    recorded_at: datetime


class EnterpriseContactPhoneOut(Schema):
    contact_phone: str = Field(..., description="完整联系电话(本次查看已记入审计日志)")


def _money(description: str) -> Any:
    return Field(None, ge=0, max_digits=18, decimal_places=4, description=f"{description}(万元),建议以字符串传递")


class _EnterpriseFields(Schema):
    legal_representative: str | None = Field(None, max_length=50)
    registered_address: str | None = Field(None, max_length=255)
    township_id: int | None = Field(None, description="乡镇/街道 ID")
    park_id: int | None = Field(None, description="园区 ID")
    registration_date: date | None = None
    registered_capital: Decimal | None = Field(
        None, ge=0, max_digits=16, decimal_places=4, description="注册资本(万元),建议以字符串传递"
    )
    industry_code: str | None = Field(None, max_length=5)
    industry_name: str | None = Field(None, max_length=100)
    industry_chain_ids: list[int] | None = Field(None, description="产业链 ID 列表(整体替换)")
    scale: ScaleValue | None = None
    four_up_category: FourUpValue | None = None
    qualification_ids: list[int] | None = Field(None, description="资质 ID 列表(整体替换)")
    fact_year: int | None = Field(None, ge=1949, le=2100, description="年度数据所属年度,默认为数据日期的上一年")
    employees: int | None = Field(None, ge=0)
    annual_revenue: Decimal | None = _money("营业收入")
    tax_paid: Decimal | None = _money("纳税额")
    rd_spend: Decimal | None = _money("研发投入")
    is_dishonest_executee: bool | None = None
    is_abnormal_operation: bool | None = None
    contact_person: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)
    source: str = Field(API_DEFAULT_SOURCE, min_length=1, max_length=100, description="数据来源")
    as_of: date | None = Field(None, description="数据日期,默认今天")


class EnterpriseIn(_EnterpriseFields):
    uscc: str = Field(..., max_length=30, description="统一社会信用代码(小写字母会转为大写)")
    name: str = Field(..., min_length=1, max_length=200)


class EnterprisePatch(_EnterpriseFields):
    """Only the fields sent are changed; `null` empties a nullable field (乡镇、园区、成立日期、注册资本)."""

    version: int = Field(..., description="读取时的版本号;他人已修改时返回 409")
    name: str | None = Field(None, min_length=1, max_length=200)
