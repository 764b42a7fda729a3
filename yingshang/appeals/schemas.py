"""API schemas of 企业诉求. Phones are masked; 保密 content is withheld from users outside the handling chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from yingshang.core.masking import mask_phone

from .models import Appeal, AppealEvent
from .selectors import CONFIDENTIAL_TITLE, can_see_content

StateValue = Literal["submitted", "dispatched", "handling", "suspended", "replied", "reviewed", "closed", "merged"]
ColourValue = Literal["green", "yellow", "red"]
ChannelValue = Literal["web", "mini_program", "phone", "12345", "reception", "meeting", "visit", "open311"]
UrgencyValue = Literal["normal", "urgent", "critical"]
ResolutionValue = Literal["solved", "partly", "unsolved"]


class AppealErrorOut(Schema):
    detail: str = Field(..., description="错误说明(中文)")
    field: str | None = Field(None, description="出错的字段")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    path: str
    parent_id: int | None
    sign_limit_days: int
    limit_normal_days: int
    limit_urgent_days: int
    limit_critical_days: int


class AppealEventOut(Schema):
    at: datetime
    actor: str
    title: str
    note: str
    from_state: str
    to_state: str

    @staticmethod
    def of(event: AppealEvent) -> AppealEventOut:
        return AppealEventOut(
            at=event.at,
            actor=event.actor_label,
            title=event.title,
            note=event.note,
            from_state=event.from_state,
            to_state=event.to_state,
        )


class AppealOut(Schema):
    id: int
    number: str = Field(..., description="诉求编号,如 SQ2026-000123")
    version: int = Field(..., description="乐观并发版本号:办理操作须带上,过期则返回 409")
    state: StateValue
    state_label: str
    colour: ColourValue | None = Field(None, description="红黄绿(仅工作人员可见)")
    channel: ChannelValue
    external_id: str
    urgency: UrgencyValue
    confidential: bool
    category_id: int
    category: str
    enterprise_id: int | None
    enterprise_name: str
    title: str
    description: str | None = Field(None, description="保密诉求对办理链条以外的人员为空")
    contact_name: str
    contact_phone_masked: str
    lead_department: str | None
    created_at: datetime
    sign_deadline: date | None
    handle_deadline: date | None
    deadline: date | None
    reopen_count: int
    last_resolution: str
    last_rating: int | None
    excluded: bool
    exclusion_reason: str
    timeline: list[AppealEventOut] | None = Field(None, description="办理过程(详情接口返回)")

    @staticmethod
    def of(
        appeal: Appeal, *, user: Any, colour: str | None = None, timeline: list[AppealEvent] | None = None
    ) -> AppealOut:
        visible = can_see_content(user, appeal)
        staff = getattr(user, "role", "") != "enterprise"
        return AppealOut(
            id=appeal.pk,
            number=appeal.number,
            version=appeal.version,
            state=appeal.state,  # type: ignore[arg-type]
            state_label=appeal.get_state_display(),
            colour=(colour or getattr(appeal, "colour", None)) if staff else None,  # type: ignore[arg-type]
            channel=appeal.channel,  # type: ignore[arg-type]
            external_id=appeal.external_id,
            urgency=appeal.urgency,  # type: ignore[arg-type]
            confidential=appeal.confidential,
            category_id=appeal.category_id,
            category=appeal.category.path,
            enterprise_id=appeal.enterprise_id,
            enterprise_name=appeal.party_name,
            title=appeal.title if visible else CONFIDENTIAL_TITLE,
            description=appeal.description if visible else None,
            contact_name=appeal.contact_name if visible else "",
            contact_phone_masked=mask_phone(appeal.contact_phone) if visible else "",
            lead_department=appeal.lead_department.name if staff and appeal.lead_department else None,
            created_at=appeal.created_at,
            sign_deadline=appeal.sign_deadline,
            handle_deadline=appeal.handle_deadline,
            deadline=appeal.deadline,
            reopen_count=appeal.reopen_count,
            last_resolution=appeal.last_resolution,
            last_rating=appeal.last_rating,
            excluded=appeal.excluded if staff else False,
            exclusion_reason=appeal.exclusion_reason if staff else "",
            timeline=[AppealEventOut.of(e) for e in timeline] if timeline is not None else None,
        )


class AppealPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[AppealOut]


# Database integers: a larger number is a 422, not an overflow inside the database driver.
MAX_ID = 2**31 - 1


class AppealListQuery(Schema):
    state: StateValue | None = None
    colour: ColourValue | None = None
    channel: ChannelValue | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class AppealIn(Schema):
    category_id: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field(..., max_length=200)
    description: str
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业用户可省略(默认本企业)")
    enterprise_name: str = Field("", description="企业库中没有的企业(仅工作人员登记时)")
    channel: ChannelValue | None = Field(None, description="默认:企业用户 web,工作人员 phone")
    urgency: UrgencyValue = "normal"
    confidential: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    external_id: str = ""


class Intake12345In(Schema):
    external_id: str = Field(..., min_length=1, max_length=64, description="12345 工单编号")
    category_code: str
    title: str = Field(..., max_length=200)
    description: str
    enterprise_uscc: str = ""
    enterprise_name: str = ""
    urgency: UrgencyValue = "normal"
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""


class FileResultOut(Schema):
    created: bool = Field(..., description="false:同一幂等键或同一外部编号已登记过,返回原诉求")
    appeal: AppealOut


class VersionIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)


class DispatchIn(VersionIn):
    lead_department_id: int
    assist_department_ids: list[int] = []
    note: str = ""


class ReasonIn(VersionIn):
    reason: str


class ReplyIn(VersionIn):
    content: str


class ReviewIn(VersionIn):
    approve: bool
    comment: str = ""


class FollowUpIn(VersionIn):
    reached: bool = True
    resolution: ResolutionValue | None = None
    rating: int | None = Field(None, ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str = ""
