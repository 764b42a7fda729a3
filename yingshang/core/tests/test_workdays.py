"""Deadlines: Monday–Friday, minus statutory holidays, plus 调休 working days, from the real 2026 arrangement."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingshang.core import services, workdays
from yingshang.core.models import CalendarDay, CalendarSource
from yingshang.core.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

property_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
days_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
working_day_counts = st.integers(min_value=1, max_value=60)


# ---- properties over the seeded calendar ----------------------------------------------------------------------


@property_settings
@given(start=days_2025_2026, n=working_day_counts)
def test_counting_the_working_days_to_a_deadline_gives_back_n(calendar_2026, start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@property_settings
@given(start=days_2025_2026, n=st.integers(min_value=-60, max_value=60))
def test_a_deadline_always_falls_on_a_working_day(calendar_2026, start, n):
    assert is_working_day(add_working_days(start, n))


@property_settings
@given(start=days_2025_2026, n=working_day_counts)
def test_one_more_working_day_is_always_a_later_date(calendar_2026, start, n):
    assert add_working_days(start, n) < add_working_days(start, n + 1)
    assert add_working_days(start, -n - 1) < add_working_days(start, -n)
    # n = 0 is "today if working, else the next working day", which a holiday shares with n = 1.
    assert add_working_days(start, 0) <= add_working_days(start, 1)


@property_settings
@given(start=days_2025_2026, n=working_day_counts)
def test_counting_backwards_mirrors_counting_forwards_from_a_working_day(calendar_2026, start, n):
    start = add_working_days(start, 0)  # the first working day on or after the drawn date
    assert add_working_days(add_working_days(start, n), -n) == start
    assert add_working_days(add_working_days(start, -n), n) == start
    assert working_days_between(add_working_days(start, -n), start) == n
    assert working_days_between(start, add_working_days(start, -n)) == -n


@property_settings
@given(a=days_2025_2026, span=st.integers(min_value=-400, max_value=400))
def test_the_fast_count_agrees_with_walking_day_by_day(calendar_2026, a, span):
    b = a + timedelta(days=span)
    low, high = min(a, b), max(a, b)
    walked = sum(is_working_day(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
    assert working_days_between(a, b) == (walked if b >= a else -walked)


# ---- the 2026 arrangement ---------------------------------------------------------------------------------------


def test_one_working_day_after_30_september_skips_the_national_day_holiday(calendar_2026):
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_saturday_10_october_2026_is_a_make_up_working_day(calendar_2026):
    assert date(2026, 10, 10).weekday() == 5
    assert is_working_day(date(2026, 10, 10))
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_saturday_9_may_2026_is_a_make_up_working_day_after_labour_day(calendar_2026):
    assert is_working_day(date(2026, 5, 9))
    assert add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 6)
    assert add_working_days(date(2026, 5, 8), 1) == date(2026, 5, 9)


def test_a_friday_before_a_plain_weekend_plus_one_is_monday(calendar_2026):
    friday = date(2026, 3, 13)
    assert friday.weekday() == 4
    assert add_working_days(friday, 1) == date(2026, 3, 16)


def test_the_weekday_holidays_of_national_day_are_days_off(calendar_2026):
    assert not any(is_working_day(date(2026, 10, d)) for d in range(1, 8))


def test_zero_working_days_from_a_holiday_is_the_next_working_day(calendar_2026):
    assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 8), 0) == date(2026, 10, 8)


def test_an_unknown_year_falls_back_to_monday_to_friday(db):
    assert add_working_days(date(2031, 1, 31), 1) == date(2031, 2, 3)  # Friday → Monday


# ---- administrators' corrections ----------------------------------------------------------------------------


def test_an_administrators_2027_holiday_changes_deadlines_at_once(calendar_2026, make_user):
    admin = make_user("system_admin")
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)  # computed and cached first

    services.calendar_day_save(day=date(2027, 1, 1), is_working_day=False, name="元旦", by=admin)

    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_removing_an_administrators_holiday_restores_the_weekday_at_once(db, make_user):
    admin = make_user("system_admin")
    row = services.calendar_day_save(day=date(2027, 1, 1), is_working_day=False, name="元旦", by=admin)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)

    services.calendar_day_delete(row=row, by=admin)

    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_a_version_change_from_another_process_is_seen(calendar_2026):
    assert not is_working_day(date(2026, 10, 7))
    # Another process changes the database and bumps the shared version; this process must reload.
    CalendarDay.objects.filter(date=date(2026, 10, 7)).update(is_working_day=True, source=CalendarSource.ADMIN)
    workdays.invalidate()
    assert is_working_day(date(2026, 10, 7))


def test_upcoming_year_warnings_name_each_unknown_year(calendar_2026):
    assert workdays.upcoming_year_warnings(date(2026, 11, 22)) == [
        "2027年节假日安排尚未录入,截止日期将按周一至周五计算"
    ]
    assert workdays.upcoming_year_warnings(date(2025, 6, 1)) == []


def test_day_info_explains_the_day(calendar_2026):
    national_day = workdays.day_info(date(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.is_working_day) == ("holiday", "国庆节", False)
    make_up = workdays.day_info(date(2026, 10, 10))
    assert (make_up.kind, make_up.kind_label, make_up.is_working_day) == ("makeup", "调休上班", True)
    assert workdays.day_info(date(2026, 10, 11)).kind == "weekend"
    assert workdays.day_info(date(2026, 10, 12)).kind == "workday"


# ---- the calendar's range and how it is read -------------------------------------------------------------------


@pytest.mark.parametrize(("start", "n"), [(date.max, 1), (date.max, 0), (date.min, -1), (date(2100, 12, 31), 5)])
def test_a_deadline_outside_the_calendar_is_a_clear_error_not_an_overflow(db, start, n):
    with pytest.raises(workdays.DateOutOfRangeError, match="1949-01-01 至 2100-12-31"):
        add_working_days(start, n)


def test_counting_outside_the_calendar_is_refused(db):
    with pytest.raises(workdays.DateOutOfRangeError):
        working_days_between(date(1, 1, 1), date(9999, 12, 31))


def test_a_long_count_reads_all_its_years_in_one_query(calendar_2026, django_assert_num_queries):
    workdays.invalidate()
    expected = working_days_between(date(2025, 1, 1), date(2026, 12, 31))
    workdays.invalidate()
    with django_assert_num_queries(1):
        assert working_days_between(date(1950, 1, 1), date(2099, 12, 31)) > 0
    with django_assert_num_queries(0):  # every year is cached now
        assert working_days_between(date(2025, 1, 1), date(2026, 12, 31)) == expected


def test_a_long_deadline_reads_its_years_in_one_query(calendar_2026, django_assert_num_queries):
    workdays.invalidate()
    with django_assert_num_queries(1):
        add_working_days(date(2025, 1, 1), 2000)
