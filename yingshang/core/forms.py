from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from . import workdays
from .audit import ACTION_LABELS
from .models import AuditResult, CalendarDay, OutboxChannel, OutboxStatus
from .selectors import AuditFilters

_DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
_TEXT = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}


class CalendarDayForm(forms.Form):
    KIND_CHOICES = [("work", "上班"), ("rest", "休息")]

    day = forms.DateField(label="日期", widget=_DATE)
    kind = forms.ChoiceField(
        label="安排", choices=KIND_CHOICES, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    name = forms.CharField(label="说明", max_length=64, required=False, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args: Any, instance: CalendarDay | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {"day": instance.date, "kind": "work" if instance.is_working_day else "rest", "name": instance.name},
            )
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            # The date of an exception is its identity; to move it, delete it and add another.
            self.fields["day"].disabled = True

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        try:
            workdays.check_in_range(day)
        except workdays.DateOutOfRangeError as exc:
            raise forms.ValidationError(exc.message) from exc
        return day

    @property
    def is_working_day(self) -> bool:
        return self.cleaned_data["kind"] == "work"


class AuditLogFilterForm(forms.Form):
    user = forms.CharField(label="用户", required=False, max_length=150, widget=forms.TextInput(attrs=_TEXT))
    action = forms.ChoiceField(
        label="操作",
        required=False,
        choices=[("", "全部操作"), *sorted(ACTION_LABELS.items(), key=lambda kv: kv[1])],
        widget=forms.Select(attrs=_SELECT),
    )
    result = forms.ChoiceField(
        label="结果",
        required=False,
        choices=[("", "全部结果"), *AuditResult.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    date_from = forms.DateField(label="起始日期", required=False, widget=_DATE)
    date_to = forms.DateField(label="截止日期", required=False, widget=_DATE)
    obj = forms.CharField(
        label="对象",
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": "名称、编号,或 类型:编号"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        return data

    def filters(self) -> AuditFilters:
        """The valid filters; an invalid form filters nothing rather than failing the page."""
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            user=data.get("user") or "",
            action=data.get("action") or "",
            result=data.get("result") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            obj=data.get("obj") or "",
        )


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *OutboxStatus.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    channel = forms.ChoiceField(
        label="渠道",
        required=False,
        choices=[("", "全部渠道"), *OutboxChannel.choices],
        widget=forms.Select(attrs=_SELECT),
    )

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"status": "", "channel": ""}
        return {"status": self.cleaned_data.get("status") or "", "channel": self.cleaned_data.get("channel") or ""}
