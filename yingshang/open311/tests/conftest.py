from __future__ import annotations

from typing import Any

import pytest

from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.appeals.tests.factories import AppealCategoryFactory
from yingshang.open311.services import api_key_create


@pytest.fixture
def category(db: Any) -> Any:
    parent = AppealCategoryFactory.create(code="ydyn", name="用地用能")
    return AppealCategoryFactory.create(
        code="ydyn-power",
        name="用电增容",
        parent=parent,
        description="企业用电报装、增容、电价问题",
        default_department=DepartmentFactory.create(name="区发展和改革局", code="FGJ-311"),
    )


@pytest.fixture
def api_key(db: Any) -> tuple[Any, str]:
    return api_key_create(name="省12345平台", by=None)
