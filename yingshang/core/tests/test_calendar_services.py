"""Exception days kept by the system administrator: validated, audited with before/after."""

from __future__ import annotations

from datetime import date

import pytest

from yingshang.accounts.roles import Role
from yingshang.core import services, workdays
from yingshang.core.audit import Action
from yingshang.core.errors import ApplicationError
from yingshang.core.models import AuditLog, CalendarDay, CalendarSource, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def system_admin(make_user):
    return make_user(Role.SYSTEM_ADMIN, username="xitong")


def test_marking_a_weekday_as_working_day_is_refused_as_a_no_op(system_admin):
    with pytest.raises(ApplicationError, match="本来就是工作日,无需设为上班"):
        services.calendar_day_save(day=date(2027, 3, 10), is_working_day=True, name="", by=system_admin)
    assert not CalendarDay.objects.exists()


def test_marking_a_saturday_as_holiday_is_refused_as_a_no_op(system_admin):
    with pytest.raises(ApplicationError, match=r"2027年3月13日\(星期六\)本来就是休息日"):
        services.calendar_day_save(day=date(2027, 3, 13), is_working_day=False, name="", by=system_admin)


def test_a_date_with_an_exception_cannot_be_added_twice(system_admin):
    services.calendar_day_save(day=date(2027, 1, 1), is_working_day=False, name="元旦", by=system_admin)
    with pytest.raises(ApplicationError, match="已有例外安排"):
        services.calendar_day_save(day=date(2027, 1, 1), is_working_day=False, name="元旦", by=system_admin)


def test_adding_a_holiday_is_audited_with_before_and_after(system_admin):
    row = services.calendar_day_save(day=date(2027, 1, 1), is_working_day=False, name="元旦", by=system_admin)
    entry = AuditLog.objects.get(action=Action.CALENDAR_CHANGED)
    assert entry.username == "xitong"
    assert (entry.object_type, entry.object_id) == ("core.calendarday", str(row.pk))
    assert entry.detail["before"] is None
    assert entry.detail["after"] == {
        "date": "2027-01-01",
        "is_working_day": False,
        "name": "元旦",
        "source": CalendarSource.ADMIN,
    }


def test_editing_a_package_day_makes_it_the_administrators(calendar_2026, system_admin):
    row = CalendarDay.objects.get(date=date(2026, 10, 10))
    services.calendar_day_save(day=row.date, is_working_day=True, name="国庆调休上班", by=system_admin, instance=row)
    row.refresh_from_db()
    assert (row.name, row.source) == ("国庆调休上班", CalendarSource.ADMIN)
    detail = AuditLog.objects.get(action=Action.CALENDAR_CHANGED).detail
    assert detail["before"]["source"] == CalendarSource.PACKAGE
    assert detail["after"]["name"] == "国庆调休上班"


def test_editing_a_holiday_into_a_working_weekday_points_to_delete(calendar_2026, system_admin):
    row = CalendarDay.objects.get(date=date(2026, 10, 7))
    with pytest.raises(ApplicationError, match="请删除此例外日"):
        services.calendar_day_save(day=row.date, is_working_day=True, name="", by=system_admin, instance=row)


def test_deleting_an_administrators_own_day_removes_it(system_admin):
    row = services.calendar_day_save(day=date(2027, 1, 1), is_working_day=False, name="元旦", by=system_admin)
    assert services.calendar_day_delete(row=row, by=system_admin) is None
    assert not CalendarDay.objects.exists()
    entry = AuditLog.objects.filter(action=Action.CALENDAR_CHANGED).order_by("-seq")[0]
    assert entry.detail["operation"] == "delete"
    assert entry.detail["after"] is None


def test_deleting_a_package_holiday_leaves_a_regular_override_then_restoring_brings_it_back(
    calendar_2026, system_admin
):
    row = CalendarDay.objects.get(date=date(2026, 10, 7))
    remaining = services.calendar_day_delete(row=row, by=system_admin)
    assert remaining is not None and services.is_regular_override(remaining)
    assert workdays.is_working_day(date(2026, 10, 7))

    restored = services.calendar_day_delete(row=remaining, by=system_admin)

    assert restored is not None
    assert (restored.is_working_day, restored.name, restored.source) == (False, "国庆节", CalendarSource.PACKAGE)
    assert not workdays.is_working_day(date(2026, 10, 7))


def test_a_removed_package_holiday_can_be_added_again(calendar_2026, system_admin):
    services.calendar_day_delete(row=CalendarDay.objects.get(date=date(2026, 10, 7)), by=system_admin)
    services.calendar_day_save(day=date(2026, 10, 7), is_working_day=False, name="国庆节", by=system_admin)
    assert not workdays.is_working_day(date(2026, 10, 7))


def test_marking_a_year_complete_records_an_administrators_year(system_admin):
    services.calendar_year_set_complete(year=2027, complete=True, by=system_admin)
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.ADMIN
    assert workdays.upcoming_year_warnings(date(2026, 12, 1)) == ["2026年节假日安排尚未录入,截止日期将按周一至周五计算"]
    assert AuditLog.objects.get(action=Action.CALENDAR_CHANGED).detail["operation"] == "year_complete"


def test_a_package_year_cannot_be_reopened(calendar_2026, system_admin):
    with pytest.raises(ApplicationError, match="不能撤销"):
        services.calendar_year_set_complete(year=2026, complete=False, by=system_admin)
