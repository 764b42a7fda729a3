"""Factories for test data. Call `XFactory.create(...)`: typed as the model (factory_boy types `XFactory(...)` as the factory)."""

from __future__ import annotations

from typing import Any

import factory

from yingshang.accounts.models import Department, DepartmentKind, User
from yingshang.accounts.roles import Role

DEFAULT_PASSWORD = "Test-pass-2026"


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试局{n}")
    code = factory.Sequence(lambda n: f"D{n:04d}")
    kind = DepartmentKind.BUREAU


def _save_user(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
    # UserFactory sets the password hash after the row is written (skip_postgeneration_save); this saves it.
    if create:
        obj.save()


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    role = Role.COORDINATOR
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    _save = factory.post_generation(_save_user)
