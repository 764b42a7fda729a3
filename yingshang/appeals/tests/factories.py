"""Factories and helpers for appeals tests. Call `XFactory.create(...)`."""

from __future__ import annotations

from typing import Any

import factory

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory, UserFactory
from yingshang.appeals.models import Appeal, AppealCategory, Channel
from yingshang.appeals.services import appeal_file
from yingshang.enterprises.models import Enterprise


class AppealCategoryFactory(factory.django.DjangoModelFactory[AppealCategory]):
    class Meta:
        model = AppealCategory

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"分类{n}")
    sign_limit_days = 1
    limit_normal_days = 5
    limit_urgent_days = 3
    limit_critical_days = 1


def staff_of(department: Department, **kwargs: Any) -> User:
    return UserFactory.create(role=Role.DEPARTMENT_STAFF, department=department, **kwargs)


def office_user(**kwargs: Any) -> User:
    return UserFactory.create(role=Role.COORDINATOR, **kwargs)


def enterprise_user(enterprise: Enterprise, **kwargs: Any) -> User:
    return UserFactory.create(role=Role.ENTERPRISE, enterprise=enterprise, **kwargs)


def file_appeal(
    *,
    enterprise: Enterprise,
    by: User | None = None,
    category: AppealCategory | None = None,
    title: str = "厂房用电增容审批迟迟未办",
    **kwargs: Any,
) -> Appeal:
    by = by or enterprise_user(enterprise)
    category = category or AppealCategoryFactory.create(default_department=DepartmentFactory.create())
    kwargs.setdefault("channel", Channel.WEB if by.role == Role.ENTERPRISE else Channel.PHONE)
    return appeal_file(
        by=by,
        category=category,
        title=title,
        description="新建产线需要增容 2000 千伏安,申请已提交一个月。",
        enterprise=enterprise,
        contact_name="张经理",
        contact_phone="13907241234",
        **kwargs,
    ).appeal
