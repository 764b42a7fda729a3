"""Input validation for the account pages. Forms check shapes and password rules; services check business rules."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from yingshang.core.form_styles import StyledForm, style_fields
from yingshang.core.masking import mask_phone
from yingshang.enterprises.models import Enterprise

from . import selectors
from .models import Department, DepartmentKind, User
from .passwords import PASSWORD_HELP_TEXT, validate_password_zh
from .roles import BUSINESS_ROLES, Role
from .services import AccountInput, DepartmentInput

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", "请输入 11 位手机号码。")
contact_phone_validator = RegexValidator(r"^[0-9+\-() ]{5,30}$", "请输入有效的电话号码(数字,可含区号和连字符)。")
username_validator = UnicodeUsernameValidator(message="用户名只能包含字母、数字、汉字和 @ . + - _ 字符。")


class ChinesePasswordMixin(SetPasswordMixin):
    """Django's password forms, with the rule messages in Chinese whatever the browser's language."""

    error_messages = {"password_mismatch": "两次输入的密码不一致。"}

    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:  # noqa: S107
        password = self.cleaned_data.get(password_field_name)  # type: ignore[attr-defined]
        if password:
            try:
                validate_password_zh(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, error)  # type: ignore[attr-defined]

    def validate_new_password(self, user: Any) -> None:
        """The two entries match and pass the password rules for `user` (a probe when the account is not made yet)."""
        self.validate_passwords()
        self.validate_password_for_user(user)


def _password_fields(label1: str = "密码", label2: str = "确认密码") -> tuple[forms.CharField, forms.CharField]:
    password1, password2 = SetPasswordMixin.create_password_fields(label1=label1, label2=label2)
    password1.help_text = PASSWORD_HELP_TEXT
    password2.help_text = "请再次输入同一密码。"
    return password1, password2


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments labelled with their full path, computed once per form rather than per option."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", selectors.department_choices())
        kwargs.setdefault("empty_label", "(无)")
        super().__init__(**kwargs)
        self._paths: dict[int, str] | None = None

    def label_from_instance(self, obj: Any) -> str:
        if self._paths is None:
            self._paths = selectors.department_paths()
        return self._paths.get(obj.pk, obj.name)


def _hide_stored_phone(form: forms.Form, field: str, clear_field: str, stored: str) -> None:
    """A stored number is personal data: the page never carries it in full, only masked as a hint.

    An empty field keeps the stored number and clearing it takes a tick (see `_phone_to_store`); with nothing stored,
    there is nothing to clear.
    """
    if stored:
        form.fields[field].help_text = f"当前:{mask_phone(stored)};留空表示不修改。"
        form.fields[field].widget.attrs["placeholder"] = mask_phone(stored)
    else:
        del form.fields[clear_field]


def _phone_to_store(form: forms.Form, field: str, clear_field: str, stored: str) -> str:
    typed: str = form.cleaned_data.get(field) or ""
    if typed:
        return typed
    return "" if form.cleaned_data.get(clear_field) else stored


class EnterpriseByUsccField(forms.CharField):
    """An enterprise entered by its 统一社会信用代码: a registry of thousands does not fit in a drop-down."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "所属企业(统一社会信用代码)")
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "仅企业用户填写。")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Enterprise):
            return value.uscc
        return super().prepare_value(value)

    def clean(self, value: Any) -> Enterprise | None:
        text = super().clean(value)
        if not text:
            return None
        enterprise = selectors.enterprise_by_uscc(text)
        if enterprise is None:
            raise ValidationError("企业库中没有此统一社会信用代码的企业。")
        return enterprise


# --- login and two-factor -----------------------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续 5 次错误将锁定账号 15 分钟。",
        "inactive": "该账号已停用,请联系管理员。",
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        style_fields(self)


class OtpTokenForm(StyledForm):
    token = forms.CharField(
        label="动态口令",
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "placeholder": "6 位数字",
            }
        ),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise ValidationError("请输入手机验证器显示的 6 位数字。")
        return token


class ChinesePasswordChangeForm(ChinesePasswordMixin, PasswordChangeForm):
    error_messages = {
        "password_mismatch": "两次输入的新密码不一致。",
        "password_incorrect": "原密码不正确,请重新输入。",
    }

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = PASSWORD_HELP_TEXT
        self.fields["new_password2"].label = "确认新密码"
        self.fields["new_password2"].help_text = "请再次输入新密码。"
        style_fields(self)


# --- enterprise team ----------------------------------------------------------------------------------------------


class InvitationForm(StyledForm):
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=11, validators=[mobile_validator])


class InviteAcceptForm(ChinesePasswordMixin, StyledForm):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        validators=[username_validator],
        help_text="登录时使用,可用字母、数字或汉字。",
    )
    password1, password2 = _password_fields()

    def __init__(self, *args: Any, full_name: str = "", **kwargs: Any) -> None:
        self.full_name = full_name
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.validate_new_password(User(username=self.cleaned_data.get("username", ""), full_name=self.full_name))
        return self.cleaned_data


# --- system administrator -----------------------------------------------------------------------------------------


def _role_choices(roles: Collection[str]) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Role.choices if value in roles]


class UserSearchForm(StyledForm):
    q = forms.CharField(
        label="搜索",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "用户名/姓名/手机号/单位"}),
    )
    role = forms.ChoiceField(label="角色", required=False)

    def __init__(self, *args: Any, roles: Collection[str] = frozenset(Role), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "全部角色"), *_role_choices(roles)]  # type: ignore[attr-defined]

    def criteria(self) -> dict[str, str]:
        """The selector's `q` and `role` from the bound query string (empty when there is none); a criterion that
        does not validate is left out and its error shows above the list."""
        self.is_valid()
        return {"q": self.cleaned_data.get("q") or "", "role": self.cleaned_data.get("role") or ""}


class _AccountFieldsForm(StyledForm):
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=11, required=False, validators=[mobile_validator])
    department = DepartmentChoiceField(label="部门", required=False)
    enterprise = EnterpriseByUsccField()
    is_enterprise_admin = forms.BooleanField(label="企业管理员(可邀请、停用本企业同事)", required=False)

    def _phone(self) -> str:
        return self.cleaned_data.get("phone") or ""

    def account_input(self) -> AccountInput:
        data = self.cleaned_data
        return AccountInput(
            full_name=data["full_name"],
            phone=self._phone(),
            department=data.get("department"),
            enterprise=data.get("enterprise"),
            is_enterprise_admin=bool(data.get("is_enterprise_admin")),
            # A new account starts enabled; the edit form has the switch.
            is_active=bool(data.get("is_active", True)),
        )


class UserCreateForm(ChinesePasswordMixin, _AccountFieldsForm):
    username = forms.CharField(label="用户名", max_length=150, validators=[username_validator])
    role = forms.ChoiceField(
        label="角色", choices=_role_choices(BUSINESS_ROLES), help_text="管理员角色由安全管理员分配。"
    )
    password1, password2 = _password_fields("初始密码", "确认初始密码")

    field_order = ["username", "full_name", "phone", "role", "department", "enterprise", "is_enterprise_admin"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.validate_new_password(User(username=cleaned.get("username", ""), full_name=cleaned.get("full_name", "")))
        return cleaned


class UserEditForm(_AccountFieldsForm):
    clear_phone = forms.BooleanField(label="清除手机号", required=False)
    is_active = forms.BooleanField(label="启用", required=False)

    field_order = ["full_name", "phone", "clear_phone"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        kwargs.setdefault(
            "initial",
            {
                "full_name": user.full_name,
                "department": user.department,
                "enterprise": user.enterprise,
                "is_enterprise_admin": user.is_enterprise_admin,
                "is_active": user.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        _hide_stored_phone(self, "phone", "clear_phone", user.phone)

    def _phone(self) -> str:
        return _phone_to_store(self, "phone", "clear_phone", self.user.phone)


class AdminPasswordResetForm(ChinesePasswordMixin, StyledForm):
    password1, password2 = _password_fields("新密码", "确认新密码")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.validate_new_password(self.user)
        return self.cleaned_data


class DepartmentForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    code = forms.CharField(label="编码", max_length=32)
    kind = forms.ChoiceField(label="类型", choices=DepartmentKind.choices)
    parent = DepartmentChoiceField(label="上级部门", required=False, empty_label="(无,顶级)")
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(
        label="联系电话", max_length=30, required=False, validators=[contact_phone_validator]
    )
    clear_contact_phone = forms.BooleanField(label="清除联系电话", required=False)
    # The column's own limit: a larger number would reach the database and fail there.
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=2_147_483_647, initial=0)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, department: Department | None = None, **kwargs: Any) -> None:
        if department is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": department.name,
                    "short_name": department.short_name,
                    "code": department.code,
                    "kind": department.kind,
                    "parent": department.parent,
                    "contact_person": department.contact_person,
                    "sort_order": department.sort_order,
                    "is_active": department.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        # The contact number is often a mobile: personal data, kept off the page as on the account form.
        self.stored_phone = department.contact_phone if department is not None else ""
        _hide_stored_phone(self, "contact_phone", "clear_contact_phone", self.stored_phone)

    def department_input(self) -> DepartmentInput:
        # Django's CharField has already stripped the text fields.
        data = self.cleaned_data
        return DepartmentInput(
            name=data["name"],
            short_name=data["short_name"],
            code=data["code"],
            kind=data["kind"],
            parent=data["parent"],
            contact_person=data["contact_person"],
            contact_phone=_phone_to_store(self, "contact_phone", "clear_contact_phone", self.stored_phone),
            sort_order=data["sort_order"],
            is_active=data["is_active"],
        )


# --- security administrator ---------------------------------------------------------------------------------------


class RoleChangeForm(StyledForm):
    role = forms.ChoiceField(label="新角色", choices=Role.choices)
    enterprise = EnterpriseByUsccField(help_text="改为企业用户时填写;留空则沿用原企业。")
    department = DepartmentChoiceField(
        label="部门", required=False, help_text="改为部门工作人员时必填;留空则沿用原部门。"
    )
