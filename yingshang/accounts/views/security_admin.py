"""安全管理员: roles, the unmask permission, lockouts and lost authenticators. Never on their own account."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_phone

from .. import selectors, services
from ..forms import RoleChangeForm, UserSearchForm
from ..models import User
from ..permissions import cap_required, signed_in_user
from ..roles import Cap
from .common import INCOMPLETE_REQUEST, add_service_error, flash_outcome, paginate, posted_flag


@cap_required(Cap.ASSIGN_ROLES)
def security_users_view(request: HttpRequest) -> HttpResponse:
    search = UserSearchForm(request.GET)
    page = paginate(request, selectors.security_user_list(**search.criteria()))
    users = list(page.object_list)
    failures = selectors.failed_login_counts([u.username for u in users])
    rows = [
        {
            "user": u,
            "phone": mask_phone(u.phone),
            "failures": failures.get(u.username, 0),
            "locked": selectors.failures_lock_out(failures.get(u.username, 0)),
        }
        for u in users
    ]
    return render(request, "accounts/security_users.html", {"search": search, "page": page, "rows": rows})


def _render_detail(
    request: HttpRequest, subject: User, role_form: RoleChangeForm | None = None, *, status: int = 200
) -> HttpResponse:
    failures = selectors.failed_login_counts([subject.username]).get(subject.username, 0)
    return render(
        request,
        "accounts/security_user_detail.html",
        {
            "subject": subject,
            "phone": mask_phone(subject.phone),
            "is_self": subject.pk == request.user.pk,
            "role_form": role_form or RoleChangeForm(initial={"role": subject.role}),
            "locked": selectors.failures_lock_out(failures),
            "failures": failures,
            "has_otp": selectors.user_has_confirmed_totp(subject),
        },
        status=status,
    )


@cap_required(Cap.ASSIGN_ROLES)
def security_user_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.security_user_get(pk=pk))


@cap_required(Cap.ASSIGN_ROLES)
@require_POST
def security_user_role_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.security_user_get(pk=pk)
    form = RoleChangeForm(request.POST)
    if form.is_valid():
        old_label = subject.get_role_display()
        try:
            services.user_role_change(
                user=subject,
                role=form.cleaned_data["role"],
                enterprise=form.cleaned_data.get("enterprise"),
                department=form.cleaned_data.get("department"),
                by=signed_in_user(request),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{subject.username} 的角色已由“{old_label}”改为“{subject.get_role_display()}”。")
            return redirect("accounts:security_user_detail", pk=subject.pk)
    subject.refresh_from_db()
    return _render_detail(request, subject, form, status=400)


@cap_required(Cap.GRANT_UNMASK)
@require_POST
def security_user_unmask_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.security_user_get(pk=pk)
    allowed = posted_flag(request, "allowed")
    if allowed is None:
        messages.error(request, INCOMPLETE_REQUEST)
    else:
        with flash_outcome(
            request, success=f"已{'授予' if allowed else '撤销'} {subject.username} 查看完整手机号/证件号的权限。"
        ):
            services.user_unmask_permission_set(user=subject, allowed=allowed, by=signed_in_user(request))
    return redirect("accounts:security_user_detail", pk=subject.pk)


@cap_required(Cap.UNLOCK_ACCOUNTS)
@require_POST
def security_user_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.security_user_get(pk=pk)
    with flash_outcome(request, success=f"已解除 {subject.username} 的登录锁定。"):
        services.user_unlock(user=subject, by=signed_in_user(request))
    return redirect("accounts:security_user_detail", pk=subject.pk)


@cap_required(Cap.UNLOCK_ACCOUNTS)
@require_POST
def security_user_otp_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = selectors.security_user_get(pk=pk)
    with flash_outcome(request, success=f"已重置 {subject.username} 的动态口令,对方下次登录时需重新绑定。"):
        services.user_totp_reset(user=subject, by=signed_in_user(request))
    return redirect("accounts:security_user_detail", pk=subject.pk)
