from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .errors import ApplicationError


class AppendOnlyError(ApplicationError, RuntimeError):
    """A timeline or log row was about to be changed or deleted. A programming error (RuntimeError); as an
    ApplicationError it still reaches a caller as a clear Chinese message rather than a 500."""


class AppendOnlyModel(models.Model):
    """Rows are inserted, never changed or deleted through the ORM (timelines, the audit log, agency steps)."""

    append_only_label = "记录"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self.append_only_label}只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.append_only_label}只能追加,不能删除")


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"


class AuditLog(AppendOnlyModel):
    """One row of the append-only, hash-chained audit log.

    `seq` is assigned under a lock from `AuditChainHead`, so a gap in `seq` always means a missing row (database
    sequences may skip numbers on rollback; `seq` never does). `row_hash` covers `prev_hash` and the content.
    """

    seq = models.BigIntegerField("序号", unique=True, editable=False)
    created_at = models.DateTimeField("时间", editable=False, db_index=True)
    # No database constraint and no cascade: deleting an account must not rewrite (SET_NULL) or remove audit rows,
    # since `user_id` is part of each row's hash. `username` keeps the name as it was at the time.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField("用户", max_length=150, blank=True)
    ip = models.CharField("IP", max_length=45, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    result = models.CharField("结果", max_length=16, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    detail = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.username}"

    append_only_label = "审计日志"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计日志不能删除(保留期满后只能由 audit_prune 从最早处截除)")


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # Set when rows older than the retention period are pruned: verification starts from here.
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC over the four fields above: without the key nobody can move the head back (drop the newest rows) or the
    # anchor forward (drop the oldest rows) and have the chain still verify.
    mac = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"审计链头 #{self.last_seq}"


class CalendarSource(models.TextChoices):
    PACKAGE = "chinese_calendar", "chinese-calendar 数据"
    ADMIN = "admin", "管理员维护"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a statutory holiday on a weekday, or a 调休 working weekend day."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日")
    name = models.CharField("说明", max_length=64, blank=True)
    source = models.CharField("来源", max_length=32, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "工作日历例外日"
        verbose_name_plural = "工作日历例外日"

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '休息'} {self.name}"


class CalendarYear(models.Model):
    """Which years the calendar knows completely; deadlines in an unknown year fall back to weekdays, with a warning."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=32, choices=CalendarSource.choices)
    confirmed = models.BooleanField("已确认", default=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"

    def __str__(self) -> str:
        return str(self.year)


class Notification(models.Model):
    """An in-app inbox message."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=500, blank=True)
    category = models.CharField("类别", max_length=32, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class OutboxChannel(models.TextChoices):
    SMS = "sms", "短信"
    EMAIL = "email", "邮件"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    STORED = "stored", "已存入发件箱(未接网关)"


class OutboxMessage(models.Model):
    """Every SMS/e-mail the platform sends, whichever gateway carries it; without a gateway it stays here."""

    channel = models.CharField("渠道", max_length=16, choices=OutboxChannel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to = models.CharField("接收方", max_length=255)
    subject = models.CharField("主题", max_length=200, blank=True)
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    gateway = models.CharField("网关", max_length=32, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # When a worker claimed the message (PENDING → SENDING); a claim older than the retry delay is presumed dead.
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "发件箱"
        verbose_name_plural = "发件箱"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to}"
