"""Schemas of the policy API."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class CalculateIn(Schema):
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description='企业信息:变量键 → 值(如 "annual_revenue": "2350","is_manufacturing": "是");'
        '关联记录键 → 记录列表(如 "loans": [{"kind": "ip_pledge", ...}])。未提供的项按“信息不全”处理。',
        json_schema_extra={"example": {"equipment_investment": "800", "is_manufacturing": "是"}},
    )
    decision_date: date | None = Field(default=None, description="判定日期,默认今天")


class PolicyResultOut(Schema):
    policy_id: int
    version: int
    title: str
    category: str
    auto_grant: bool
    verdict: str = Field(description="eligible 符合 / ineligible 不符合 / unknown 信息不全")
    verdict_label: str
    amount_yuan: str | None = Field(description="测算金额(元);信息不全或无资金支持时为 null")
    amount_range_yuan: list[str] | None = None
    clause: str
    exception: str | None = None
    missing: list[str]
    near_misses: list[str]
    steps: list[str]
    explanation: dict[str, Any]


class CalculateOut(Schema):
    decision_date: date
    results: list[PolicyResultOut]


class PackageOut(Schema):
    enterprise_id: int
    eligible: list[PolicyResultOut]
    near_misses: list[PolicyResultOut]
    unknown: list[PolicyResultOut]
