"""Reads of the core app: calendar month grids, the filtered audit log, the outbox and the inbox."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import workdays
from .models import AuditLog, CalendarDay, CalendarYear, Notification, OutboxMessage

# ---- working-day calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCell:
    day: date
    kind: str  # "workday" | "weekend" | "holiday" | "makeup"
    name: str
    entry_id: int | None
    is_today: bool


@dataclass(frozen=True)
class MonthGrid:
    month: int
    weeks: list[list[DayCell | None]]
    holidays: int
    makeup_days: int
    working_days: int


def calendar_exceptions(year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__year=year).order_by("date")


def calendar_year_grid(year: int, *, today: date | None = None) -> list[MonthGrid]:
    """Twelve Monday-first month grids, each day marked as workday, weekend, holiday or 调休上班."""
    today = today or timezone.localdate()
    entries = {row.date: row for row in calendar_exceptions(year)}
    months: list[MonthGrid] = []
    for month in range(1, 13):
        weeks: list[list[DayCell | None]] = []
        counts = {"holiday": 0, "makeup": 0, "working": 0}
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[DayCell | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                entry = entries.get(day)
                working, kind, name = workdays.classify(day, entry)
                counts["holiday"] += kind == "holiday"
                counts["makeup"] += kind == "makeup"
                counts["working"] += working
                row.append(DayCell(day, kind, name, entry.pk if entry else None, day == today))
            weeks.append(row)
        months.append(MonthGrid(month, weeks, counts["holiday"], counts["makeup"], counts["working"]))
    return months


def calendar_years() -> QuerySet[CalendarYear]:
    return CalendarYear.objects.order_by("year")


def calendar_year_choices(selected: int, *, today: date | None = None) -> list[int]:
    current = (today or timezone.localdate()).year
    years = set(CalendarYear.objects.values_list("year", flat=True))
    years |= {current - 1, current, current + 1, current + 2, selected}
    return sorted(years, reverse=True)


# ---- audit log ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    action: str = ""
    result: str = ""
    date_from: date | None = None
    date_to: date | None = None
    obj: str = ""

    def as_detail(self) -> dict[str, Any]:
        """The non-empty filters, for the audit row that records who looked at what."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log_list(filters: AuditFilters) -> QuerySet[AuditLog]:
    qs = AuditLog.objects.order_by("-seq")
    if filters.user:
        qs = qs.filter(username__icontains=filters.user.strip())
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.obj:
        text = filters.obj.strip()
        object_type, sep, object_id = text.partition(":")
        if sep and object_type and object_id and " " not in text:
            # "accounts.user:12", as the object links on the page produce.
            qs = qs.filter(object_type=object_type.lower(), object_id=object_id)
        else:
            qs = qs.filter(Q(object_repr__icontains=text) | Q(object_id=text) | Q(object_type__icontains=text))
    return qs


# ---- notifications --------------------------------------------------------------------------------------------


def outbox_list(*, status: str = "", channel: str = "") -> QuerySet[OutboxMessage]:
    qs = OutboxMessage.objects.order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def inbox_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs
