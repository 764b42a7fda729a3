"""Forms of the appeal pages. They only parse input; every rule lives in the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from yingshang.accounts.models import Department
from yingshang.core.form_styles import StyledForm
from yingshang.enterprises.models import Enterprise, Township
from yingshang.enterprises.selectors import enterprise_find_by_uscc

from .models import (
    AppealCategory,
    AppealState,
    Channel,
    Colour,
    MeetingKind,
    Rating,
    Resolution,
    SupervisionLevel,
    Urgency,
)
from .selectors import LEDGER_ALL, LEDGER_OPEN, LedgerFilters, category_tree
from .services import STAFF_CHANNELS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.doc,.docx,.xls,.xlsx,.txt"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.path


def _category_field(**kwargs: Any) -> CategoryChoiceField:
    ids = [c.pk for c, _ in category_tree() if c.is_active]
    return CategoryChoiceField(
        label="诉求分类", queryset=AppealCategory.objects.filter(pk__in=ids).order_by("sort_order", "id"), **kwargs
    )


class AppealFileForm(StyledForm):
    """What an enterprise fills in on the web."""

    category = forms.ModelChoiceField(label="诉求分类", queryset=AppealCategory.objects.none())
    title = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5}))
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    confidential = forms.BooleanField(
        label="保密(内容仅办理人员可见)", required=False, help_text="勾选后,办理链条以外的人员只能看到编号和状态"
    )
    attachments = MultipleFileField(
        label="附件", help_text="最多 5 个,每个不超过 10 MB;支持 pdf、图片、Word、Excel、txt"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field()
        self.fields["category"].widget.attrs["class"] = "form-select"


class AppealRecordForm(AppealFileForm):
    """Staff recording an appeal received by phone, 12345, a reception day or a visit."""

    channel = forms.ChoiceField(label="来源渠道", choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    enterprise_text = forms.CharField(
        label="企业(统一社会信用代码或全称)",
        max_length=200,
        help_text="在企业库中找不到时按填写的名称登记",
    )
    external_id = forms.CharField(label="12345 工单编号", max_length=64, required=False)

    field_order = ["channel", "enterprise_text", "external_id", "category", "title", "description", "urgency"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("enterprise_text") or "").strip()
        enterprise = enterprise_find_by_uscc(text) if len(text) == 18 else None
        if enterprise is None and text:
            enterprise = Enterprise.objects.filter(name=text).first()
        data["enterprise"] = enterprise
        data["enterprise_name"] = "" if enterprise else text
        return data


class VersionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DispatchForm(VersionForm):
    lead = forms.ModelChoiceField(label="主办部门", queryset=Department.objects.filter(is_active=True))
    assists = forms.ModelMultipleChoiceField(
        label="协办部门",
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    note = forms.CharField(label="分派意见", max_length=500, required=False)


class ReasonForm(VersionForm):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(VersionForm):
    content = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label="附件")


class ExtensionForm(VersionForm):
    days = forms.IntegerField(label="延期(工作日)", min_value=1, max_value=60)
    reason = forms.CharField(label="延期理由", max_length=500)


class DecisionForm(VersionForm):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=[("extension", "延期"), ("suspension", "挂起")], widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label="审批", choices=[("1", "批准"), ("0", "驳回")], coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    note = forms.CharField(label="审批意见", max_length=500, required=False)


class SuperviseForm(VersionForm):
    level = forms.ChoiceField(label="督办级别", choices=SupervisionLevel.choices)
    opinion = forms.CharField(label="督办意见", widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label="督办时限", widget=forms.DateInput(attrs={"type": "date"}))


class SupervisionReplyForm(StyledForm):
    supervision_id = forms.IntegerField(widget=forms.HiddenInput)
    reply = forms.CharField(label="书面回复", widget=forms.Textarea(attrs={"rows": 2}))


class RemindForm(StyledForm):
    supervision_id = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(VersionForm):
    approve = forms.TypedChoiceField(
        label="审核结果",
        choices=[("1", "审核通过,告知企业"), ("0", "退回部门重办")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label="审核意见", max_length=500, required=False)


class FollowUpForm(VersionForm):
    reached = forms.TypedChoiceField(
        label="是否联系上企业",
        choices=[("1", "已联系上"), ("0", "未联系上")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    resolution = forms.ChoiceField(label="解决情况", choices=[("", "—"), *Resolution.choices], required=False)
    rating = forms.TypedChoiceField(
        label="满意度", choices=[("", "—"), *Rating.choices], coerce=int, required=False, empty_value=None
    )
    comment = forms.CharField(label="回访记录", max_length=1000, required=False)


class RateForm(VersionForm):
    resolution = forms.ChoiceField(label="问题是否解决", choices=Resolution.choices)
    rating = forms.TypedChoiceField(label="满意度", choices=Rating.choices, coerce=int)
    comment = forms.CharField(label="评价意见", max_length=1000, required=False)


class MergeForm(VersionForm):
    into = forms.CharField(label="并入诉求编号", max_length=20, help_text="如 SQ2026-000123")
    reason = forms.CharField(label="合并说明", max_length=500, required=False)


class ExcludeForm(StyledForm):
    excluded = forms.TypedChoiceField(
        label="核减", choices=[("1", "核减"), ("0", "取消核减")], coerce=lambda v: v == "1", initial="1"
    )
    reason = forms.CharField(label="核减理由", max_length=500, required=False)


class LedgerFilterForm(StyledForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    department = forms.ModelChoiceField(label="主办部门", queryset=Department.objects.all(), required=False)
    # 在办 first and the default; 全部 and 已办结 (AppealState.CLOSED) have to be chosen explicitly.
    state = forms.ChoiceField(
        label="状态",
        choices=[(LEDGER_OPEN, "在办"), (LEDGER_ALL, "全部"), *AppealState.choices],
        required=False,
        initial=LEDGER_OPEN,
    )
    colour = forms.ChoiceField(label="红黄绿", choices=[("", "全部"), *Colour.choices], required=False)
    channel = forms.ChoiceField(label="渠道", choices=[("", "全部"), *Channel.choices], required=False)
    category = forms.ModelChoiceField(label="分类", queryset=AppealCategory.objects.all(), required=False)
    township = forms.ModelChoiceField(label="乡镇/街道", queryset=Township.objects.all(), required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    excluded = forms.ChoiceField(
        label="核减", choices=[("", "全部"), ("yes", "仅核减"), ("no", "不含核减")], required=False
    )

    def filters(self) -> LedgerFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return LedgerFilters(
            q=data.get("q") or "",
            department_id=data["department"].pk if data.get("department") else None,
            state=data.get("state") or LEDGER_OPEN,
            colour=data.get("colour") or "",
            channel=data.get("channel") or "",
            category_id=data["category"].pk if data.get("category") else None,
            township_id=data["township"].pk if data.get("township") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            excluded=data.get("excluded") or "",
        )


class MeetingForm(StyledForm):
    kind = forms.ChoiceField(label="活动类型", choices=MeetingKind.choices)
    title = forms.CharField(label="主题", max_length=200)
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate)
    location = forms.CharField(label="地点", max_length=200, required=False)
    host = forms.CharField(label="主持/接待领导", max_length=100, required=False)
    notes = forms.CharField(label="纪要", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MeetingRowForm(StyledForm):
    enterprise_text = forms.CharField(label="企业(信用代码或全称)", max_length=200)
    category = forms.ModelChoiceField(label="分类", queryset=AppealCategory.objects.filter(is_active=True))
    title = forms.CharField(label="诉求标题", max_length=200)
    description = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 1}))
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="电话", max_length=30, required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)

    def clean_enterprise_text(self) -> Enterprise:
        text = self.cleaned_data["enterprise_text"].strip()
        enterprise = enterprise_find_by_uscc(text) if len(text) == 18 else None
        enterprise = enterprise or Enterprise.objects.filter(name=text).first()
        if enterprise is None:
            raise forms.ValidationError("企业库中没有该企业,请核对信用代码或全称")
        return enterprise


class BaseMeetingRowFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(
            f.cleaned_data and not f.cleaned_data.get("DELETE") for f in self.forms if hasattr(f, "cleaned_data")
        ):
            raise forms.ValidationError("请至少登记一条企业诉求")


MeetingRowFormSet = forms.formset_factory(
    MeetingRowForm, formset=BaseMeetingRowFormSet, extra=8, max_num=30, validate_max=True
)


class CategoryForm(StyledForm):
    code = forms.SlugField(label="编码", max_length=40)
    name = forms.CharField(label="名称", max_length=50)
    parent = CategoryChoiceField(label="上级分类", queryset=AppealCategory.objects.all(), required=False)
    default_department = forms.ModelChoiceField(
        label="默认承办部门", queryset=Department.objects.filter(is_active=True), required=False
    )
    sign_limit_days = forms.IntegerField(label="签收时限(工作日)", min_value=1, max_value=365, initial=1)
    limit_normal_days = forms.IntegerField(label="一般件时限(工作日)", min_value=1, max_value=365, initial=10)
    limit_urgent_days = forms.IntegerField(label="紧急件时限(工作日)", min_value=1, max_value=365, initial=5)
    limit_critical_days = forms.IntegerField(label="特急件时限(工作日)", min_value=1, max_value=365, initial=2)
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    description = forms.CharField(label="说明", max_length=200, required=False)


def _month_start() -> date:
    return timezone.localdate().replace(day=1)


class PeriodForm(StyledForm):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def period(self) -> tuple[date, date]:
        today = timezone.localdate()
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return today.replace(month=1, day=1), today


class RankingForm(StyledForm):
    month = forms.DateField(
        label="月份", widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m", "%Y-%m-%d"]
    )
    response = forms.IntegerField(label="响应率权重(%)", min_value=0, max_value=100, initial=30)
    solve = forms.IntegerField(label="解决率权重(%)", min_value=0, max_value=100, initial=35)
    satisfaction = forms.IntegerField(label="满意率权重(%)", min_value=0, max_value=100, initial=35)

    def weights(self) -> dict[str, int]:
        return {k: int(self.cleaned_data[k]) for k in ("response", "solve", "satisfaction")}
