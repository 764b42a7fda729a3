from __future__ import annotations

from datetime import date
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import ValidationError

from . import workdays

router = Router(tags=["平台基础"])

# add_working_days walks day by day; a bound keeps one request from walking for ever.
MAX_WORKING_DAYS = 2000
RANGE_NOTE = f"日期范围 {workdays.MIN_DATE.isoformat()} 至 {workdays.MAX_DATE.isoformat()},超出时返回 422。"


def _range_error(*fields: str) -> ValidationError:
    return ValidationError(
        [{"loc": ["query", field], "msg": workdays.RANGE_MESSAGE, "type": "date_out_of_range"} for field in fields]
    )


def _check_dates(**dates: date) -> None:
    """The calendar's range, said before any work is done: 0001-01-01..9999-12-31 cost 10,000 queries once."""
    outside = [field for field, value in dates.items() if not workdays.MIN_DATE <= value <= workdays.MAX_DATE]
    if outside:
        raise _range_error(*outside)


class WorkdayOut(Schema):
    start: date
    working_days: int
    result: date


class WorkdaysBetweenOut(Schema):
    a: date
    b: date
    working_days: int


class WorkingDayOut(Schema):
    date: date
    is_working_day: bool
    kind: str
    kind_label: str
    name: str
    year_known: bool
    warning: str | None


@router.get("workdays/add", response=WorkdayOut, summary="按工作日推算日期", description=RANGE_NOTE)
def workdays_add(
    request: HttpRequest,
    start: date,
    n: Annotated[int, Query(ge=-MAX_WORKING_DAYS, le=MAX_WORKING_DAYS)],
) -> WorkdayOut:
    _check_dates(start=start)
    try:
        result = workdays.add_working_days(start, n)
    except workdays.DateOutOfRangeError as exc:  # the deadline itself falls outside the calendar
        raise _range_error("n") from exc
    return WorkdayOut(start=start, working_days=n, result=result)


@router.get(
    "workdays/between",
    response=WorkdaysBetweenOut,
    summary="两个日期之间的工作日数",
    description=f"满足 a < d ≤ b 的工作日 d 的个数;b 早于 a 时为负数。{RANGE_NOTE}",
)
def workdays_between(request: HttpRequest, a: date, b: date) -> WorkdaysBetweenOut:
    _check_dates(a=a, b=b)
    return WorkdaysBetweenOut(a=a, b=b, working_days=workdays.working_days_between(a, b))


@router.get(
    "workdays/is-working-day",
    response=WorkingDayOut,
    summary="某日是否为工作日",
    description=f"kind:workday 工作日、weekend 周末、holiday 节假日(休息)、makeup 调休上班。{RANGE_NOTE}",
)
def workdays_is_working_day(request: HttpRequest, date: date) -> WorkingDayOut:
    _check_dates(date=date)
    info = workdays.day_info(date)
    return WorkingDayOut(
        date=info.day,
        is_working_day=info.is_working_day,
        kind=info.kind,
        kind_label=info.kind_label,
        name=info.name,
        year_known=info.year_known,
        warning=None if info.year_known else workdays.unknown_year_warning(date.year),
    )
