"""Staff roles must have passed TOTP in this session before they reach anything but the 2FA pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

_ALLOWED_PREFIXES = ("/static/", "/favicon.ico", "/healthz")


@cache
def _two_factor_paths() -> frozenset[str]:
    # Only the pages that finish or abandon the login: the account pages themselves (users, roles, departments)
    # are as sensitive as any other and need a verified session.
    return frozenset(reverse(name) for name in ("accounts:login", "accounts:otp", "accounts:logout"))


class StaffTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.STAFF_2FA_REQUIRED
            and user is not None
            and user.is_authenticated
            and getattr(user, "is_staff_role", False)
            and not user.is_verified()
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and request.path not in _two_factor_paths()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "需要完成双因素认证"}, status=403)
            return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
