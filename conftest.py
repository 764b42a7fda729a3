"""Shared fixtures: one user per role, a client logged in as any of them (TOTP already passed for staff)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.accounts.models import User
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory, UserFactory
from yingshang.core.middleware import SEEN_KEY
from yingshang.enterprises.tests.factories import EnterpriseFactory


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def department_jingxin(db: Any) -> Any:
    return DepartmentFactory.create(name="经济和信息化局", code="JXJ")


@pytest.fixture
def enterprise_battery_maker(db: Any) -> Any:
    return EnterpriseFactory.create(name="荆门新能源电池有限公司")


@pytest.fixture
def enterprise_other(db: Any) -> Any:
    return EnterpriseFactory.create(name="东宝食品有限公司")


@pytest.fixture
def make_user(db: Any, department_jingxin: Any, enterprise_battery_maker: Any) -> Callable[..., User]:
    def _make(role: str = Role.COORDINATOR, **kwargs: Any) -> User:
        if role == Role.ENTERPRISE:
            kwargs.setdefault("enterprise", enterprise_battery_maker)
        if role == Role.DEPARTMENT_STAFF:
            kwargs.setdefault("department", department_jingxin)
        return UserFactory.create(role=role, **kwargs)

    return _make


def login(client: Client, user: User, *, verified: bool = True) -> Client:
    """Signed in as if through the login page: the session was just saved (so the next requests within a minute
    do not rewrite it, see core.middleware.SessionIdleRefreshMiddleware) and, for staff, TOTP was passed."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[SEEN_KEY] = int(time.time())
    if verified and user.is_staff_role:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
        session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_as(make_user: Callable[..., User]) -> Callable[..., Client]:
    """`client_as(Role.COORDINATOR)` → a logged-in test client; pass a User to log in as that user."""

    def _client(role_or_user: str | User, **kwargs: Any) -> Client:
        user = role_or_user if isinstance(role_or_user, User) else make_user(role_or_user, **kwargs)
        c = Client()
        login(c, user)
        c.user = user  # type: ignore[attr-defined]
        return c

    return _client
