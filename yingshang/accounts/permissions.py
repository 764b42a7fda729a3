"""View and API guards by capability and role. Object-level checks live in each app's selectors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .models import User


def signed_in_user(request: HttpRequest) -> User:
    """The account of a request that has passed login_required (or the API's session auth).

    django-stubs types `request.user` as `User | AnonymousUser` whatever guard ran before; views behind a login
    guard call this instead of repeating a `type: ignore` at every use. It checks nothing at runtime.
    """
    return cast(User, request.user)


def cap_required(cap: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not signed_in_user(request).has_cap(cap):
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def enterprise_admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """An enterprise user flagged as their enterprise's administrator; everyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = signed_in_user(request)
        if not (user.is_enterprise_user and user.is_enterprise_admin and user.enterprise_id):
            raise PermissionDenied("只有企业管理员可以管理本企业账号")
        return view(request, *args, **kwargs)

    return wrapped
