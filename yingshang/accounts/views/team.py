"""企业账号: an enterprise administrator's colleagues and invitations, and the invitee's accept page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_phone

from .. import selectors, services
from ..forms import InvitationForm, InviteAcceptForm
from ..permissions import enterprise_admin_required, signed_in_user
from .common import INCOMPLETE_REQUEST, add_service_error, flash_outcome, posted_flag


def _render_team(request: HttpRequest, form: InvitationForm, *, status: int = 200) -> HttpResponse:
    admin = signed_in_user(request)
    enterprise = admin.enterprise
    if enterprise is None:  # enterprise_admin_required has checked; this keeps the type checker honest
        raise PermissionDenied("只有企业管理员可以管理本企业账号")
    members = [
        {"user": u, "phone": mask_phone(u.phone), "is_self": u.pk == admin.pk}
        for u in selectors.enterprise_team(enterprise=enterprise)
    ]
    invitations = [
        {
            "invitation": inv,
            "phone": mask_phone(inv.phone),
            # Only a usable invitation has a link to copy (and can be revoked).
            "link": request.build_absolute_uri(reverse("accounts:invite_accept", args=[inv.token]))
            if inv.is_usable
            else "",
        }
        for inv in selectors.enterprise_invitations(enterprise=enterprise)[:100]
    ]
    return render(
        request,
        "accounts/team.html",
        {"enterprise": enterprise, "members": members, "invitations": invitations, "form": form},
        status=status,
    )


@enterprise_admin_required
def team_view(request: HttpRequest) -> HttpResponse:
    return _render_team(request, InvitationForm())


@enterprise_admin_required
@require_POST
def team_invite_view(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                by=signed_in_user(request),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"已生成给 {invitation.full_name} 的邀请链接,请在下方“邀请记录”中复制链接发送给对方(7 天内有效)。",
            )
            return redirect("accounts:team")
    return _render_team(request, form, status=400)


@enterprise_admin_required
@require_POST
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.team_invitation_get(admin=signed_in_user(request), pk=pk)
    with flash_outcome(request, success=f"已撤销给 {invitation.full_name} 的邀请,原链接不能再使用。"):
        services.invitation_revoke(invitation=invitation, by=signed_in_user(request))
    return redirect("accounts:team")


@enterprise_admin_required
@require_POST
def team_member_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.team_member_get(admin=signed_in_user(request), pk=pk)
    is_active = posted_flag(request, "is_active")
    if is_active is None:
        messages.error(request, INCOMPLETE_REQUEST)
    else:
        with flash_outcome(request, success=f"已{'启用' if is_active else '停用'}账号 {member.display_name}。"):
            services.enterprise_member_set_active(member=member, is_active=is_active, by=signed_in_user(request))
    return redirect("accounts:team")


@sensitive_post_parameters("password1", "password2")
@never_cache
def invite_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    problem = selectors.invitation_problem(invitation)
    if problem is not None or invitation is None:
        return render(
            request, "accounts/invite_invalid.html", {"message": problem}, status=404 if invitation is None else 410
        )
    if request.user.is_authenticated:
        return render(
            request,
            "accounts/invite_invalid.html",
            {"message": f"您当前已登录为“{request.user}”。请先退出登录,再打开邀请链接创建新账号。"},
            status=409,
        )
    form = InviteAcceptForm(request.POST if request.method == "POST" else None, full_name=invitation.full_name)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ApplicationError as exc:
            if exc.field:
                add_service_error(form, exc)
            else:
                return render(request, "accounts/invite_invalid.html", {"message": exc.message}, status=410)
        else:
            messages.success(request, "账号已创建,请使用新用户名和密码登录。")
            return redirect("accounts:login")
    return render(
        request,
        "accounts/invite_accept.html",
        {"invitation": invitation, "form": form, "phone": mask_phone(invitation.phone)},
    )
