from __future__ import annotations

from django.conf import settings
from django.db import models

from yingshang.core.models import AppendOnlyModel


class AreaKind(models.TextChoices):
    TOWN = "town", "镇"
    TOWNSHIP = "township", "乡"
    STREET = "street", "街道"


class Township(models.Model):
    name = models.CharField("乡镇/街道", max_length=50, unique=True)
    kind = models.CharField("类型", max_length=16, choices=AreaKind.choices, default=AreaKind.TOWN)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "乡镇/街道"
        verbose_name_plural = "乡镇/街道"

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    name = models.CharField("园区", max_length=100, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "园区"
        verbose_name_plural = "园区"

    def __str__(self) -> str:
        return self.name


class IndustryChain(models.Model):
    name = models.CharField("产业链", max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "产业链"
        verbose_name_plural = "产业链"

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    """A recognised status such as 高新技术企业 or 专精特新"小巨人"."""

    code = models.SlugField("编码", max_length=50, unique=True)
    name = models.CharField("资质", max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "企业资质"
        verbose_name_plural = "企业资质"

    def __str__(self) -> str:
        return self.name


class Scale(models.TextChoices):
    ABOVE = "above", "规上"
    BELOW = "below", "规下"


class FourUpCategory(models.TextChoices):
    NONE = "", "非四上"
    INDUSTRY = "industry", "规上工业"
    CONSTRUCTION = "construction", "资质内建筑业"
    TRADE = "trade", "限上批零住餐"
    SERVICES = "services", "规上服务业"


class Enterprise(models.Model):
    """An enterprise in the registry, keyed by its unified social credit code.

    The columns hold the current value of each fact (what lists and rules filter on); `EnterpriseFact` keeps every
    value with its source and as-of date, by year for yearly figures.
    """

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=200, db_index=True)
    name_initials = models.CharField("名称拼音首字母", max_length=200, blank=True, db_index=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    registered_address = models.CharField("注册地址", max_length=255, blank=True)
    township = models.ForeignKey(
        Township,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name="乡镇/街道",
    )
    park = models.ForeignKey(
        Park, null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises", verbose_name="园区"
    )
    registration_date = models.DateField("成立日期", null=True, blank=True)
    registered_capital = models.DecimalField("注册资本(万元)", max_digits=16, decimal_places=4, null=True, blank=True)
    industry_code = models.CharField("国民经济行业代码", max_length=5, blank=True, db_index=True)
    industry_name = models.CharField("行业名称", max_length=100, blank=True)
    industry_chains = models.ManyToManyField(
        IndustryChain, blank=True, related_name="enterprises", verbose_name="产业链"
    )
    scale = models.CharField("规模", max_length=8, choices=Scale.choices, default=Scale.BELOW, db_index=True)
    four_up_category = models.CharField(
        "四上类别", max_length=16, choices=FourUpCategory.choices, default=FourUpCategory.NONE, blank=True
    )
    qualifications = models.ManyToManyField(
        Qualification, through="EnterpriseQualification", blank=True, related_name="enterprises"
    )
    employees = models.PositiveIntegerField("从业人数", null=True, blank=True)
    annual_revenue = models.DecimalField("年营业收入(万元)", max_digits=18, decimal_places=4, null=True, blank=True)
    tax_paid = models.DecimalField("年纳税额(万元)", max_digits=18, decimal_places=4, null=True, blank=True)
    rd_spend = models.DecimalField("年研发投入(万元)", max_digits=18, decimal_places=4, null=True, blank=True)
    is_dishonest_executee = models.BooleanField("失信被执行人", default=False)
    is_abnormal_operation = models.BooleanField("经营异常", default=False)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = "企业"
        verbose_name_plural = "企业"
        indexes = [
            models.Index(fields=["township", "-id"], name="ent_township_id"),
            models.Index(fields=["park", "-id"], name="ent_park_id"),
            models.Index(fields=["scale", "-id"], name="ent_scale_id"),
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseQualification(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="qualification_links")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="enterprise_links")
    obtained_on = models.DateField("认定日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)
    as_of = models.DateField("数据日期", null=True, blank=True)

    class Meta:
        verbose_name = "企业资质"
        verbose_name_plural = "企业资质"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "qualification"], name="enterprise_qualification_once")
        ]
        indexes = [models.Index(fields=["qualification", "enterprise"], name="entq_qual_ent")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}:{self.qualification_id}"


class EnterpriseFact(models.Model):
    """One value of one fact with its provenance. `year` is set for yearly figures (revenue in 2025)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="facts")
    key = models.CharField("指标", max_length=50)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    value = models.JSONField("值", null=True)
    source = models.CharField("来源", max_length=100)
    as_of = models.DateField("数据日期")
    recorded_at = models.DateTimeField("记录时间", auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key", "-year"]
        verbose_name = "企业数据项"
        verbose_name_plural = "企业数据项"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "key", "year"], name="fact_once_per_year"),
            models.UniqueConstraint(
                fields=["enterprise", "key"], condition=models.Q(year__isnull=True), name="fact_once_undated"
            ),
        ]
        indexes = [models.Index(fields=["key", "year"], name="fact_key_year")]

    def __str__(self) -> str:
        return f"{self.key}@{self.year or '-'}={self.value}"


class EnterpriseEvent(AppendOnlyModel):
    """Append-only timeline of an enterprise record."""

    append_only_label = "企业记录事件"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32)
    summary = models.CharField(max_length=255)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "企业记录事件"
        verbose_name_plural = "企业记录事件"

    def __str__(self) -> str:
        return self.summary


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    VALIDATING = "validating", "校验中"
    PREVIEW = "preview", "待确认"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class ImportJob(models.Model):
    """An upload of enterprises from xlsx/csv: validated first (preview and error report), then applied at once."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField(max_length=64)
    source = models.CharField("数据来源", max_length=100)
    as_of = models.DateField("数据日期")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    preview = models.JSONField("预览", default=list, blank=True)
    failure_message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "企业导入批次"
        verbose_name_plural = "企业导入批次"

    def __str__(self) -> str:
        return self.original_name
