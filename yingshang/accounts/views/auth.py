"""Login, the second factor, logout, password change, and each user's own 账号安全 page."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.core.errors import ApplicationError

from .. import selectors, services, twofactor
from ..forms import ChinesePasswordChangeForm, LoginForm, OtpTokenForm
from ..models import User
from ..permissions import signed_in_user


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _enrollment_context(device: TOTPDevice) -> dict[str, Any]:
    secret = b32encode(device.bin_key).decode()
    return {
        # segno writes the SVG from the otpauth URL alone; nothing user-typed reaches the markup.
        "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
    }


def _enrollment_device(request: HttpRequest, user: User) -> TOTPDevice:
    device = selectors.enrollment_device_get(user=user, device_id=twofactor.enrollment_device_id(request))
    if device is None:
        device = services.totp_enrollment_start(user=user)
        twofactor.remember_enrollment_device(request, device)
    return device


def _enrollment_step(request: HttpRequest, user: User) -> tuple[TOTPDevice | None, dict[str, Any]]:
    """Enrolment, shared by the login (staff) and 账号安全 (anyone): the secret of this session, and the posted code.

    Returns the confirmed device when the code was right, else None and the context for the page (form, QR, secret).
    """
    device = _enrollment_device(request, user)
    form = OtpTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = services.totp_enrollment_confirm(device=device, token=form.cleaned_data["token"])
        if check.device is not None:
            twofactor.forget_enrollment_device(request)
            return check.device, {}
        form.add_error("token", check.error)
    return None, {"form": form, **_enrollment_context(device)}


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        # authenticate() inside the form receives the request, which django-axes needs to count failures.
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            user = form.get_user()
            if selectors.user_needs_second_factor(user):
                twofactor.pending_start(request, user, next_url)
                return redirect("accounts:otp")
            twofactor.pending_clear(request)
            auth_login(request, user)
            return redirect(next_url)
    else:
        if request.user.is_authenticated:
            return redirect(next_url)
        form = LoginForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "demo_mode": not settings.STAFF_2FA_REQUIRED},
    )


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def otp_view(request: HttpRequest) -> HttpResponse:
    pending = twofactor.pending_user(request)
    if pending is not None:
        user = pending
        next_url = _safe_next(request, twofactor.pending_next(request))
    elif request.user.is_authenticated:
        user = request.user
        next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
        if user.is_verified():  # type: ignore[attr-defined]
            return redirect(next_url)
    else:
        messages.info(request, "请先输入用户名和密码;如停留过久,请重新登录。")
        return redirect("accounts:login")

    if selectors.user_has_confirmed_totp(user):
        return _otp_verify(request, user, next_url, pending=pending is not None)
    if pending is not None or user.is_staff_role:
        return _otp_enroll(request, user, next_url)
    return redirect(next_url)


def _otp_verify(request: HttpRequest, user: User, next_url: str, *, pending: bool) -> HttpResponse:
    form = OtpTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = services.totp_verify(user=user, token=form.cleaned_data["token"])
        if check.device is not None:
            twofactor.complete(request, user, check.device)
            return redirect(next_url)
        if pending and twofactor.pending_failure(request):
            messages.error(request, "动态口令错误次数过多,请重新输入用户名和密码。")
            return redirect("accounts:login")
        form.add_error("token", check.error)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url, "subject": user})


def _otp_enroll(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    confirmed, context = _enrollment_step(request, user)
    if confirmed is not None:
        twofactor.complete(request, user, confirmed)
        messages.success(request, "动态口令已绑定。以后登录时,请输入手机验证器上显示的 6 位数字。")
        return redirect(next_url)
    return render(request, "accounts/otp_enroll.html", {**context, "next": next_url, "subject": user})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, "您已安全退出。")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ChinesePasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_password_change(user=user, new_password=form.cleaned_data["new_password1"])
        # Keeps this session signed in (and its 2FA state); other sessions of the user end with the old hash.
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改。")
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def security_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    device = selectors.user_confirmed_totp_device(user)
    return render(
        request,
        "accounts/security.html",
        {
            "device": device,
            "can_disable": not (user.is_staff_role and settings.STAFF_2FA_REQUIRED),
            "disable_form": OtpTokenForm(),
        },
    )


@sensitive_post_parameters("token")
@login_required
def security_otp_enable_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if selectors.user_has_confirmed_totp(user):
        messages.info(request, "您已启用动态口令。")
        return redirect("accounts:security")
    confirmed, context = _enrollment_step(request, user)
    if confirmed is not None:
        otp_login(request, confirmed)
        messages.success(request, "已启用动态口令。以后登录时,输入密码后还需输入手机验证器上的 6 位数字。")
        return redirect("accounts:security")
    return render(request, "accounts/security_otp_enable.html", context)


@sensitive_post_parameters("token")
@login_required
@require_POST
def security_otp_disable_view(request: HttpRequest) -> HttpResponse:
    form = OtpTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请输入手机验证器显示的 6 位数字以确认停用。")
        return redirect("accounts:security")
    try:
        check = services.totp_disable(user=signed_in_user(request), token=form.cleaned_data["token"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:security")
    if check.ok:
        messages.success(request, "已停用动态口令。")
    else:
        messages.error(request, check.error)
    return redirect("accounts:security")
