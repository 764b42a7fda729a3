"""Object-level checks for case actions, made before a form is even read so that a refused user learns nothing
(403), whatever they post. The services check the same rules again."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import CaseMaterial, CaseTask, ServiceCase
from .selectors import is_back_office, is_window_clerk


def is_own_case(user: Any, case: ServiceCase) -> bool:
    return bool(
        getattr(user, "is_enterprise_user", False) and case.enterprise_id and user.enterprise_id == case.enterprise_id
    )


def can_supply(user: Any, case: ServiceCase) -> bool:
    return is_own_case(user, case) or is_window_clerk(user)


def can_verify(user: Any, case: ServiceCase) -> bool:
    return is_back_office(user) and case.tasks.filter(department_id=user.department_id).exists()


def can_decide(user: Any, task: CaseTask) -> bool:
    return is_back_office(user) and user.department_id == task.department_id


def require(allowed: bool, message: str = "您无权办理此操作") -> None:
    if not allowed:
        raise PermissionDenied(message)


def material_of(case: ServiceCase, pk: int) -> CaseMaterial:
    material = case.materials.filter(pk=pk).first()
    if material is None:
        raise Http404("未找到该材料")
    return material


def task_of(case: ServiceCase, pk: int) -> CaseTask:
    task = case.tasks.select_related("item", "department").filter(pk=pk).first()
    if task is None:
        raise Http404("未找到该审批事项")
    return task
