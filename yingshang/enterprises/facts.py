"""The enterprise facts the platform knows, with labels and types. Rules (issue: policies) read these by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FactType = Literal["text", "decimal", "integer", "date", "boolean", "choice", "tags"]


@dataclass(frozen=True)
class FactSpec:
    key: str
    label: str
    type: FactType
    unit: str = ""
    yearly: bool = False


FACTS: dict[str, FactSpec] = {
    spec.key: spec
    for spec in [
        FactSpec("name", "企业名称", "text"),
        FactSpec("legal_representative", "法定代表人", "text"),
        FactSpec("registered_address", "注册地址", "text"),
        FactSpec("township", "乡镇/街道", "choice"),
        FactSpec("park", "园区", "choice"),
        FactSpec("registration_date", "成立日期", "date"),
        FactSpec("registered_capital", "注册资本", "decimal", "万元"),
        FactSpec("industry_code", "国民经济行业代码", "text"),
        FactSpec("industry_name", "行业名称", "text"),
        FactSpec("industry_chains", "产业链", "tags"),
        FactSpec("scale", "规模", "choice"),
        FactSpec("four_up_category", "四上类别", "choice"),
        FactSpec("qualifications", "资质", "tags"),
        FactSpec("employees", "从业人数", "integer", "人", yearly=True),
        FactSpec("annual_revenue", "营业收入", "decimal", "万元", yearly=True),
        FactSpec("tax_paid", "纳税额", "decimal", "万元", yearly=True),
        FactSpec("rd_spend", "研发投入", "decimal", "万元", yearly=True),
        FactSpec("is_dishonest_executee", "失信被执行人", "boolean"),
        FactSpec("is_abnormal_operation", "经营异常", "boolean"),
        FactSpec("contact_person", "联系人", "text"),
        FactSpec("contact_phone", "联系电话", "text"),
    ]
}

YEARLY_FACTS = frozenset(k for k, s in FACTS.items() if s.yearly)
