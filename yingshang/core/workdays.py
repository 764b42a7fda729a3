"""Working-day calendar: Monday–Friday, minus statutory holidays, plus 调休 make-up working days.

The exceptions live in `CalendarDay` (seeded from chinese-calendar, editable by administrators for years the package
does not know yet). Every deadline in the platform is computed here.

Definitions (also in docs/statistics.md):
- `add_working_days(start, n)`: the date of the n-th working day after `start` (start itself is not counted);
  n = 0 returns `start` when it is a working day, otherwise the next working day. Negative n counts backwards.
- `working_days_between(a, b)`: the number of working days d with a < d <= b (negative when b < a). So
  `working_days_between(a, add_working_days(a, n)) == n` for n >= 1.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from django.core.cache import cache
from django.utils import timezone

from .models import CalendarDay, CalendarYear

_VERSION_KEY = "workdays:version"


def _version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = int(timezone.now().timestamp() * 1000)
        cache.set(_VERSION_KEY, version, None)
    return int(version)


def invalidate() -> None:
    """Called whenever a CalendarDay changes, in any process sharing the cache."""
    cache.set(_VERSION_KEY, int(timezone.now().timestamp() * 1000), None)
    _load_year.cache_clear()


@lru_cache(maxsize=64)
def _load_year(year: int, version: int) -> dict[date, bool]:
    return dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day"))


def _exceptions(year: int) -> dict[date, bool]:
    return _load_year(year, _version())


def is_working_day(day: date) -> bool:
    override = _exceptions(day.year).get(day)
    if override is not None:
        return override
    return day.weekday() < 5


def known_years() -> set[int]:
    return set(CalendarYear.objects.values_list("year", flat=True))


def add_working_days(start: date | datetime, n: int) -> date:
    day = timezone.localdate(start) if isinstance(start, datetime) else start
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    start = timezone.localdate(a) if isinstance(a, datetime) else a
    end = timezone.localdate(b) if isinstance(b, datetime) else b
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return sign * count


def seed_from_package(years: list[int] | None = None, *, overwrite_admin: bool = False) -> dict[int, int]:
    """Store chinese-calendar's holidays and make-up working days for the years it knows. Idempotent.

    Administrator entries win unless `overwrite_admin` is set: a correction made by hand must survive a re-seed.
    """
    import chinese_calendar

    from .models import CalendarSource

    supported = sorted(
        {d.year for d in chinese_calendar.constants.holidays} & {d.year for d in chinese_calendar.constants.workdays}
    )
    wanted = [y for y in supported if years is None or y in years]
    result: dict[int, int] = {}
    for year in wanted:
        entries: dict[date, tuple[bool, str]] = {}
        for day, name in chinese_calendar.constants.holidays.items():
            if day.year == year and day.weekday() < 5:
                entries[day] = (False, _holiday_label(name))
        for day, name in chinese_calendar.constants.workdays.items():
            if day.year == year and day.weekday() >= 5:
                entries[day] = (True, f"{_holiday_label(name)}调休上班")
        admin_days = set(
            CalendarDay.objects.filter(date__year=year, source=CalendarSource.ADMIN).values_list("date", flat=True)
        )
        written = 0
        for day, (working, label) in sorted(entries.items()):
            if day in admin_days and not overwrite_admin:
                continue
            CalendarDay.objects.update_or_create(
                date=day,
                defaults={"is_working_day": working, "name": label, "source": CalendarSource.PACKAGE},
            )
            written += 1
        CalendarYear.objects.get_or_create(year=year, defaults={"source": CalendarSource.PACKAGE})
        result[year] = written
    invalidate()
    return result


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_label(name: object) -> str:
    text = str(getattr(name, "value", name))
    if "," in text:
        text = text.split(",")[0]
    return _HOLIDAY_NAMES.get(text, text)
