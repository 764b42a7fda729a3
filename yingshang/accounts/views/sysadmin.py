"""系统管理员: business accounts (never roles, never the administrator accounts) and the department tree."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_phone

from .. import selectors, services
from ..forms import AdminPasswordResetForm, DepartmentForm, UserCreateForm, UserEditForm, UserSearchForm
from ..permissions import cap_required, signed_in_user
from ..roles import BUSINESS_ROLES, Cap
from .common import add_service_error, paginate

# --- accounts -----------------------------------------------------------------------------------------------------


@cap_required(Cap.MANAGE_ACCOUNTS)
def user_list_view(request: HttpRequest) -> HttpResponse:
    search = UserSearchForm(request.GET, roles=BUSINESS_ROLES)
    page = paginate(request, selectors.managed_user_list(**search.criteria()))
    rows = [{"user": u, "phone": mask_phone(u.phone)} for u in page.object_list]
    return render(request, "accounts/user_list.html", {"search": search, "page": page, "rows": rows})


@sensitive_post_parameters("password1", "password2")
@cap_required(Cap.MANAGE_ACCOUNTS)
def user_create_view(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                role=form.cleaned_data["role"],
                data=form.account_input(),
                by=signed_in_user(request),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已创建账号 {user.username}({user.get_role_display()})。")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "新建账号"})


@cap_required(Cap.MANAGE_ACCOUNTS)
def user_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.managed_user_get(pk=pk)
    form = UserEditForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=user, data=form.account_input(), by=signed_in_user(request))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已保存账号 {user.username}。")
            return redirect("accounts:user_list")
    return render(
        request, "accounts/user_form.html", {"form": form, "title": f"编辑账号:{user.username}", "subject": user}
    )


@sensitive_post_parameters("password1", "password2")
@cap_required(Cap.MANAGE_ACCOUNTS)
def user_password_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.managed_user_get(pk=pk)
    form = AdminPasswordResetForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_reset(
                user=user,
                new_password=form.cleaned_data["password1"],
                by=signed_in_user(request),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已重置 {user.username} 的密码,请通过安全渠道告知本人。")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_password_reset.html", {"form": form, "subject": user})


# --- departments --------------------------------------------------------------------------------------------------


@cap_required(Cap.MANAGE_DEPARTMENTS)
def department_list_view(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "department": row.department,
            "depth": row.depth,
            "indent": row.depth * 1.5,
            "staff_count": row.staff_count,
            "contact_phone": mask_phone(row.department.contact_phone),
        }
        for row in selectors.department_tree()
    ]
    return render(request, "accounts/department_list.html", {"rows": rows})


@cap_required(Cap.MANAGE_DEPARTMENTS)
def department_create_view(request: HttpRequest) -> HttpResponse:
    # "添加下级" links here with ?parent=<id>; the choice field ignores a value that names no department.
    initial = {"parent": request.GET.get("parent")}
    form = DepartmentForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(data=form.department_input(), by=signed_in_user(request))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已新建部门 {department.name}。")
            return redirect("accounts:department_list")
    return render(request, "accounts/department_form.html", {"form": form, "title": "新建部门"})


@cap_required(Cap.MANAGE_DEPARTMENTS)
def department_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(pk=pk)
    form = DepartmentForm(request.POST if request.method == "POST" else None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(
                department=department,
                data=form.department_input(),
                by=signed_in_user(request),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已保存部门 {form.cleaned_data['name']}。")
            return redirect("accounts:department_list")
    return render(request, "accounts/department_form.html", {"form": form, "title": f"编辑部门:{department.name}"})
