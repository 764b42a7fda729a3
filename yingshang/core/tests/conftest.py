from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from unittest import mock

import pytest

from yingshang.core import workdays
from yingshang.core.audit import Action, audit_record
from yingshang.core.models import AuditLog


@pytest.fixture
def calendar_2026(db: Any) -> dict[int, int]:
    """The real 2025 and 2026 statutory holidays and 调休 days, from chinese-calendar."""
    return workdays.seed_from_package([2025, 2026])


@contextmanager
def frozen_now(moment: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def record_at(db: Any) -> Callable[..., AuditLog]:
    """Append an audit row as if written at `moment` (the chain hashes created_at, so it cannot be edited later)."""

    def _record(moment: datetime, action: str = Action.RECORD_CREATED, **kwargs: Any) -> AuditLog:
        with frozen_now(moment):
            return audit_record(action=action, **kwargs)

    return _record
