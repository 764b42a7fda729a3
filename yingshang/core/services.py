"""Writes of the core app: the working-day calendar maintained by the system administrator.

Every change is audited (`Action.CALENDAR_CHANGED`, with before/after) in the same transaction; the workday cache is
invalidated by the CalendarDay signals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from . import workdays
from .audit import Action, audit_record
from .errors import ApplicationError
from .models import CalendarDay, CalendarSource, CalendarYear


def _day_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日({workdays.WEEKDAY_NAMES[day.weekday()]})"


def _day_state(row: CalendarDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "date": row.date.isoformat(),
        "is_working_day": row.is_working_day,
        "name": row.name,
        "source": row.source,
    }


def is_regular_override(row: CalendarDay) -> bool:
    """An administrator's "按常规" row: same value as the Monday–Friday rule, kept only to out-rank the package."""
    return row.is_working_day == workdays.is_weekday(row.date)


def _check_changes_the_rule(day: date, is_working_day: bool, *, existing: CalendarDay | None) -> None:
    if is_working_day != workdays.is_weekday(day):
        return
    if is_working_day:
        message = f"{_day_label(day)}本来就是工作日,无需设为上班"
    else:
        message = f"{_day_label(day)}本来就是休息日,无需设为休息"
    if existing is not None and not is_regular_override(existing):
        message += ";如要取消该日的例外安排,请删除此例外日"
    raise ApplicationError(message, field="kind")


@transaction.atomic
def calendar_day_save(
    *, day: date, is_working_day: bool, name: str, by: Any, instance: CalendarDay | None = None
) -> CalendarDay:
    """Create or change an exception day. The date of an existing exception is fixed: delete and add instead."""
    if instance is not None and instance.date != day:
        raise ApplicationError("例外日的日期不能修改;请删除后重新添加", field="day")
    if instance is None:
        instance = CalendarDay.objects.select_for_update().filter(date=day).first()
        if instance is not None and not is_regular_override(instance):
            raise ApplicationError(
                f"{_day_label(day)}已有例外安排({instance.name or '无说明'}),请在列表中修改", field="day"
            )
    _check_changes_the_rule(day, is_working_day, existing=instance)
    before = _day_state(instance)
    row = instance or CalendarDay(date=day)
    row.is_working_day = is_working_day
    row.name = name.strip()[:64]
    row.source = CalendarSource.ADMIN
    row.save()
    audit_record(
        action=Action.CALENDAR_CHANGED,
        user=by,
        obj=row,
        detail={"operation": "create" if before is None else "update", "before": before, "after": _day_state(row)},
    )
    return row


@transaction.atomic
def calendar_day_delete(*, row: CalendarDay, by: Any) -> CalendarDay | None:
    """Remove an exception so the day follows the Monday–Friday rule again.

    When chinese-calendar lists the day as an exception, an "按常规" row stays behind so that the next
    `calendar_seed` does not bring the package's entry back. Deleting such an "按常规" row restores the package's
    entry. Returns the row that remains, if any.
    """
    package = workdays.package_exception(row.date)
    new_state: tuple[bool, str, str] | None
    if is_regular_override(row):
        operation = "delete" if package is None else "restore_package"
        new_state = None if package is None else (package[0], package[1], CalendarSource.PACKAGE)
    else:
        operation = "delete" if package is None else "override_package"
        new_state = (
            None
            if package is None
            else (workdays.is_weekday(row.date), f"按常规(撤销:{package[1]})"[:64], CalendarSource.ADMIN)
        )
    after = (
        None
        if new_state is None
        else {
            "date": row.date.isoformat(),
            "is_working_day": new_state[0],
            "name": new_state[1],
            "source": new_state[2],
        }
    )
    audit_record(
        action=Action.CALENDAR_CHANGED,
        user=by,
        obj=row,
        detail={"operation": operation, "before": _day_state(row), "after": after},
    )
    if new_state is None:
        row.delete()
        return None
    row.is_working_day, row.name, row.source = new_state
    row.save()
    return row


@transaction.atomic
def calendar_year_set_complete(*, year: int, complete: bool, by: Any) -> CalendarYear | None:
    """Mark a year's holiday arrangement as fully entered (or withdraw an administrator's mark)."""
    if not workdays.MIN_DATE.year <= year <= workdays.MAX_DATE.year:
        raise ApplicationError(workdays.RANGE_MESSAGE, field="year")
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = None if row is None else {"year": row.year, "source": row.source, "confirmed": row.confirmed}
    if complete:
        if row is not None and row.confirmed:
            raise ApplicationError(f"{year}年已标记为录入完整")
        row = row or CalendarYear(year=year)
        row.source = CalendarSource.ADMIN
        row.confirmed = True
        row.save()
        after: dict[str, Any] | None = {"year": row.year, "source": row.source, "confirmed": True}
        audit_record(
            action=Action.CALENDAR_CHANGED,
            user=by,
            obj=row,
            detail={"operation": "year_complete", "year": year, "before": before, "after": after},
        )
        return row
    if row is None:
        raise ApplicationError(f"{year}年尚未标记为录入完整")
    if row.source != CalendarSource.ADMIN:
        raise ApplicationError(f"{year}年的节假日来自 chinese-calendar 数据,不能撤销")
    audit_record(
        action=Action.CALENDAR_CHANGED,
        user=by,
        obj=row,
        detail={"operation": "year_reopen", "year": year, "before": before, "after": None},
    )
    row.delete()
    return None
