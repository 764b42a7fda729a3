"""Named people and things for the 政务服务 tests: the 行政审批局 window, the 市场监管局 back office, a
restaurant licence item and the battery maker's staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from yingshang.accounts.models import User
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory

from ..models import ServiceItem, ServiceWindow
from .factories import ServiceItemFactory


@pytest.fixture
def approval_bureau(db: Any) -> Any:
    """区行政审批局, whose staff work the 综合受理 window."""
    department = DepartmentFactory.create(name="区行政审批局", code="XZSP")
    ServiceWindow.objects.create(department=department, name="综合受理窗口")
    return department


@pytest.fixture
def market_bureau(db: Any) -> Any:
    return DepartmentFactory.create(name="区市场监督管理局", code="SCJG")


@pytest.fixture
def window_clerk(make_user: Callable[..., User], approval_bureau: Any) -> User:
    return make_user(Role.DEPARTMENT_STAFF, department=approval_bureau, username="window_wei", full_name="卫窗口")


@pytest.fixture
def market_officer(make_user: Callable[..., User], market_bureau: Any) -> User:
    return make_user(Role.DEPARTMENT_STAFF, department=market_bureau, username="market_chen", full_name="陈科长")


@pytest.fixture
def battery_admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ENTERPRISE, username="battery_admin", full_name="周经理", is_enterprise_admin=True)


@pytest.fixture
def food_licence(market_bureau: Any) -> ServiceItem:
    """食品经营许可: 20 legal days, 3 committed; the site certificate may be missing, the hygiene proof committed."""
    return ServiceItemFactory.create(
        code="SCJG-001",
        name="食品经营许可",
        department=market_bureau,
        legal_limit_days=20,
        committed_limit_days=3,
        materials=[
            ("营业执照(副本)复印件", {"form": "copy"}),
            ("法定代表人身份证", {}),
            ("经营场所使用证明", {"may_be_missing": True}),
            ("从业人员健康证明", {"commitment_allowed": True}),
            ("食品安全管理制度", {"required": False}),
        ],
    )


@pytest.fixture
def monday() -> date:
    """A plain Monday with no holiday within three weeks (2026-11-02)."""
    return date(2026, 11, 2)


def at(day: date, hour: int = 10) -> Any:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))
