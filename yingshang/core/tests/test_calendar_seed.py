"""`calendar_seed`: the package's holidays go in once; administrators' corrections survive every re-run."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yingshang.core import services, workdays
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog, CalendarDay, CalendarSource, CalendarYear

pytestmark = pytest.mark.django_db


def seed(*years: int) -> str:
    out = StringIO()
    call_command("calendar_seed", *[arg for y in years for arg in ("--year", str(y))], stdout=out)
    return out.getvalue()


def test_seeding_stores_weekday_holidays_and_weekend_working_days_only():
    seed(2026)
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.is_working_day, national_day.name, national_day.source) == (
        False,
        "国庆节",
        CalendarSource.PACKAGE,
    )
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).name == "国庆节调休上班"
    assert not CalendarDay.objects.filter(date=date(2026, 10, 3)).exists()  # a Saturday holiday changes nothing
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.PACKAGE


def test_seeding_twice_changes_nothing_the_second_time():
    first = seed(2026)
    rows = list(CalendarDay.objects.values_list("date", "is_working_day", "name", "source", "updated_at"))

    second = seed(2026)

    assert "2026年:变更 25 条例外日" in first
    assert "2026年:变更 0 条例外日" in second
    assert list(CalendarDay.objects.values_list("date", "is_working_day", "name", "source", "updated_at")) == rows


def test_a_reseed_keeps_an_administrators_renamed_holiday(make_user):
    seed(2026)
    admin = make_user("system_admin")
    row = CalendarDay.objects.get(date=date(2026, 10, 7))
    services.calendar_day_save(day=row.date, is_working_day=False, name="国庆节(区里另行通知)", by=admin, instance=row)

    seed(2026)

    row.refresh_from_db()
    assert (row.name, row.source) == ("国庆节(区里另行通知)", CalendarSource.ADMIN)


def test_a_reseed_does_not_bring_back_a_holiday_the_administrator_removed(make_user):
    seed(2026)
    admin = make_user("system_admin")
    services.calendar_day_delete(row=CalendarDay.objects.get(date=date(2026, 10, 7)), by=admin)
    assert workdays.is_working_day(date(2026, 10, 7))

    seed(2026)

    assert workdays.is_working_day(date(2026, 10, 7))
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 7)


def test_a_reseed_drops_package_rows_the_package_no_longer_lists():
    seed(2026)
    CalendarDay.objects.create(
        date=date(2026, 3, 10), is_working_day=False, name="旧数据", source=CalendarSource.PACKAGE
    )
    CalendarDay.objects.create(
        date=date(2026, 3, 11), is_working_day=False, name="区级活动", source=CalendarSource.ADMIN
    )

    seed(2026)

    assert not CalendarDay.objects.filter(date=date(2026, 3, 10)).exists()
    assert CalendarDay.objects.filter(date=date(2026, 3, 11), source=CalendarSource.ADMIN).exists()


def test_an_administrators_year_mark_is_not_overwritten(make_user):
    services.calendar_year_set_complete(year=2026, complete=True, by=make_user("system_admin"))
    seed(2026)
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.ADMIN


def test_asking_for_a_year_the_package_does_not_know_explains_what_to_do():
    with pytest.raises(CommandError, match="请在“工作日历”页面手工录入"):
        seed(2099)


def test_seeding_warns_about_an_unknown_upcoming_year():
    out = seed(2026)
    for warning in workdays.upcoming_year_warnings():
        assert warning in out


def test_seeding_writes_no_audit_rows():
    seed(2026)
    assert not AuditLog.objects.filter(action=Action.CALENDAR_CHANGED).exists()
