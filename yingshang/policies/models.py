"""惠企政策: the policy library (drafts and immutable published versions), matching runs, 免申即享 grants,
applications with materials, disbursements and the records behind the statistics.

Money is integer fen everywhere (`*_fen`); the rule and formula are JSON in the language of docs/rules-language.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from yingshang.core.models import AppendOnlyModel


class PolicyCategory(models.TextChoices):
    RECOGNITION = "recognition", "认定类"
    SUBSIDY = "subsidy", "奖补类"
    INTEREST = "interest", "贴息类"
    RELIEF = "relief", "减免类"
    QUALIFICATION = "qualification", "资质认定"
    OTHER = "other", "其他"


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已废止"


class AllocationRule(models.TextChoices):
    PRO_RATA = "pro_rata", "按比例分配"
    FIRST_COME = "first_come", "先到先得"


class PolicyContent(models.Model):
    """What a policy says: edited on the Policy (the draft) and frozen into each PolicyVersion when published."""

    title = models.CharField("政策名称", max_length=200)
    issuing_departments = models.CharField("发文单位", max_length=200, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    source_text = models.TextField("政策原文", blank=True)
    summary = models.CharField("支持内容摘要", max_length=500, blank=True)
    category = models.CharField("类别", max_length=20, choices=PolicyCategory.choices, default=PolicyCategory.SUBSIDY)
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True)
    window_start = models.DateField("申报开始", null=True, blank=True)
    window_end = models.DateField("申报截止", null=True, blank=True)
    rule = models.JSONField("申报条件(规则)", default=dict, blank=True)
    formula = models.JSONField("支持标准(公式)", default=dict, blank=True)
    # [{"name": ..., "description": ..., "original_required": bool}]
    materials = models.JSONField("申报材料", default=list, blank=True)
    review_rules = models.TextField("审核规则", blank=True)
    reviewing_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="审核部门"
    )
    pool_budget_fen = models.BigIntegerField("年度资金池(分)", null=True, blank=True)
    allocation_rule = models.CharField(
        "资金池分配规则", max_length=16, choices=AllocationRule.choices, default=AllocationRule.PRO_RATA
    )
    auto_grant = models.BooleanField("免申即享", default=False)

    class Meta:
        abstract = True


class Policy(PolicyContent):
    status = models.CharField(max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, db_index=True)
    current_version = models.ForeignKey(
        "PolicyVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The draft differs from the current version; publishing again is needed for edits to take effect.
    has_unpublished_changes = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "政策"
        verbose_name_plural = "政策"
        # The 政策礼包 asks on every request which versions are current; this answers from the index alone.
        indexes = [models.Index(fields=["status", "current_version"], name="policy_status_current")]

    def __str__(self) -> str:
        return self.title


class PolicyVersion(PolicyContent):
    """One publication of a policy. Immutable: a change is a new version."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    rule_hash = models.CharField("规则哈希", max_length=64)
    test_cases = models.JSONField("测试用例", default=list, blank=True)
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    retired_at = models.DateTimeField("废止时间", null=True, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        verbose_name = "政策版本"
        verbose_name_plural = "政策版本"
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number_once")]

    def __str__(self) -> str:
        return f"{self.title}(第{self.number}版)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only retirement may touch a stored version; what it said stays exactly as published.
        if not self._state.adding and kwargs.get("update_fields") != ["retired_at"]:
            raise RuntimeError("已发布的政策版本不可修改")
        super().save(*args, **kwargs)


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", "符合"
    INELIGIBLE = "ineligible", "不符合"
    UNKNOWN = "unknown", "信息不全"


class PolicyTestCase(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField("用例名称", max_length=100)
    facts = models.JSONField("企业数据", default=dict)
    decision_date = models.DateField("判定日期", null=True, blank=True)
    expected_verdict = models.CharField("预期结论", max_length=16, choices=Verdict.choices)
    expected_amount_fen = models.BigIntegerField("预期金额(分)", null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "政策测试用例"
        verbose_name_plural = "政策测试用例"

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "匹配中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class MatchRun(models.Model):
    """One matching of a published version against every enterprise (a background task with a progress bar)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    decision_date = models.DateField("判定日期")
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    eligible_count = models.PositiveIntegerField(default=0)
    unknown_count = models.PositiveIntegerField(default=0)
    new_matches = models.PositiveIntegerField(default=0)
    grants_created = models.PositiveIntegerField(default=0)
    failure_message = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "匹配任务"
        verbose_name_plural = "匹配任务"

    def __str__(self) -> str:
        return f"匹配 {self.version}"


class MatchResult(models.Model):
    """The verdict of one version for one enterprise; `notified_at` makes a re-run notify only new matches."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="results")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="match_results")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    run = models.ForeignKey(MatchRun, null=True, on_delete=models.SET_NULL, related_name="+")
    matched_at = models.DateTimeField(auto_now=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "匹配结果"
        verbose_name_plural = "匹配结果"
        constraints = [models.UniqueConstraint(fields=["version", "enterprise"], name="match_once_per_version")]
        indexes = [models.Index(fields=["policy", "enterprise"], name="match_policy_ent")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}:{self.verdict}"


class GrantStatus(models.TextChoices):
    MATCHED = "matched", "已匹配待确认"
    CONFIRMED = "confirmed", "已确认待拨付"
    DISBURSED = "disbursed", "已拨付"
    ANNOUNCED = "announced", "已公示"
    REVOKED = "revoked", "已撤销"


class Grant(models.Model):
    """免申即享: a benefit decided from data, without an application. One per policy, enterprise and pool year."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="grants")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="grants")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="policy_grants")
    year = models.PositiveSmallIntegerField("资金年度")
    status = models.CharField(max_length=16, choices=GrantStatus.choices, default=GrantStatus.MATCHED, db_index=True)
    computed_fen = models.BigIntegerField("测算金额(分)", null=True, blank=True)
    amount_fen = models.BigIntegerField("核定金额(分)", null=True, blank=True)
    rule_hash = models.CharField("规则哈希", max_length=64)
    facts_snapshot = models.JSONField("判定依据数据", default=dict)
    explanation = models.JSONField("判定说明", default=dict)
    decision_date = models.DateField("判定日期")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    announced_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "免申即享兑现"
        verbose_name_plural = "免申即享兑现"
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise", "year"], name="grant_once_per_policy_year")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}→{self.enterprise_id}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "退回补正"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "不予通过"
    DISBURSED = "disbursed", "已拨付"
    ANNOUNCED = "announced", "已公示"


class Application(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="applications")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="policy_applications"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED, db_index=True
    )
    requested_fen = models.BigIntegerField("申请金额(分)", null=True, blank=True)
    estimated_fen = models.BigIntegerField("测算金额(分)", null=True, blank=True)
    approved_fen = models.BigIntegerField("核定金额(分)", null=True, blank=True)
    note = models.TextField("申请说明", blank=True)
    review_reason = models.TextField("审核意见", blank=True)
    facts_snapshot = models.JSONField("申请时数据", default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "政策申报"
        verbose_name_plural = "政策申报"
        constraints = [
            # One open application per policy and enterprise; a rejected one may be followed by a new one.
            models.UniqueConstraint(
                fields=["policy", "enterprise"],
                condition=~Q(status="rejected"),
                name="application_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}←{self.enterprise_id}"


class ApplicationMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    material_index = models.PositiveSmallIntegerField("材料序号")
    file = models.FileField(upload_to="policy_materials/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["material_index", "id"]
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"

    def __str__(self) -> str:
        return self.original_name


class Disbursement(models.Model):
    """Money actually paid: the basis of every 兑现 statistic. Exactly one of grant/application is set."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="disbursements")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    grant = models.OneToOneField(Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="disbursement")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="disbursement"
    )
    amount_fen = models.BigIntegerField("拨付金额(分)")
    paid_on = models.DateField("拨付日期")
    voucher = models.CharField("拨付凭证号", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = "资金拨付"
        verbose_name_plural = "资金拨付"
        constraints = [
            models.CheckConstraint(
                condition=(Q(grant__isnull=False) & Q(application__isnull=True))
                | (Q(grant__isnull=True) & Q(application__isnull=False)),
                name="disbursement_one_source",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="disbursement_positive"),
        ]
        indexes = [models.Index(fields=["paid_on"], name="disb_paid_on")]

    def __str__(self) -> str:
        return self.voucher


class PolicySubscription(models.Model):
    """An enterprise asks to be told (also by SMS) when a newly published policy matches it."""

    enterprise = models.OneToOneField("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    sms = models.BooleanField("短信提醒", default=True)
    subscribed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "政策订阅"
        verbose_name_plural = "政策订阅"

    def __str__(self) -> str:
        return f"{self.enterprise_id}订阅"


class PolicyInterest(models.Model):
    """企业点单: a policy an enterprise wants to apply for; reminded once when its application window opens."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="interests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "企业点单"
        verbose_name_plural = "企业点单"
        constraints = [models.UniqueConstraint(fields=["enterprise", "policy"], name="interest_once")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}点单{self.policy_id}"


class RecordEvent(AppendOnlyModel):
    """Append-only timeline shared by policies, grants and applications (exactly one of the three is set)."""

    append_only_label = "政策事件"

    policy = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    summary = models.CharField(max_length=255)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "政策事件"
        verbose_name_plural = "政策事件"

    def __str__(self) -> str:
        return self.summary


# Related records the rules engine counts and sums (owned by the engine; imported here so Django registers them).
from .engine.records import EnterpriseLoan, EnterpriseViolation  # noqa: E402

# The engine adapter's related-record models (loans, violations) live in the `policies` app; importing them here
# registers them with Django.

__all__ = ["EnterpriseLoan", "EnterpriseViolation"]
