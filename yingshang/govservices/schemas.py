"""API schemas of 政务服务."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class ErrorOut(Schema):
    detail: str


class MaterialOut(Schema):
    name: str
    form: str = Field(..., description="original 原件 / copy 复印件 / electronic 电子件")
    copies: int
    source: str
    required: bool
    may_be_missing: bool = Field(..., description="可容缺受理")
    commitment_allowed: bool = Field(..., description="可告知承诺")


class ItemOut(Schema):
    id: int
    code: str
    name: str
    department: str
    level: str
    kind: str
    legal_limit_days: int = Field(..., description="法定办结时限(工作日)")
    committed_limit_days: int = Field(..., description="承诺办结时限(工作日)")
    cut_percent: int = Field(..., description="承诺时限较法定时限压缩百分比")
    online_depth: int = Field(..., description="网办深度 1-4")
    cross_province: bool
    in_province: bool
    fees: str
    conditions: str
    steps: list[str]
    guide_url: str
    updated_at: datetime


class ItemDetailOut(ItemOut):
    materials: list[MaterialOut]


class ItemPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[ItemOut]


class ItemListQuery(Schema):
    q: str = Field("", max_length=50, description="名称或编码")
    department_id: int | None = Field(None, ge=1, le=2**31 - 1)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class BundleOut(Schema):
    id: int
    code: str
    name: str
    lead_department: str
    item_codes: list[str]
    steps: int = Field(..., description="合并后的环节数")
    separate_steps: int
    materials: int = Field(..., description="合并后的材料数")
    separate_materials: int
    combined_days: int = Field(..., description="一件事承诺时限(工作日)")
    separate_days: int = Field(..., description="逐项办理的承诺时限之和")
    time_cut_percent: float


class CaseMaterialOut(Schema):
    name: str
    status: str = Field(..., description="provided / missing 容缺待补 / supplied / committed 告知承诺 / not_required")
    due_date: date | None
    supplied_at: datetime | None


class CaseEventOut(Schema):
    created_at: datetime
    summary: str


class CaseOut(Schema):
    id: int
    number: str | None
    title: str
    item_code: str | None
    bundle_code: str | None
    department: str
    enterprise_id: int | None
    channel: str
    state: str
    state_label: str
    is_rongque: bool
    submitted_at: datetime
    accepted_at: datetime | None
    deadline: date | None
    finished_at: datetime | None
    pickup_method: str


class CaseDetailOut(CaseOut):
    materials: list[CaseMaterialOut]
    timeline: list[CaseEventOut]


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class CaseListQuery(Schema):
    state: str = Field("", max_length=16)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)
