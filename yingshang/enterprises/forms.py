"""Forms of the registry pages: the list filters and the enterprise form (which maps to `EnterpriseInput`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from yingshang.core.errors import ApplicationError
from yingshang.core.form_styles import StyledForm
from yingshang.core.masking import mask_phone

from .models import Enterprise, FourUpCategory, IndustryChain, Park, Qualification, Scale, Township
from .selectors import (
    FOUR_UP_FILTER_CHOICES,
    CreditFilter,
    EnterpriseFilters,
    enterprise_find_by_uscc,
)
from .services import CLEARABLE_FIELDS, EnterpriseInput
from .validators import normalize_industry_code, normalize_phone, normalize_uscc

DEFAULT_SOURCE = "营商办手工录入"
PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50


def _validated(normalize: Callable[[object], str], value: object) -> str:
    """The registry's own validators (shared with the import), their Chinese message shown on the field."""
    try:
        return normalize(value)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message) from exc


# ---------------------------------------------------------------------------------------------------------------
# List filters
# ---------------------------------------------------------------------------------------------------------------


class EnterpriseFilterForm(StyledForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "企业名称、信用代码或拼音首字母(如 JMXNY)", "type": "search"}),
    )
    township = forms.ModelChoiceField(label="乡镇/街道", queryset=Township.objects.all(), required=False)
    park = forms.ModelChoiceField(label="园区", queryset=Park.objects.all(), required=False)
    chain = forms.ModelChoiceField(label="产业链", queryset=IndustryChain.objects.all(), required=False)
    qualification = forms.ModelChoiceField(label="资质", queryset=Qualification.objects.all(), required=False)
    scale = forms.ChoiceField(label="规模", choices=[("", "全部"), *Scale.choices], required=False)
    four_up_category = forms.ChoiceField(
        label="四上类别", choices=[("", "全部"), *FOUR_UP_FILTER_CHOICES], required=False
    )
    credit = forms.ChoiceField(label="信用状况", choices=[("", "全部"), *CreditFilter.CHOICES], required=False)
    industry_code = forms.CharField(
        label="行业代码",
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"placeholder": "如 C38"}),
    )
    page_size = forms.TypedChoiceField(
        label="每页",
        choices=[(n, f"{n} 条") for n in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("township", "park", "chain", "qualification"):
            self.fields[name].empty_label = "全部"  # type: ignore[attr-defined]

    def filters(self) -> EnterpriseFilters:
        """The valid filters; an invalid one (a stale id in a bookmarked URL) is ignored rather than failing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return EnterpriseFilters(
            q=(data.get("q") or "").strip(),
            township=pk("township"),
            park=pk("park"),
            chain=pk("chain"),
            qualification=pk("qualification"),
            scale=data.get("scale") or "",
            four_up_category=data.get("four_up_category") or "",
            credit=data.get("credit") or "",
            industry_code=(data.get("industry_code") or "").strip().upper(),
        )

    def per_page(self) -> int:
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get("page_size") or DEFAULT_PAGE_SIZE

    def describe(self) -> dict[str, str]:
        """The active filters by their Chinese labels and display values (for the audit row of an export)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        described: dict[str, str] = {}
        for name, field in self.fields.items():
            if name == "page_size":
                continue
            value = data.get(name)
            if value in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                value = dict(field.choices).get(value, value)  # type: ignore[arg-type]
            described[str(field.label)] = str(value)
        return described


# ---------------------------------------------------------------------------------------------------------------
# Create / edit
# ---------------------------------------------------------------------------------------------------------------


def _plain_decimal(value: Decimal | None) -> Decimal | None:
    """50.0000 → 50, 1718.1000 → 1718.1: the stored scale is noise in an input box."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _money(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=18, decimal_places=4, min_value=Decimal(0), required=False)


_YEARLY = ("employees", "annual_revenue", "tax_paid", "rd_spend")
_TEXT = (
    "name",
    "legal_representative",
    "registered_address",
    "industry_code",
    "industry_name",
    "contact_person",
    "contact_phone",
)
_CHOICES = ("scale", "four_up_category")
_FLAGS = ("is_dishonest_executee", "is_abnormal_operation")


class EnterpriseForm(StyledForm):
    """The enterprise form of 营商办. On edit the USCC is fixed (it is the identity the service matches on)."""

    uscc = forms.CharField(
        label="统一社会信用代码", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label="企业名称", max_length=200)
    legal_representative = forms.CharField(label="法定代表人", max_length=50, required=False)
    registered_address = forms.CharField(label="注册地址", max_length=255, required=False)
    township = forms.ModelChoiceField(
        label="乡镇/街道", queryset=Township.objects.all(), required=False, empty_label="(未填写)"
    )
    park = forms.ModelChoiceField(label="园区", queryset=Park.objects.all(), required=False, empty_label="(不在园区)")
    registration_date = forms.DateField(
        label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    registered_capital = forms.DecimalField(
        label="注册资本(万元)", max_digits=16, decimal_places=4, min_value=Decimal(0), required=False
    )
    industry_code = forms.CharField(
        label="国民经济行业代码",
        max_length=5,
        required=False,
        help_text="GB/T 4754 代码,如 C3841 或 3841",
    )
    industry_name = forms.CharField(label="行业名称", max_length=100, required=False)
    industry_chains = forms.ModelMultipleChoiceField(
        label="产业链", queryset=IndustryChain.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    scale = forms.ChoiceField(label="规模", choices=Scale.choices, initial=Scale.BELOW)
    four_up_category = forms.ChoiceField(
        label="四上类别", choices=FourUpCategory.choices, required=False, initial=FourUpCategory.NONE
    )
    qualifications = forms.ModelMultipleChoiceField(
        label="资质", queryset=Qualification.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    fact_year = forms.IntegerField(
        label="年度数据所属年度",
        min_value=1949,
        help_text="下列从业人数、营收、纳税、研发投入属于哪一年;修改过的年度数据记入该年度",
    )
    employees = forms.IntegerField(label="从业人数(人)", min_value=0, required=False)
    annual_revenue = _money("营业收入(万元)")
    tax_paid = _money("纳税额(万元)")
    rd_spend = _money("研发投入(万元)")
    is_dishonest_executee = forms.BooleanField(label="失信被执行人", required=False)
    is_abnormal_operation = forms.BooleanField(label="经营异常", required=False)
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    source = forms.CharField(label="数据来源", max_length=100, initial=DEFAULT_SOURCE)
    as_of = forms.DateField(label="数据日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, instance: Enterprise | None = None, **kwargs: Any) -> None:
        self.instance = instance
        today = timezone.localdate()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("as_of", today)
        initial.setdefault("fact_year", today.year - 1)
        initial.setdefault("source", DEFAULT_SOURCE)
        if instance is not None:
            initial.update(self.initial_from(instance))
        super().__init__(*args, **kwargs)
        self.fields["fact_year"].max_value = today.year  # type: ignore[attr-defined]
        if instance is not None:
            # The USCC identifies the record; changing it would make the service create another enterprise.
            self.fields["uscc"].disabled = True
            self.fields["uscc"].help_text = "统一社会信用代码不可修改"
            self.fields["version"].required = True
            if instance.contact_phone:
                phone = self.fields["contact_phone"]
                phone.widget.attrs["placeholder"] = mask_phone(instance.contact_phone)
                phone.help_text = "原号码不显示;如需更换请输入新号码,留空则保持不变"
        else:
            del self.fields["version"]

    @staticmethod
    def initial_from(enterprise: Enterprise) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(enterprise, name)
            for name in (
                "uscc",
                *_TEXT,
                *_CHOICES,
                *_FLAGS,
                *_YEARLY,
                "township",
                "park",
                "registration_date",
                "registered_capital",
            )
        }
        for name in ("registered_capital", "annual_revenue", "tax_paid", "rd_spend"):
            data[name] = _plain_decimal(data[name])
        # Personal data stays masked on the edit form too: the phone field starts empty (blank keeps the number).
        data["contact_phone"] = ""
        data["industry_chains"] = list(enterprise.industry_chains.all())
        data["qualifications"] = list(enterprise.qualifications.all())
        data["version"] = enterprise.version
        return data

    # -- field validation, in Chinese ---------------------------------------------------------------------------

    def clean_uscc(self) -> str:
        if self.instance is not None:
            return self.instance.uscc
        try:
            code = normalize_uscc(self.cleaned_data.get("uscc"))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        existing = enterprise_find_by_uscc(code)
        if existing is not None:
            url = reverse("enterprises:detail", args=[existing.pk])
            raise forms.ValidationError(
                format_html('该统一社会信用代码已存在:<a href="{}">{}</a>', url, existing.name), code="duplicate"
            )
        return code

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError("请填写企业名称")
        return name

    def clean_industry_code(self) -> str:
        return _validated(normalize_industry_code, self.cleaned_data.get("industry_code"))

    def clean_contact_phone(self) -> str:
        return _validated(normalize_phone, self.cleaned_data.get("contact_phone"))

    def clean_source(self) -> str:
        source = (self.cleaned_data.get("source") or "").strip()
        if not source:
            raise forms.ValidationError("请填写数据来源")
        return source

    def clean_as_of(self) -> date:
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("数据日期不能晚于今天")
        return as_of

    # -- mapping to the service -------------------------------------------------------------------------------

    def to_input(self) -> EnterpriseInput:
        """The service input. On edit only what the user changed is sent, so untouched yearly figures are not
        re-recorded under another year and each changed fact gets this form's source and date."""
        data = self.cleaned_data
        editing = self.instance is not None
        changed = set(self.changed_data)

        def wanted(name: str) -> bool:
            return not editing or name in changed

        values: dict[str, Any] = {}
        for name in (*_TEXT, *_CHOICES, *_FLAGS):
            if wanted(name):
                values[name] = data.get(name) or ("" if name not in _FLAGS else False)
        for name in ("township", "park", "registration_date", "registered_capital"):
            if wanted(name):
                values[name] = data.get(name)
        for name in _YEARLY:
            if wanted(name) and data.get(name) is not None:
                values[name] = data[name]
        if wanted("industry_chains"):
            values["industry_chains"] = list(data.get("industry_chains") or [])
        if wanted("qualifications"):
            values["qualifications"] = list(data.get("qualifications") or [])
        clear = frozenset(n for n in CLEARABLE_FIELDS if editing and n in values and values[n] is None)
        return EnterpriseInput(
            uscc=data["uscc"],
            fact_year=data.get("fact_year"),
            clear=clear,
            **values,
        )

    def apply_error(self, exc: ApplicationError) -> None:
        """Show a service error next to its field when the form has one, else above the form."""
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)
