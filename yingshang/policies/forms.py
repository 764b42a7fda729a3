"""Forms of the policy pages. The rule and formula come from builder.py / formula_editor.py, not from here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from yingshang.accounts.models import Department
from yingshang.accounts.roles import Role
from yingshang.core.form_styles import StyledForm

from .models import AllocationRule, PolicyCategory, Verdict

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_yuan(text: str, label: str) -> int | None:
    """ "12,000.5" 元 → 1200050 fen; blank → None; anything else is a Chinese ValidationError."""
    cleaned = (text or "").replace(",", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise forms.ValidationError(f"{label}「{text}」不是有效的金额") from None
    if not value.is_finite() or value < 0:
        raise forms.ValidationError(f"{label}须为不小于 0 的金额")
    if value != value.quantize(Decimal("0.01")):
        raise forms.ValidationError(f"{label}最多保留两位小数(分)")
    return int(value * 100)


class PolicyForm(StyledForm):
    title = forms.CharField(label="政策名称", max_length=200)
    issuing_departments = forms.CharField(
        label="发文单位", max_length=200, required=False, help_text="多个单位用顿号分隔,如 区经信局、区财政局"
    )
    doc_number = forms.CharField(label="文号", max_length=100, required=False)
    category = forms.ChoiceField(label="类别", choices=PolicyCategory.choices)
    summary = forms.CharField(label="支持内容摘要", max_length=500, required=False)
    source_text = forms.CharField(label="政策原文", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    valid_from = forms.DateField(label="有效期自", required=False, widget=DATE)
    valid_to = forms.DateField(label="有效期至", required=False, widget=DATE)
    window_start = forms.DateField(label="申报开始", required=False, widget=DATE)
    window_end = forms.DateField(label="申报截止", required=False, widget=DATE)
    reviewing_department = forms.ModelChoiceField(label="审核部门", queryset=Department.objects.none())
    review_rules = forms.CharField(label="审核规则", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    auto_grant = forms.BooleanField(label="免申即享(符合条件的企业无需申报,自动生成兑现记录)", required=False)
    pool_budget = forms.CharField(label="年度资金池(元)", required=False, help_text="留空表示不设资金池")
    allocation_rule = forms.ChoiceField(label="资金池分配规则", choices=AllocationRule.choices)
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True).order_by("sort_order", "id")
        if user.role != Role.COORDINATOR:
            departments = departments.filter(pk=user.department_id)
        field = self.fields["reviewing_department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        if user.role != Role.COORDINATOR:
            # Department staff can only choose their own department: preselect it.
            field.empty_label = None
            self.initial.setdefault("reviewing_department", user.department_id)

    def clean_pool_budget(self) -> int | None:
        return parse_yuan(self.cleaned_data.get("pool_budget", ""), "年度资金池")


def materials_from_post(post: Mapping[str, Any]) -> list[dict[str, Any]]:
    ids = sorted({int(m[1]) for k in post if (m := re.match(r"^m(\d+)-name$", k))})
    materials = []
    for i in ids:
        name = str(post.get(f"m{i}-name", "")).strip()
        description = str(post.get(f"m{i}-description", "")).strip()
        if not name and not description:
            continue
        materials.append(
            {
                "name": name,
                "description": description,
                "original_required": post.get(f"m{i}-original") in ("on", "1", "true"),
            }
        )
    return materials


class TestCaseForm(StyledForm):
    name = forms.CharField(label="用例名称", max_length=100)
    decision_date = forms.DateField(label="判定日期", required=False, widget=DATE, help_text="留空为当天")
    expected_verdict = forms.ChoiceField(label="预期结论", choices=Verdict.choices)
    expected_amount = forms.CharField(label="预期金额(元)", required=False)

    def __init__(self, *args: Any, variables: list[Any], relations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variable_keys = [v.key for v in variables]
        for v in variables:
            help_text = v.unit and f"单位:{v.unit}"
            if v.type == "boolean":
                help_text = "填 是 或 否"
            elif v.type == "tags" or v.choices:
                options = "、".join(label for _, label in v.choices) if v.choices else ""
                help_text = f"可选:{options}" if options else "多个取值用顿号分隔"
            elif v.type == "date":
                help_text = "格式 2025-03-01"
            self.fields[f"fact_{v.key}"] = forms.CharField(
                label=v.label,
                required=False,
                help_text=help_text,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
        self.relation_keys = [r.key for r in relations]
        for r in relations:
            self.fields[f"rel_{r.key}"] = forms.CharField(
                label=f"{r.label}(每行一条)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                help_text="每行一条记录,字段用“字段=值”并以分号分隔,如:"
                + ";".join(f"{f.key}=…" for f in r.fields[:4])
                + "。留空表示未提供;填“无”表示没有此类记录",
            )

    def clean_expected_amount(self) -> int | None:
        return parse_yuan(self.cleaned_data.get("expected_amount", ""), "预期金额")

    def raw_facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        for key in self.variable_keys:
            value = (self.cleaned_data.get(f"fact_{key}") or "").strip()
            if value:
                facts[key] = value
        for key in self.relation_keys:
            text = (self.cleaned_data.get(f"rel_{key}") or "").strip()
            if not text:
                continue
            if text in ("无", "没有", "none"):
                facts[key] = []
                continue
            rows = []
            for line in text.splitlines():
                if not line.strip():
                    continue
                row = {}
                for part in re.split(r"[;;]", line):
                    if "=" in part:
                        k, _, v = part.partition("=")
                        row[k.strip()] = v.strip()
                rows.append(row)
            facts[key] = rows
        return facts


def case_initial(facts: Mapping[str, Any]) -> dict[str, str]:
    initial: dict[str, str] = {}
    for key, value in facts.items():
        if isinstance(value, list) and (not value or isinstance(value[0], dict)):
            lines = [";".join(f"{k}={v}" for k, v in row.items()) for row in value]
            initial[f"rel_{key}"] = "\n".join(lines) if lines else "无"
        elif isinstance(value, list):
            initial[f"fact_{key}"] = "、".join(map(str, value))
        else:
            initial[f"fact_{key}"] = str(value)
    return initial


class RetireForm(StyledForm):
    reason = forms.CharField(label="废止原因", max_length=200)


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=[("approve", "审核通过"), ("return", "退回补正"), ("reject", "不予通过")],
        widget=forms.RadioSelect,
    )
    approved = forms.CharField(label="核定金额(元)", required=False, help_text="留空则按系统测算金额")
    reason = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="退回补正或不予通过时必填"
    )

    def clean_approved(self) -> int | None:
        return parse_yuan(self.cleaned_data.get("approved", ""), "核定金额")


class DisburseForm(StyledForm):
    paid_on = forms.DateField(label="拨付日期", widget=DATE, initial=timezone.localdate)
    voucher = forms.CharField(label="拨付凭证号", max_length=100)


class ConfirmGrantForm(StyledForm):
    amount = forms.CharField(label="核定金额(元)", required=False, help_text="留空则按测算(资金池分配后)金额")

    def clean_amount(self) -> int | None:
        return parse_yuan(self.cleaned_data.get("amount", ""), "核定金额")


class RevokeForm(StyledForm):
    reason = forms.CharField(label="撤销原因", max_length=200)


class ApplicationForm(StyledForm):
    requested = forms.CharField(label="申请金额(元)", required=False)
    note = forms.CharField(label="申请说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_requested(self) -> int | None:
        return parse_yuan(self.cleaned_data.get("requested", ""), "申请金额")


class StatsFilterForm(StyledForm):
    start = forms.DateField(label="拨付日期自", required=False, widget=DATE)
    end = forms.DateField(label="至", required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        return data
