"""Working-day calendar: Monday–Friday, minus statutory holidays, plus 调休 make-up working days.

The exceptions live in `CalendarDay` (seeded from chinese-calendar, editable by administrators for years the package
does not know yet). Every deadline in the platform is computed here.

Definitions (also in docs/statistics.md):
- `add_working_days(start, n)`: the date of the n-th working day after `start` (start itself is not counted);
  n = 0 returns `start` when it is a working day, otherwise the next working day. Negative n counts backwards.
- `working_days_between(a, b)`: the number of working days d with a < d <= b (negative when b < a). So
  `working_days_between(a, add_working_days(a, n)) == n` for n >= 1.

A `CalendarDay` whose value equals the Monday–Friday rule is an administrator's "按常规" override: it exists only to
stop a re-seed from bringing back a package holiday that the administrator removed (see `services.calendar_day_delete`).

Range: the calendar answers for dates from 1949-01-01 to 2100-12-31 (`MIN_DATE`..`MAX_DATE`); a count or deadline
outside it raises `DateOutOfRangeError`, so a request for year 9999 is refused instead of walking for seconds.

Caching: each process keeps the exceptions of each year in a small LRU keyed by (year, version); the version lives in
the shared cache and is replaced by a random value on every change, so other processes reload on their next call.
The version is random rather than a counter or a timestamp so that a cache flush or two changes in the same
millisecond can never make a process resurrect an old LRU entry. Years missing from the LRU are loaded together,
in one query for the whole range a calculation needs.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.core.cache import cache
from django.utils import timezone

from .errors import ApplicationError
from .models import CalendarDay, CalendarSource, CalendarYear

MIN_DATE = date(1949, 1, 1)
MAX_DATE = date(2100, 12, 31)
RANGE_MESSAGE = f"日期须在 {MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()} 之间"


class DateOutOfRangeError(ApplicationError):
    """A date, or a deadline computed from one, outside the range the calendar answers for."""


_VERSION_KEY = "workdays:version"
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, secrets.randbits(62), None)
        version = cache.get(_VERSION_KEY)
    return int(version)


class _YearCache:
    """(year, version) → that year's exceptions, least recently used dropped first; thread-safe for threaded servers."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[int, int], dict[date, bool]] = OrderedDict()
        self._lock = threading.Lock()

    def get_years(self, first: int, last: int, version: int) -> dict[int, dict[date, bool]]:
        """Every year from `first` to `last`; the missing ones from one query."""
        years = range(first, last + 1)
        with self._lock:
            found = {y: self._entries[(y, version)] for y in years if (y, version) in self._entries}
            for year in found:
                self._entries.move_to_end((year, version))
        missing = [y for y in years if y not in found]
        if missing:
            loaded: dict[int, dict[date, bool]] = {y: {} for y in missing}
            rows = CalendarDay.objects.filter(
                date__gte=date(missing[0], 1, 1), date__lte=date(missing[-1], 12, 31)
            ).values_list("date", "is_working_day")
            for day, working in rows:
                if day.year in loaded:
                    loaded[day.year][day] = working
            with self._lock:
                for year, entries in loaded.items():
                    self._entries[(year, version)] = entries
                    self._entries.move_to_end((year, version))
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
            found.update(loaded)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_years = _YearCache()


def invalidate() -> None:
    """Called whenever a CalendarDay changes, in any process sharing the cache."""
    cache.set(_VERSION_KEY, secrets.randbits(62), None)
    _years.clear()


def check_in_range(*days: date) -> None:
    for day in days:
        if not MIN_DATE <= day <= MAX_DATE:
            raise DateOutOfRangeError(RANGE_MESSAGE)


def _as_date(value: date | datetime) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def is_weekday(day: date) -> bool:
    return day.weekday() < 5


class _Snapshot:
    """One consistent view of the calendar for the duration of a calculation (one cache read, not one per day)."""

    def __init__(self) -> None:
        self.version = _version()
        self._years: dict[int, dict[date, bool]] = {}

    def load(self, first: int, last: int) -> None:
        """Make the years first..last available with at most one query."""
        wanted = [y for y in range(first, last + 1) if y not in self._years]
        if wanted:
            self._years.update(_years.get_years(wanted[0], wanted[-1], self.version))

    def exceptions(self, year: int) -> dict[date, bool]:
        if year not in self._years:
            self.load(year, year)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        override = self.exceptions(day.year).get(day)
        return is_weekday(day) if override is None else override


def is_working_day(day: date | datetime) -> bool:
    return _Snapshot().is_working_day(_as_date(day))


# Fewer than 250 working days fit in any year, so n working days never span more than n // 200 + 1 further years.
_MIN_WORKING_DAYS_PER_YEAR = 200


def add_working_days(start: date | datetime, n: int) -> date:
    """The n-th working day after `start`; DateOutOfRangeError when `start` or the result is outside the calendar."""
    calendar = _Snapshot()
    day = _as_date(start)
    check_in_range(day)
    span = abs(n) // _MIN_WORKING_DAYS_PER_YEAR + 1
    first, last = (day.year, day.year + span) if n >= 0 else (day.year - span, day.year)
    calendar.load(max(first, MIN_DATE.year), min(last, MAX_DATE.year))
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    # Stopping at the calendar's bounds also keeps the walk short and far from date.max/date.min (OverflowError).
    if n == 0:
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
            check_in_range(day)
    while remaining:
        day += step
        check_in_range(day)
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def _weekdays_through(day: date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday, ordinal 1) through `day` inclusive."""
    ordinal = day.toordinal()
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    """Arithmetic on weekdays, corrected by the exceptions in range: constant work per year, not per day."""
    start, end = _as_date(a), _as_date(b)
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    check_in_range(start, end)
    count = _weekdays_through(end) - _weekdays_through(start)
    calendar = _Snapshot()
    calendar.load(start.year, end.year)
    for year in range(start.year, end.year + 1):
        for day, working in calendar.exceptions(year).items():
            if start < day <= end:
                count += int(working) - int(is_weekday(day))
    return sign * count


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_working_day: bool
    kind: str  # "workday" | "weekend" | "holiday" (a weekday off) | "makeup" (调休上班 on a weekend)
    kind_label: str
    name: str
    year_known: bool


def day_kind(*, weekday: bool, working: bool) -> str:
    if working == weekday:
        return "workday" if weekday else "weekend"
    return "makeup" if working else "holiday"


_KIND_LABELS = {"workday": "工作日", "weekend": "周末", "holiday": "节假日(休息)", "makeup": "调休上班"}


def classify(day: date, entry: CalendarDay | None) -> tuple[bool, str, str]:
    """(is working day, kind, holiday name) of `day` given its CalendarDay exception, if any."""
    weekday = is_weekday(day)
    working = weekday if entry is None else entry.is_working_day
    kind = day_kind(weekday=weekday, working=working)
    name = entry.name if entry is not None and working != weekday else ""
    return working, kind, name


def day_info(day: date) -> DayInfo:
    working, kind, name = classify(day, CalendarDay.objects.filter(date=day).first())
    return DayInfo(day, working, kind, _KIND_LABELS[kind], name, is_year_known(day.year))


def is_year_known(year: int) -> bool:
    return CalendarYear.objects.filter(year=year, confirmed=True).exists()


def unknown_year_warning(year: int) -> str:
    return f"{year}年节假日安排尚未录入,截止日期将按周一至周五计算"


def upcoming_year_warnings(today: date | None = None) -> list[str]:
    """Warnings for the current and the next year when the calendar does not know their holidays yet."""
    current = (today or timezone.localdate()).year
    known = set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
    return [unknown_year_warning(year) for year in (current, current + 1) if year not in known]


# ---- chinese-calendar package data ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def package_years() -> tuple[int, ...]:
    """Years for which chinese-calendar lists both holidays and make-up working days."""
    import chinese_calendar

    constants = chinese_calendar.constants
    return tuple(sorted({d.year for d in constants.holidays} & {d.year for d in constants.workdays}))


def package_exceptions(year: int) -> dict[date, tuple[bool, str]]:
    """The package's exceptions to the Monday–Friday rule for `year`: weekday holidays and weekend working days."""
    import chinese_calendar

    constants = chinese_calendar.constants
    if year not in package_years():
        return {}
    entries: dict[date, tuple[bool, str]] = {}
    for day, name in constants.holidays.items():
        if day.year == year and is_weekday(day):
            entries[day] = (False, _holiday_label(name))
    for day, name in constants.workdays.items():
        if day.year == year and not is_weekday(day):
            entries[day] = (True, f"{_holiday_label(name)}调休上班")
    return entries


def package_exception(day: date) -> tuple[bool, str] | None:
    return package_exceptions(day.year).get(day)


def seed_from_package(years: list[int] | None = None, *, overwrite_admin: bool = False) -> dict[int, int]:
    """Store chinese-calendar's holidays and make-up working days for the years it knows. Idempotent.

    Returns, per seeded year, how many rows were created, changed or removed (0 on a re-run). Administrator entries
    win unless `overwrite_admin` is set: a correction made by hand must survive a re-seed. Package rows the package no
    longer lists (a corrected release) are removed.
    """
    wanted = [y for y in package_years() if years is None or y in years]
    result: dict[int, int] = {}
    for year in wanted:
        entries = package_exceptions(year)
        existing = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
        changed = 0
        for day, (working, label) in sorted(entries.items()):
            row = existing.get(day)
            if row is None:
                CalendarDay.objects.create(date=day, is_working_day=working, name=label, source=CalendarSource.PACKAGE)
                changed += 1
                continue
            if row.source == CalendarSource.ADMIN and not overwrite_admin:
                continue
            if (row.is_working_day, row.name, row.source) != (working, label, CalendarSource.PACKAGE):
                row.is_working_day, row.name, row.source = working, label, CalendarSource.PACKAGE
                row.save(update_fields=["is_working_day", "name", "source", "updated_at"])
                changed += 1
        for day, row in existing.items():
            if row.source == CalendarSource.PACKAGE and day not in entries:
                row.delete()
                changed += 1
        CalendarYear.objects.get_or_create(year=year, defaults={"source": CalendarSource.PACKAGE})
        result[year] = changed
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
