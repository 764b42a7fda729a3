"""企业诉求: categories, appeals and everything that happens to them.

Deadlines are stored as dates (computed by core.workdays when a stage starts and recomputed when an extension or a
suspension is approved), so the 红黄绿 colour is a database expression over stored columns and today's date: it is
never stale and can be filtered and counted in SQL (see selectors.with_colour).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from yingshang.core.models import AppendOnlyModel


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "特急"


class Channel(models.TextChoices):
    WEB = "web", "网上申报"
    MINI_PROGRAM = "mini_program", "小程序"
    PHONE = "phone", "电话"
    HOTLINE_12345 = "12345", "12345热线"
    RECEPTION = "reception", "企业接待日"
    MEETING = "meeting", "政企座谈会"
    VISIT = "visit", "走访"
    OPEN311 = "open311", "Open311接口"


class AppealState(models.TextChoices):
    SUBMITTED = "submitted", "待分派"
    DISPATCHED = "dispatched", "待签收"
    HANDLING = "handling", "办理中"
    SUSPENDED = "suspended", "挂起中"
    REPLIED = "replied", "待审核"
    REVIEWED = "reviewed", "待回访"
    CLOSED = "closed", "已办结"
    MERGED = "merged", "已合并"


# States in which the department's clock has stopped for good (its work was handed in) or the appeal is gone.
FINISHED_STATES = (AppealState.REPLIED, AppealState.REVIEWED, AppealState.CLOSED, AppealState.MERGED)
OPEN_STATES = (
    AppealState.SUBMITTED,
    AppealState.DISPATCHED,
    AppealState.HANDLING,
    AppealState.SUSPENDED,
    AppealState.REPLIED,
    AppealState.REVIEWED,
)


class Colour(models.TextChoices):
    GREEN = "green", "绿"
    YELLOW = "yellow", "黄"
    RED = "red", "红"


class AppealCategory(models.Model):
    """An editable tree: 用地用能, 审批验收, … with sub-categories; limits are in working days."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级分类"
    )
    description = models.CharField("说明", max_length=200, blank=True)
    default_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="默认承办部门",
    )
    sign_limit_days = models.PositiveSmallIntegerField("签收时限(工作日)", default=1)
    limit_normal_days = models.PositiveSmallIntegerField("一般件办理时限(工作日)", default=10)
    limit_urgent_days = models.PositiveSmallIntegerField("紧急件办理时限(工作日)", default=5)
    limit_critical_days = models.PositiveSmallIntegerField("特急件办理时限(工作日)", default=2)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="appeal_category_unique_name_in_parent"),
            models.CheckConstraint(condition=Q(sign_limit_days__gte=1), name="appeal_category_sign_limit_positive"),
            models.CheckConstraint(
                condition=Q(limit_normal_days__gte=1, limit_urgent_days__gte=1, limit_critical_days__gte=1),
                name="appeal_category_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        names = [self.name]
        node = self.parent
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))

    def limit_for(self, urgency: str) -> int:
        return {
            Urgency.URGENT: self.limit_urgent_days,
            Urgency.CRITICAL: self.limit_critical_days,
        }.get(urgency, self.limit_normal_days)  # type: ignore[call-overload]


class AppealNumberCounter(models.Model):
    """One row per year; numbers are taken with an atomic UPDATE so they never repeat under concurrency."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "诉求编号计数器"
        verbose_name_plural = "诉求编号计数器"

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class MeetingKind(models.TextChoices):
    TEA = "tea", "茶叙会"
    BREAKFAST = "breakfast", "政企早餐会"
    RECEPTION = "reception", "企业接待日"
    SERVICE_DAY = "service_day", "企业服务日"


class Meeting(models.Model):
    kind = models.CharField("活动类型", max_length=16, choices=MeetingKind.choices)
    title = models.CharField("主题", max_length=200)
    held_on = models.DateField("日期")
    location = models.CharField("地点", max_length=200, blank=True)
    host = models.CharField("主持/接待领导", max_length=100, blank=True)
    notes = models.TextField("纪要", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = "政企活动"
        verbose_name_plural = "政企活动"

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()} {self.title}"


class Appeal(models.Model):
    number = models.CharField("诉求编号", max_length=20, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name="企业",
    )
    # For 12345/Open311 callers not (yet) matched to a registered enterprise.
    enterprise_name = models.CharField("企业名称", max_length=200, blank=True)
    category = models.ForeignKey(AppealCategory, on_delete=models.PROTECT, related_name="appeals", verbose_name="分类")
    title = models.CharField("标题", max_length=200)
    description = models.TextField("诉求内容")
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices, default=Channel.WEB)
    external_id = models.CharField("外部编号", max_length=64, blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals", verbose_name="政企活动"
    )
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    confidential = models.BooleanField("保密", default=False)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    state = models.CharField("状态", max_length=16, choices=AppealState.choices, default=AppealState.SUBMITTED)
    # Optimistic locking: every change bumps it; a save carrying an older version is refused (ConflictError).
    version = models.PositiveIntegerField(default=1)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提交时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    lead_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_appeals",
        verbose_name="主办部门",
    )
    # The deadline of the current stage (dispatch, sign or handle) and the first day it shows yellow; NULL while the
    # clock is stopped (suspended, or the department has handed in its reply).
    deadline = models.DateField("当前时限", null=True, blank=True)
    yellow_from = models.DateField("黄灯起始日", null=True, blank=True)
    sign_deadline = models.DateField("签收时限", null=True, blank=True)
    handle_deadline = models.DateField("办理时限", null=True, blank=True)
    dispatched_at = models.DateTimeField("分派时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    suspended_since = models.DateField("挂起起始日", null=True, blank=True)
    paused_days = models.PositiveIntegerField("挂起工作日", default=0)
    extended_days = models.PositiveIntegerField("延期工作日", default=0)
    # Set when the department hands in its reply: was that after the handle deadline?
    finished_late = models.BooleanField("超期答复", default=False)
    working_days_to_close = models.PositiveIntegerField("办结用时(工作日)", null=True, blank=True)
    reopen_count = models.PositiveIntegerField("重办次数", default=0)
    return_count = models.PositiveIntegerField("退单次数", default=0)
    ever_suspended = models.BooleanField("曾挂起", default=False)
    last_resolution = models.CharField("解决情况", max_length=16, blank=True)
    last_rating = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_appeals", verbose_name="并入"
    )
    # 核减: the office judged the appeal unreasonable; it stays in the ledger but leaves department statistics.
    excluded = models.BooleanField("核减", default=False)
    exclusion_reason = models.CharField("核减理由", max_length=500, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    excluded_at = models.DateTimeField("核减时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "企业诉求"
        verbose_name_plural = "企业诉求"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="appeal_unique_external_id_per_channel",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="appeal_version_positive"),
            models.CheckConstraint(
                condition=Q(last_rating__isnull=True) | Q(last_rating__gte=1, last_rating__lte=5),
                name="appeal_rating_range",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="appeal_state_deadline"),
            models.Index(fields=["lead_department", "created_at"], name="appeal_dept_created"),
            models.Index(fields=["enterprise", "created_at"], name="appeal_enterprise_created"),
            # The ledger's default order (Meta.ordering), so a page is an index walk rather than a sort.
            models.Index(fields=["-created_at", "-id"], name="appeal_created_desc"),
            # Everything the red/yellow/green colour needs, so the colour counts are answered from the index.
            models.Index(fields=["state", "finished_late", "deadline", "yellow_from"], name="appeal_colour_cover"),
            # The 在办 ledger (its default view) and its 红黄绿 counts: only open appeals, with every column the
            # counts, the department filter and the department's visibility join (id) read, so PostgreSQL counts
            # them with an index-only scan instead of visiting the heap pages, over which open appeals are spread.
            models.Index(
                fields=["state", "lead_department", "deadline", "yellow_from", "finished_late", "id"],
                condition=Q(state__in=OPEN_STATES),
                name="appeal_open_ledger",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def party_name(self) -> str:
        return self.enterprise.name if self.enterprise_id and self.enterprise else self.enterprise_name


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    ASSIST = "assist", "协办"


class AssignmentState(models.TextChoices):
    PENDING = "pending", "待签收"
    SIGNED = "signed", "已签收"
    RETURNED = "returned", "已退单"
    WITHDRAWN = "withdrawn", "已撤回"


class Assignment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="appeal_assignments")
    role = models.CharField("承办方式", max_length=8, choices=AssignmentRole.choices)
    state = models.CharField("状态", max_length=16, choices=AssignmentState.choices, default=AssignmentState.PENDING)
    dispatched_at = models.DateTimeField("分派时间")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sign_deadline = models.DateField("签收时限")
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField("退单时间", null=True, blank=True)
    return_reason = models.CharField("退单理由", max_length=500, blank=True)

    class Meta:
        ordering = ["dispatched_at", "id"]
        verbose_name = "分派"
        verbose_name_plural = "分派"
        indexes = [
            models.Index(fields=["department", "state"], name="assignment_dept_state"),
            # "What is live on my desk": only pending/signed rows, a small fraction once appeals pile up.
            models.Index(
                fields=["department", "appeal"],
                condition=Q(state__in=["pending", "signed"]),
                name="assignment_dept_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} → {self.department_id} ({self.role})"

    @property
    def signed_on_time(self) -> bool:
        return self.signed_at is not None and timezone.localdate(self.signed_at) <= self.sign_deadline


class RequestState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    ENDED = "ended", "已恢复办理"


class Extension(models.Model):
    """延期: the department asks for more working days; the office decides."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延期工作日")
    reason = models.CharField("理由", max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [models.CheckConstraint(condition=Q(days__gte=1, days__lte=60), name="extension_days_range")]

    def __str__(self) -> str:
        return f"延期 {self.days} 个工作日({self.get_state_display()})"


class Suspension(models.Model):
    """挂起: while approved, the clock stops; resuming moves the deadline by the working days spent suspended."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.CharField("理由", max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)
    started_on = models.DateField("挂起起始日", null=True, blank=True)
    ended_on = models.DateField("恢复日", null=True, blank=True)
    paused_days = models.PositiveIntegerField("挂起工作日", default=0)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "挂起申请"
        verbose_name_plural = "挂起申请"

    def __str__(self) -> str:
        return f"挂起({self.get_state_display()})"


class SupervisionLevel(models.TextChoices):
    OFFICE = "office", "营商办督办"
    LEADER = "leader", "区领导督办"


class Supervision(models.Model):
    """督办: its own deadline, reminders (催办) and a written reply from the lead department."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="supervisions")
    level = models.CharField("督办级别", max_length=16, choices=SupervisionLevel.choices)
    opinion = models.TextField("督办意见")
    deadline = models.DateField("督办时限")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    reminders_sent = models.PositiveIntegerField("催办次数", default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField("书面回复", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "督办"
        verbose_name_plural = "督办"

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.deadline:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return self.replied_at is not None


class Reply(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.TextField("办理结果")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "答复"
        verbose_name_plural = "答复"

    def __str__(self) -> str:
        return f"答复 #{self.pk}"


def _attachment_path(instance: AppealAttachment, filename: str) -> str:
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    # Stored under a random name: the original name is kept in a column, never used as a path.
    return f"appeals/{instance.appeal_id}/{uuid.uuid4().hex}.{suffix}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "诉求附件"
        verbose_name_plural = "诉求附件"

    def __str__(self) -> str:
        return self.original_name


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "审核通过"
    SEND_BACK = "send_back", "退回重办"


class Review(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    comment = models.CharField("审核意见", max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "审核"
        verbose_name_plural = "审核"

    def __str__(self) -> str:
        return self.get_decision_display()


class Resolution(models.TextChoices):
    SOLVED = "solved", "已解决"
    PARTLY = "partly", "部分解决"
    UNSOLVED = "unsolved", "未解决"


class Rating(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


# 满意率 counts these ratings as satisfied (docs/statistics.md).
SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY)


class FollowUpSource(models.TextChoices):
    OFFICE = "office", "营商办回访"
    ENTERPRISE = "enterprise", "企业评价"


class FollowUp(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="follow_ups")
    source = models.CharField(max_length=16, choices=FollowUpSource.choices, default=FollowUpSource.OFFICE)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reached = models.BooleanField("联系上企业")
    resolution = models.CharField("解决情况", max_length=16, choices=Resolution.choices, blank=True)
    rating = models.PositiveSmallIntegerField("满意度", choices=Rating.choices, null=True, blank=True)
    comment = models.CharField("回访记录", max_length=1000, blank=True)
    reopened = models.BooleanField("触发重办", default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "回访"
        verbose_name_plural = "回访"

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"


class AppealEvent(AppendOnlyModel):
    """Append-only timeline: rows are inserted, never changed or deleted (save/delete refuse it)."""

    append_only_label = "诉求时间线"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    # Internal events (office notes, 督办, 核减, department names for 保密 appeals) are hidden from the enterprise.
    internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "诉求事件"
        verbose_name_plural = "诉求事件"

    def __str__(self) -> str:
        return self.title


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` seen for one caller (scope): retries and concurrent duplicates return the first result.

    The unique constraint is the lock: of two concurrent requests with the same key exactly one inserts its row; the
    other gets IntegrityError, waits for the winner's transaction and returns the winner's appeal.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    response_status = models.PositiveSmallIntegerField(default=201)
    response_body = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class RankingPublication(models.Model):
    """A published monthly 红黄榜: the figures are frozen as they were when published."""

    month = models.DateField("月份", unique=True)  # first day of the month
    weights = models.JSONField()
    rows = models.JSONField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]
        verbose_name = "红黄榜"
        verbose_name_plural = "红黄榜"

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}红黄榜"
