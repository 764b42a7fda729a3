"""Records related to an enterprise that eligibility rules count and sum: loans and violations.

They belong to the `policies` app (imported by policies/models.py so that Django registers them). Every field a rule
can read is NOT NULL, so the conditions inside one record are two-valued in Python and in SQL alike. Money is
integer fen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LoanKind(models.TextChoices):
    STARTUP_GUARANTEE = "startup_guarantee", "创业担保贷款"
    IP_PLEDGE = "ip_pledge", "知识产权质押贷款"
    EQUIPMENT_RENEWAL = "equipment_renewal", "设备更新贷款"
    AGRICULTURE = "agriculture", "新型农业经营主体贷款"
    ECOMMERCE = "ecommerce", "电商企业贷款"
    FIRST_LOAN_301 = "first_loan_301", "“301”首贷户贷款"
    OTHER = "other", "其他贷款"


class EnterpriseLoan(models.Model):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="loans")
    kind = models.CharField("贷款类型", max_length=24, choices=LoanKind.choices)
    bank = models.CharField("贷款银行", max_length=100, blank=True)
    amount_fen = models.BigIntegerField("贷款金额(分)")
    interest_fen = models.BigIntegerField("实付利息(分)", default=0)
    granted_on = models.DateField("放款日期")
    pboc_relending = models.BooleanField("获人民银行再贷款支持", default=False)
    first_loan = models.BooleanField("首贷", default=False)
    source = models.CharField("来源", max_length=100, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = "企业贷款"
        verbose_name_plural = "企业贷款"
        indexes = [models.Index(fields=["enterprise", "granted_on"], name="loan_ent_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=Q(interest_fen__gte=0), name="loan_interest_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen / 100:.2f} 元"


class ViolationKind(models.TextChoices):
    FISCAL_FUND = "fiscal_fund", "财政资金使用违法违规"
    QUALITY = "quality", "质量"
    SAFETY = "safety", "安全生产"
    ENVIRONMENT = "environment", "环保"
    TAX = "tax", "税务"
    OTHER = "other", "其他"


class Severity(models.TextChoices):
    MAJOR = "major", "重大"
    GENERAL = "general", "一般"


class EnterpriseViolation(models.Model):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="violations")
    kind = models.CharField("类别", max_length=16, choices=ViolationKind.choices)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    occurred_on = models.DateField("发生日期")
    description = models.CharField("情况说明", max_length=255, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = "企业违法违规记录"
        verbose_name_plural = "企业违法违规记录"
        indexes = [models.Index(fields=["enterprise", "occurred_on"], name="violation_ent_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}({self.get_severity_display()}){self.occurred_on}"
