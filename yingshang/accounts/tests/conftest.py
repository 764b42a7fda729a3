"""Named people for the account tests, on top of the project fixtures (make_user, client_as)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from yingshang.accounts.models import User
from yingshang.accounts.roles import Role


@pytest.fixture
def battery_admin(make_user: Callable[..., User]) -> User:
    """The enterprise administrator of 荆门新能源电池有限公司."""
    return make_user(Role.ENTERPRISE, username="battery_admin", full_name="王经理", is_enterprise_admin=True)


@pytest.fixture
def battery_clerk(make_user: Callable[..., User]) -> User:
    """An ordinary account of the same enterprise."""
    return make_user(Role.ENTERPRISE, username="battery_clerk", full_name="刘会计", phone="13912340001")


@pytest.fixture
def coordinator_zhang(make_user: Callable[..., User]) -> User:
    return make_user(Role.COORDINATOR, username="zhang_coord", full_name="张协调")


@pytest.fixture
def sysadmin(make_user: Callable[..., User]) -> User:
    return make_user(Role.SYSTEM_ADMIN, username="sys_li", full_name="李系统")


@pytest.fixture
def secadmin(make_user: Callable[..., User]) -> User:
    return make_user(Role.SECURITY_ADMIN, username="sec_zhao", full_name="赵安全")


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user(Role.AUDITOR, username="audit_qian", full_name="钱审计")


@pytest.fixture
def confirmed_device() -> Callable[[User], TOTPDevice]:
    def _device(user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)

    return _device
