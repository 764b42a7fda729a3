"""Forms of the 政务服务 pages. They only parse input; the rules live in the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms import formset_factory

from yingshang.accounts.models import Department
from yingshang.core.form_styles import StyledForm

from .models import (
    ApplicantKind,
    Bundle,
    ItemKind,
    ItemLevel,
    MaterialForm,
    MaterialStatus,
    OnlineDepth,
    PickupMethod,
    Score,
    ServiceItem,
)
from .services import MaterialDecision
from .services_catalogue import ItemInput, MaterialInput

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemForm(StyledForm):
    code = forms.CharField(label="事项编码", max_length=40)
    name = forms.CharField(label="事项名称", max_length=200)
    department = forms.ModelChoiceField(label="实施部门", queryset=Department.objects.filter(is_active=True))
    level = forms.ChoiceField(label="层级", choices=ItemLevel.choices)
    kind = forms.ChoiceField(label="事项类型", choices=ItemKind.choices)
    legal_limit_days = forms.IntegerField(label="法定办结时限(工作日)", min_value=1, max_value=3650)
    committed_limit_days = forms.IntegerField(label="承诺办结时限(工作日)", min_value=0, max_value=3650)
    online_depth = forms.ChoiceField(label="网办深度", choices=OnlineDepth.choices)
    cross_province = forms.BooleanField(label="跨省通办", required=False)
    in_province = forms.BooleanField(label="省内通办", required=False)
    fees = forms.CharField(label="收费标准", max_length=200, required=False, initial="不收费")
    conditions = forms.CharField(label="受理条件", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    steps = forms.CharField(
        label="办理环节",
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="受理\n审查\n决定\n办结",
        help_text="每行一个环节;一件事中名称相同的环节合并为一个",
    )
    legal_basis = forms.CharField(label="设定依据", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    window_location = forms.CharField(label="办理地点", max_length=200, required=False)
    contact_phone = forms.CharField(label="咨询电话", max_length=30, required=False)
    is_active = forms.BooleanField(label="在用", required=False, initial=True)

    @classmethod
    def initial_for(cls, item: ServiceItem) -> dict[str, Any]:
        return {
            name: getattr(item, name) for name in cls.base_fields if name != "department" and hasattr(item, name)
        } | {"department": item.department_id}

    def to_input(self, materials: list[MaterialInput]) -> ItemInput:
        d = self.cleaned_data
        return ItemInput(
            code=d["code"],
            name=d["name"],
            department=d["department"],
            level=d["level"],
            kind=d["kind"],
            legal_limit_days=d["legal_limit_days"],
            committed_limit_days=d["committed_limit_days"],
            online_depth=d["online_depth"],
            cross_province=d["cross_province"],
            in_province=d["in_province"],
            fees=d["fees"],
            conditions=d["conditions"],
            steps=d["steps"],
            legal_basis=d["legal_basis"],
            window_location=d["window_location"],
            contact_phone=d["contact_phone"],
            is_active=d["is_active"],
            materials=materials,
        )


class MaterialRowForm(StyledForm):
    name = forms.CharField(label="材料名称", max_length=200, required=False)
    form = forms.ChoiceField(label="形式", choices=MaterialForm.choices)
    copies = forms.IntegerField(label="份数", min_value=1, max_value=99, initial=1)
    source = forms.CharField(label="来源渠道", max_length=100, required=False, initial="申请人自备")
    required = forms.BooleanField(label="必要", required=False, initial=True)
    may_be_missing = forms.BooleanField(label="可容缺", required=False)
    commitment_allowed = forms.BooleanField(label="可告知承诺", required=False)
    notes = forms.CharField(label="填报说明", max_length=255, required=False)


MaterialFormSet = formset_factory(MaterialRowForm, extra=3)


def materials_from_formset(formset: Any) -> list[MaterialInput]:
    result = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or not (data.get("name") or "").strip():
            continue  # an empty spare row
        result.append(
            MaterialInput(
                name=data["name"],
                form=data["form"],
                copies=data["copies"] or 1,
                source=data.get("source") or "",
                required=data.get("required", False),
                may_be_missing=data.get("may_be_missing", False),
                commitment_allowed=data.get("commitment_allowed", False),
                notes=data.get("notes") or "",
            )
        )
    return result


class BundleForm(StyledForm):
    code = forms.CharField(label="编码", max_length=40)
    name = forms.CharField(label="一件事名称", max_length=200)
    description = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    lead_department = forms.ModelChoiceField(label="牵头部门", queryset=Department.objects.filter(is_active=True))
    items = forms.ModelMultipleChoiceField(
        label="包含事项",
        queryset=ServiceItem.objects.filter(is_active=True).order_by("code"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    committed_limit_days = forms.IntegerField(
        label="承诺办结时限(工作日)",
        required=False,
        min_value=0,
        help_text="留空:并联审批,按最慢事项的承诺时限计",
    )
    is_active = forms.BooleanField(label="在用", required=False, initial=True)


class WindowsForm(StyledForm):
    departments = forms.ModelMultipleChoiceField(
        label="综合受理/出件窗口部门",
        queryset=Department.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="这些部门(含下属股室)的工作人员可以受理办件、补收材料、出件",
    )


class ImportForm(StyledForm):
    file = forms.FileField(label="事项清单(.xlsx)")


class CaseStartForm(StyledForm):
    item = forms.ModelChoiceField(
        label="单个事项", queryset=ServiceItem.objects.filter(is_active=True).order_by("code"), required=False
    )
    bundle = forms.ModelChoiceField(label="或:一件事", queryset=Bundle.objects.filter(is_active=True), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("item")) == bool(data.get("bundle")):
            raise forms.ValidationError("请选择一个事项或一件事(二选一)")
        return data


class ApplicantForm(StyledForm):
    applicant_kind = forms.ChoiceField(label="申请人类型", choices=ApplicantKind.choices, widget=forms.RadioSelect)
    enterprise_uscc = forms.CharField(label="企业统一社会信用代码", max_length=18, required=False)
    applicant_name = forms.CharField(label="申请人/经办人姓名", max_length=100)
    applicant_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    applicant_id_number = forms.CharField(label="证件号码(个人申请必填)", max_length=30, required=False)


_STATUS_CHOICES = {
    MaterialStatus.PROVIDED: "已提交",
    MaterialStatus.MISSING: "容缺(后补)",
    MaterialStatus.COMMITTED: "告知承诺",
    MaterialStatus.NOT_REQUIRED: "不涉及",
}


class ChecklistForm(StyledForm):
    """One radio group per material: only the options the catalogue allows for it."""

    due_date = forms.DateField(label="容缺材料补齐期限", required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, materials: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.materials = materials
        for index, material in enumerate(materials):
            choices = [(MaterialStatus.PROVIDED, _STATUS_CHOICES[MaterialStatus.PROVIDED])]
            if material.may_be_missing:
                choices.append((MaterialStatus.MISSING, _STATUS_CHOICES[MaterialStatus.MISSING]))
            if material.commitment_allowed:
                choices.append((MaterialStatus.COMMITTED, _STATUS_CHOICES[MaterialStatus.COMMITTED]))
            if not material.required:
                choices.append((MaterialStatus.NOT_REQUIRED, _STATUS_CHOICES[MaterialStatus.NOT_REQUIRED]))
            self.fields[f"m{index}"] = forms.ChoiceField(
                label=material.name, choices=choices, initial=MaterialStatus.PROVIDED, widget=forms.RadioSelect
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [(m, self[f"m{i}"]) for i, m in enumerate(self.materials)]

    def decisions_by_key(self) -> dict[str, MaterialDecision]:
        return {m.key: MaterialDecision(self.cleaned_data[f"m{i}"]) for i, m in enumerate(self.materials)}

    def decisions_by_pk(self) -> dict[int, MaterialDecision]:
        return {m.pk: MaterialDecision(self.cleaned_data[f"m{i}"]) for i, m in enumerate(self.materials)}

    @property
    def due(self) -> date | None:
        return self.cleaned_data.get("due_date")


class OnlineApplyForm(StyledForm):
    applicant_name = forms.CharField(label="经办人姓名", max_length=100)
    applicant_phone = forms.CharField(label="联系电话", max_length=20)


class SupplyForm(StyledForm):
    file = forms.FileField(label="材料文件", required=False, help_text="PDF、图片、OFD、Word 或 ZIP,不超过 10 MB")


class VerifyForm(StyledForm):
    truthful = forms.TypedChoiceField(
        label="核查结果",
        choices=[("1", "核查属实"), ("0", "承诺不实")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="核查情况", widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(StyledForm):
    decision = forms.ChoiceField(
        label="审批意见",
        choices=[("approve", "审批通过"), ("correction", "要求补正"), ("reject", "不予许可")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="理由/补正要求", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class IssueForm(StyledForm):
    pickup_method = forms.ChoiceField(label="领取方式", choices=PickupMethod.choices, widget=forms.RadioSelect)
    locker_number = forms.CharField(label="取件柜格口号", max_length=20, required=False)


class CorrectionForm(StyledForm):
    note = forms.CharField(label="补正说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RateForm(StyledForm):
    score = forms.TypedChoiceField(
        label="评价", choices=[(s.value, s.label) for s in reversed(Score)], coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label="意见建议", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AnswerForm(StyledForm):
    answer = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}))


class AgencyRequestForm(StyledForm):
    subject = forms.CharField(label="需要代办的事项", max_length=200)
    project_name = forms.CharField(label="项目名称", max_length=200, required=False)
    description = forms.CharField(label="需求说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=20)


class AgencyAssignForm(StyledForm):
    agent = forms.ModelChoiceField(label="代办员", queryset=Department.objects.none())

    def __init__(self, *args: Any, agents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agents
        field.label_from_instance = lambda u: f"{u.display_name}({u.get_role_display()})"  # type: ignore[method-assign,assignment]


class AgencyStepForm(StyledForm):
    note = forms.CharField(label="办理记录", widget=forms.Textarea(attrs={"rows": 2}))


class AgencyFinishForm(StyledForm):
    result = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 2}))


class PeriodForm(StyledForm):
    start = forms.DateField(label="开始日期", widget=DATE_WIDGET, required=False)
    end = forms.DateField(label="结束日期", widget=DATE_WIDGET, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        return data
