"""The appeal timeline and the small helpers every service shares: events, versioned saves, stage deadlines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, cast

from django.conf import settings
from django.db.models import F, Field
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError, ConflictError
from yingshang.core.workdays import add_working_days

from .models import Appeal, AppealEvent, AppealState

CONFLICT_MESSAGE = "该诉求已被他人更新(当前为第 {current} 版,您提交的是第 {expected} 版),请刷新页面后重新操作"


def yellow_threshold_days() -> int:
    """Working days before a deadline from which an appeal shows yellow (setting APPEALS_YELLOW_WORKING_DAYS)."""
    return max(0, int(getattr(settings, "APPEALS_YELLOW_WORKING_DAYS", 1)))


def dispatch_limit_days() -> int:
    """Working days the office has to dispatch a new appeal (setting APPEALS_DISPATCH_LIMIT_DAYS)."""
    return max(1, int(getattr(settings, "APPEALS_DISPATCH_LIMIT_DAYS", 1)))


_clock: ContextVar[datetime | None] = ContextVar("appeals_clock", default=None)


def now() -> datetime:
    """The time services stamp on records; the demo loader sets it to write a plausible past (see `clock`)."""
    return _clock.get() or timezone.now()


def today() -> date:
    return timezone.localdate(now())


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """Run services as if it were `at` (demo data with past dates). Audit rows keep the real time."""
    token = _clock.set(at)
    try:
        yield
    finally:
        _clock.reset(token)


def set_stage_deadline(appeal: Appeal, deadline: date | None) -> None:
    """Store the current stage's deadline and the first day it shows yellow (see selectors.with_colour).

    Yellow once N or fewer working days are left, counting the working days after today up to the deadline
    (`working_days_between(today, deadline) <= N`): with N = 1, from the last working day before the deadline, so a
    Monday deadline is yellow over the weekend before it. N = 0: only on the deadline day.
    """
    appeal.deadline = deadline
    appeal.yellow_from = add_working_days(deadline, -yellow_threshold_days()) if deadline is not None else None


def lock(appeal: Appeal, *, expected_version: int | None) -> Appeal:
    """Re-read the appeal under a row lock; a stale `expected_version` is a conflict, never a silent overwrite."""
    current = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(CONFLICT_MESSAGE.format(current=current.version, expected=expected_version))
    return current


def save_versioned(appeal: Appeal, fields: Iterable[str]) -> Appeal:
    """Write the changed fields and bump the version, only if nobody else bumped it since `lock` read it."""
    names = sorted(set(fields) | {"updated_at"})
    appeal.updated_at = now()
    values: dict[str, Any] = {}
    for name in names:
        # Foreign keys are written by their id column (attname), so no related object is loaded or needed.
        attname = cast(Field, Appeal._meta.get_field(name)).attname
        values[attname] = getattr(appeal, attname)
    changed = Appeal.objects.filter(pk=appeal.pk, version=appeal.version).update(version=F("version") + 1, **values)
    if changed != 1:
        current = Appeal.objects.filter(pk=appeal.pk).values_list("version", flat=True).first()
        raise ConflictError(CONFLICT_MESSAGE.format(current=current, expected=appeal.version))
    appeal.version += 1
    return appeal


def record_event(
    *,
    appeal: Appeal,
    kind: str,
    title: str,
    by: User | None = None,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    internal: bool = False,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AppealEvent:
    label = actor_label or (_actor_label(by) if by is not None else "系统")
    return AppealEvent.objects.create(
        appeal=appeal,
        at=now(),
        actor=by if by is not None and by.pk else None,
        actor_label=label[:150],
        kind=kind,
        title=title[:200],
        note=note,
        from_state=from_state,
        to_state=to_state,
        internal=internal,
        data=data or {},
    )


def _actor_label(user: User) -> str:
    if user.role == Role.ENTERPRISE:
        return "企业"
    if user.department_id and user.department is not None:
        return f"{user.department.name} {user.display_name}"
    if user.role == Role.COORDINATOR:
        return f"营商办 {user.display_name}"
    return user.display_name


def department_staff(department: Department) -> list[User]:
    return list(User.objects.filter(department=department, role=Role.DEPARTMENT_STAFF, is_active=True))


def office_staff() -> list[User]:
    return list(User.objects.filter(role=Role.COORDINATOR, is_active=True))


def enterprise_contacts(appeal: Appeal) -> list[User]:
    """Who hears about an appeal on the enterprise side: the filer when an enterprise user, and its administrators."""
    users: dict[int, User] = {}
    if appeal.filed_by_id and appeal.filed_by is not None and appeal.filed_by.role == Role.ENTERPRISE:
        users[appeal.filed_by.pk] = appeal.filed_by
    if appeal.enterprise_id:
        for user in User.objects.filter(
            enterprise_id=appeal.enterprise_id, role=Role.ENTERPRISE, is_enterprise_admin=True, is_active=True
        ):
            users[user.pk] = user
    return list(users.values())


def require_state(appeal: Appeal, *states: str, action: str) -> None:
    if appeal.state not in states:
        names = dict(AppealState.choices)
        labels = "、".join(str(names.get(s, s)) for s in states)
        raise ApplicationError(f"诉求当前为「{appeal.get_state_display()}」,只有「{labels}」的诉求可以{action}")
