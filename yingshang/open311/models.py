"""Open311 (GeoReport v2): the API keys of outside systems and what each key submitted.

Only a SHA-256 of a key is stored. Keys are 32 random bytes, so a fast hash is enough (no dictionary to guess from,
unlike passwords); the plain key is shown once when it is created and can never be read back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class KeyChannel(models.TextChoices):
    """How appeals posted with the key are recorded (the appeals app's Channel values)."""

    OPEN311 = "open311", "Open311接口"
    HOTLINE_12345 = "12345", "12345热线"


class ApiKey(models.Model):
    name = models.CharField("名称", max_length=100)
    # The first characters of the key, kept so staff can tell keys apart; useless for authenticating.
    prefix = models.CharField("密钥前缀", max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField("来源渠道", max_length=16, choices=KeyChannel.choices, default=KeyChannel.OPEN311)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Open311接口密钥"
        verbose_name_plural = "Open311接口密钥"

    def __str__(self) -> str:
        return f"{self.name}({self.prefix}…)"


class Submission(models.Model):
    """One appeal as seen by one key: the token GET tokens/{token} resolves, and the submitter's own contact data.

    The e-mail address has no column on the appeal; it is kept here (never shown by the public endpoints).
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=32, unique=True)
    external_id = models.CharField("外部编号", max_length=64, blank=True)
    email = models.EmailField("邮箱", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Open311提交记录"
        verbose_name_plural = "Open311提交记录"
        constraints = [models.UniqueConstraint(fields=["api_key", "appeal"], name="open311_submission_unique")]

    def __str__(self) -> str:
        return self.token
