"""The two-step login, kept in the session.

After a correct password, a user who needs a second factor is *not* logged in: the session only holds a pending login
(user id, backend, where to go next). `django.contrib.auth.login` runs once the TOTP code is right, so the password
alone never yields an authenticated session, not even for pages the 2FA middleware lets through. The pending login
expires after a few minutes and after a few wrong codes, sending the user back to the password step.
"""

from __future__ import annotations

import time

from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

_USER = "ys_2fa_pending_user"
_BACKEND = "ys_2fa_pending_backend"
_NEXT = "ys_2fa_pending_next"
_SINCE = "ys_2fa_pending_since"
_FAILURES = "ys_2fa_pending_failures"
_ENROLL_DEVICE = "ys_2fa_enroll_device"

PENDING_TTL_SECONDS = 5 * 60
MAX_CODE_FAILURES = 5


def pending_start(request: HttpRequest, user: User, next_url: str) -> None:
    request.session[_USER] = user.pk
    request.session[_BACKEND] = getattr(user, "backend", "django.contrib.auth.backends.ModelBackend")
    request.session[_NEXT] = next_url
    request.session[_SINCE] = int(time.time())
    request.session[_FAILURES] = 0
    request.session.pop(_ENROLL_DEVICE, None)


def pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(_USER)
    if user_id is None:
        return None
    if time.time() - int(request.session.get(_SINCE, 0)) > PENDING_TTL_SECONDS:
        pending_clear(request)
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        pending_clear(request)
    return user


def pending_next(request: HttpRequest) -> str:
    return str(request.session.get(_NEXT, ""))


def pending_failure(request: HttpRequest) -> bool:
    """Count a wrong code; True when the pending login is used up and the password must be entered again."""
    failures = int(request.session.get(_FAILURES, 0)) + 1
    request.session[_FAILURES] = failures
    if failures >= MAX_CODE_FAILURES:
        pending_clear(request)
        return True
    return False


def pending_clear(request: HttpRequest) -> None:
    for key in (_USER, _BACKEND, _NEXT, _SINCE, _FAILURES, _ENROLL_DEVICE):
        request.session.pop(key, None)


def enrollment_device_id(request: HttpRequest) -> int | None:
    value = request.session.get(_ENROLL_DEVICE)
    return int(value) if value is not None else None


def remember_enrollment_device(request: HttpRequest, device: TOTPDevice) -> None:
    # The secret shown on one screen can only be confirmed from the same session.
    request.session[_ENROLL_DEVICE] = device.pk


def forget_enrollment_device(request: HttpRequest) -> None:
    request.session.pop(_ENROLL_DEVICE, None)


def complete(request: HttpRequest, user: User, device: TOTPDevice) -> None:
    """Finish the login (if pending) and mark the session verified by `device`."""
    if not request.user.is_authenticated or request.user.pk != user.pk:
        backend = str(request.session.get(_BACKEND) or "django.contrib.auth.backends.ModelBackend")
        pending_clear(request)
        # login() rotates the session key, so a key planted before the login is useless afterwards.
        auth_login(request, user, backend=backend)
    else:
        pending_clear(request)
        # The session gains the second factor, so it gets a new key too, as at any privilege change.
        request.session.cycle_key()
    otp_login(request, device)
