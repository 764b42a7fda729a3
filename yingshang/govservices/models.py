"""政务服务: the catalogue (items and their materials), 一件事 bundles, one-window cases with their materials,
timeline, 容缺 reminders and 告知承诺 checks, 帮办代办, and 好差评 with rectifications."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from yingshang.core.models import AppendOnlyModel


def material_key(name: str) -> str:
    """What makes two materials "the same" in a bundle: the name without spaces, punctuation, brackets and their
    content, and the words 复印件/原件/扫描件 — so 营业执照(副本)复印件 and 营业执照 are asked once."""
    text = unicodedata.normalize("NFKC", name or "")
    text = re.sub(r"[((][^))]*[))]", "", text)
    text = re.sub(r"(复印件|原件|扫描件|电子件|电子版)", "", text)
    text = re.sub(r"[\s\W_]+", "", text)
    return text.lower()


def step_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"[\s\W_]+", "", text).lower()


# ---------------------------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------------------------


class ItemLevel(models.TextChoices):
    DISTRICT = "district", "区级"
    TOWNSHIP = "township", "乡镇(街道)级"
    VILLAGE = "village", "村(社区)级"


class ItemKind(models.TextChoices):
    ON_APPLICATION = "application", "依申请事项"
    PUBLIC_SERVICE = "public", "公共服务事项"


class OnlineDepth(models.TextChoices):
    """网办深度 in the usual four levels of the 一体化政务服务平台."""

    LEVEL1 = "1", "一级(网上咨询)"
    LEVEL2 = "2", "二级(网上预约/下载表格)"
    LEVEL3 = "3", "三级(网上受理、窗口领证)"
    LEVEL4 = "4", "四级(全程网办)"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    ELECTRONIC = "electronic", "电子件"


class ServiceWindow(models.Model):
    """A department whose staff work the front desk (综合受理/统一出件); its staff and those of its sub-units accept
    cases and issue results. Kept here rather than on Department so that accounts need not know about windows."""

    department = models.OneToOneField(
        "accounts.Department", on_delete=models.CASCADE, related_name="service_window", verbose_name="部门"
    )
    name = models.CharField("窗口名称", max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "综合窗口"
        verbose_name_plural = "综合窗口"

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    code = models.CharField("事项编码", max_length=40, unique=True)
    name = models.CharField("事项名称", max_length=200)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="service_items", verbose_name="实施部门"
    )
    level = models.CharField("层级", max_length=16, choices=ItemLevel.choices, default=ItemLevel.DISTRICT)
    kind = models.CharField("事项类型", max_length=16, choices=ItemKind.choices, default=ItemKind.ON_APPLICATION)
    legal_limit_days = models.PositiveIntegerField("法定办结时限(工作日)")
    committed_limit_days = models.PositiveIntegerField("承诺办结时限(工作日)")
    conditions = models.TextField("受理条件", blank=True)
    fees = models.CharField("收费标准", max_length=200, blank=True, default="不收费")
    online_depth = models.CharField("网办深度", max_length=1, choices=OnlineDepth.choices, default=OnlineDepth.LEVEL3)
    cross_province = models.BooleanField("跨省通办", default=False)
    in_province = models.BooleanField("省内通办", default=False)
    # One step per line (受理, 审查, 决定, 送达…); a bundle merges steps with the same name.
    steps = models.TextField("办理环节", blank=True, default="受理\n审查\n决定\n办结")
    legal_basis = models.TextField("设定依据", blank=True)
    window_location = models.CharField("办理地点", max_length=200, blank=True)
    contact_phone = models.CharField("咨询电话", max_length=30, blank=True)
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(committed_limit_days__lte=models.F("legal_limit_days")),
                name="govservices_item_committed_within_legal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def cut_percent(self) -> int:
        """How much shorter the committed limit is than the legal one, in whole percent."""
        if not self.legal_limit_days:
            return 0
        return round(100 * (self.legal_limit_days - self.committed_limit_days) / self.legal_limit_days)

    @property
    def step_list(self) -> list[str]:
        return [s.strip() for s in self.steps.splitlines() if s.strip()]


class ItemMaterial(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=200)
    key = models.CharField("归并键", max_length=200, editable=False, db_index=True)
    form = models.CharField("材料形式", max_length=16, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    source = models.CharField("来源渠道", max_length=100, blank=True, default="申请人自备")
    required = models.BooleanField("必要", default=True)
    may_be_missing = models.BooleanField("可容缺", default=False)
    commitment_allowed = models.BooleanField("可告知承诺", default=False)
    notes = models.CharField("填报说明", max_length=255, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["item", "sort_order", "id"]
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.key = material_key(self.name)
        super().save(*args, **kwargs)


class Bundle(models.Model):
    """一件事一次办: several items handled as one 'thing' through one window, in parallel."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("一件事名称", max_length=200)
    description = models.TextField("说明", blank=True)
    lead_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="牵头部门"
    )
    items = models.ManyToManyField(ServiceItem, through="BundleItem", related_name="bundles", verbose_name="事项")
    # Empty: the items run in parallel, so the bundle takes as long as its slowest item.
    committed_limit_days = models.PositiveIntegerField("承诺办结时限(工作日)", null=True, blank=True)
    is_active = models.BooleanField("在用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "一件事"
        verbose_name_plural = "一件事"

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="bundle_items")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="govservices_bundle_item_once")]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


# ---------------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------------


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", "网上申报待受理"
    ACCEPTED = "accepted", "已受理(审批中)"
    CORRECTION = "correction", "待补正"
    APPROVED = "approved", "审批通过待出件"
    REJECTED = "rejected", "不予许可"
    ISSUED = "issued", "已出件待领取"
    COLLECTED = "collected", "已领取"


FINISHED_STATES = (CaseState.REJECTED, CaseState.ISSUED, CaseState.COLLECTED)


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申报"


class ApplicantKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    PERSON = "person", "个人"


class PickupMethod(models.TextChoices):
    WINDOW = "window", "窗口领取"
    LOCKER = "locker", "24小时自助取件柜"


class ServiceCase(models.Model):
    number = models.CharField("办件编号", max_length=32, unique=True, null=True, blank=True)
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name="事项"
    )
    bundle = models.ForeignKey(
        Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name="一件事"
    )
    title = models.CharField("办件名称", max_length=200)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="主办部门"
    )
    applicant_kind = models.CharField("申请人类型", max_length=16, choices=ApplicantKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_cases",
        verbose_name="申请企业",
    )
    applicant_name = models.CharField("申请人/经办人", max_length=100)
    applicant_phone = models.CharField("联系电话", max_length=20, blank=True)
    applicant_id_number = models.CharField("证件号码", max_length=30, blank=True)
    channel = models.CharField("受理渠道", max_length=16, choices=Channel.choices, default=Channel.WINDOW)
    state = models.CharField("状态", max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED)
    committed_limit_days = models.PositiveIntegerField("承诺时限(工作日)")
    submitted_at = models.DateTimeField("申报时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField("承诺办结日期", null=True, blank=True)
    is_rongque = models.BooleanField("容缺受理", default=False)
    decided_at = models.DateTimeField("审批完成时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    rejection_reason = models.TextField("不予许可理由", blank=True)
    correction_note = models.TextField("补正要求", blank=True)
    pickup_method = models.CharField("领取方式", max_length=16, choices=PickupMethod.choices, blank=True)
    locker_number = models.CharField("取件柜格口", max_length=20, blank=True)
    issued_at = models.DateTimeField("出件时间", null=True, blank=True)
    collected_at = models.DateTimeField("领取时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "办件"
        verbose_name_plural = "办件"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(item__isnull=False) & models.Q(bundle__isnull=True))
                | (models.Q(item__isnull=True) & models.Q(bundle__isnull=False)),
                name="govservices_case_item_xor_bundle",
            ),
            models.CheckConstraint(
                condition=~models.Q(applicant_kind="enterprise") | models.Q(enterprise__isnull=False),
                name="govservices_case_enterprise_applicant",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "accepted_at"], name="gs_case_dept_accepted"),
            models.Index(fields=["enterprise", "-submitted_at"], name="gs_case_enterprise"),
            models.Index(fields=["state"], name="gs_case_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '待受理'} {self.title}"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def on_time(self) -> bool | None:
        """Finished on or before the committed date; None while running."""
        if self.finished_at is None or self.deadline is None:
            return None
        return timezone.localdate(self.finished_at) <= self.deadline


class TaskState(models.TextChoices):
    PENDING = "pending", "审批中"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "不予许可"
    CORRECTION = "correction", "要求补正"


class CaseTask(models.Model):
    """One item's back-office decision within a case (one task for an item case, one per item for a bundle)."""

    case = models.ForeignKey(ServiceCase, on_delete=models.CASCADE, related_name="tasks")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.PENDING)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.item_id} {self.state}"


class MaterialStatus(models.TextChoices):
    PROVIDED = "provided", "已提交"
    MISSING = "missing", "容缺待补"
    SUPPLIED = "supplied", "已补齐"
    COMMITTED = "committed", "告知承诺"
    NOT_REQUIRED = "not_required", "不涉及"


class SupplyChannel(models.TextChoices):
    ONLINE = "online", "网上上传"
    WINDOW = "window", "窗口递交"


class VerificationResult(models.TextChoices):
    PENDING = "", "待核查"
    TRUE = "true", "核查属实"
    FALSE = "false", "承诺不实"


class CaseMaterial(models.Model):
    case = models.ForeignKey(ServiceCase, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    required = models.BooleanField(default=True)
    may_be_missing = models.BooleanField(default=False)
    commitment_allowed = models.BooleanField(default=False)
    # The item departments that asked for it (a merged bundle material may serve several).
    asked_by = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=MaterialStatus.choices, default=MaterialStatus.PROVIDED)
    due_date = models.DateField("补齐期限", null=True, blank=True)
    supplied_at = models.DateTimeField(null=True, blank=True)
    supplied_via = models.CharField(max_length=16, choices=SupplyChannel.choices, blank=True)
    file = models.FileField(upload_to="govservices/materials/%Y/%m/", blank=True)
    commitment_text = models.TextField("承诺内容", blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_result = models.CharField(max_length=8, choices=VerificationResult.choices, blank=True, default="")
    verification_note = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def outstanding(self) -> bool:
        return self.status == MaterialStatus.MISSING


class ReminderKind(models.TextChoices):
    BEFORE = "before", "到期前提醒"
    DUE = "due", "到期当日提醒"


class MaterialReminder(models.Model):
    """One reminder sent for one missing material; the unique key is what makes the reminder run safe to repeat."""

    material = models.ForeignKey(CaseMaterial, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    due_date = models.DateField()
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["material", "kind", "due_date"], name="govservices_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.material_id} {self.kind} {self.due_date}"


class CaseEvent(AppendOnlyModel):
    """Append-only timeline of a case."""

    append_only_label = "办件时间线"

    case = models.ForeignKey(ServiceCase, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32)
    summary = models.CharField(max_length=500)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    # Shown to the applicant; internal notes (e.g. a verification's details) are not.
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.summary


class CommitmentBreach(models.Model):
    """A false 告知承诺, recorded against the enterprise (or person) and visible to the office."""

    case = models.ForeignKey(ServiceCase, on_delete=models.PROTECT, related_name="breaches")
    material = models.OneToOneField(CaseMaterial, on_delete=models.PROTECT, related_name="breach")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="commitment_breaches"
    )
    applicant_name = models.CharField(max_length=100)
    description = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.applicant_name}:{self.description[:50]}"


# ---------------------------------------------------------------------------------------------------------------
# 好差评
# ---------------------------------------------------------------------------------------------------------------


class Score(models.IntegerChoices):
    VERY_DISSATISFIED = 1, "非常不满意"
    DISSATISFIED = 2, "不满意"
    NEUTRAL = 3, "基本满意"
    SATISFIED = 4, "满意"
    VERY_SATISFIED = 5, "非常满意"


POOR_SCORE_MAX = 2
SATISFIED_SCORE_MIN = 4


class RatingChannel(models.TextChoices):
    ONLINE = "online", "网上评价"
    PAD = "pad", "窗口评价器"


class Rating(models.Model):
    case = models.OneToOneField(ServiceCase, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(choices=Score.choices)
    channel = models.CharField(max_length=8, choices=RatingChannel.choices, default=RatingChannel.ONLINE)
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="gs_score_1_5")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.score}"

    @property
    def is_poor(self) -> bool:
        return self.score <= POOR_SCORE_MAX


class Rectification(models.Model):
    """差评整改: the department answers within 15 working days; the office sees every one."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="rectification")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"整改 {self.rating_id}"


RECTIFICATION_WORKING_DAYS = 15


# ---------------------------------------------------------------------------------------------------------------
# 帮办代办
# ---------------------------------------------------------------------------------------------------------------


class AgencyState(models.TextChoices):
    REQUESTED = "requested", "待分派"
    ASSIGNED = "assigned", "代办中"
    DONE = "done", "已办结"
    CANCELLED = "cancelled", "已取消"


class AgencyRequest(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="agency_requests", verbose_name="企业"
    )
    subject = models.CharField("代办事项", max_length=200)
    project_name = models.CharField("项目名称", max_length=200, blank=True)
    description = models.TextField("需求说明", blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    state = models.CharField(max_length=16, choices=AgencyState.choices, default=AgencyState.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="agency_assignments"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField("办理结果", blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class AgencyStep(AppendOnlyModel):
    """Append-only log of what the agent (代办员) did."""

    append_only_label = "代办记录"

    request = models.ForeignKey(AgencyRequest, on_delete=models.CASCADE, related_name="steps")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.note[:50]
