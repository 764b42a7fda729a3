"""/system/calendar/: the system administrator's page; no other role may open it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core import workdays
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog, CalendarDay, CalendarSource, CalendarYear

pytestmark = pytest.mark.django_db

URL = "/system/calendar/"


@pytest.fixture
def admin_client(client_as):
    return client_as(Role.SYSTEM_ADMIN)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SECURITY_ADMIN, Role.COORDINATOR, Role.ENTERPRISE])
def test_only_the_system_administrator_may_open_the_calendar(client_as, role):
    assert client_as(role).get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_year_grid_marks_holidays_and_make_up_working_days(admin_client, calendar_2026):
    html = admin_client.get(URL, {"year": 2026}).content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday"' in html
    assert 'data-date="2026-10-10" data-kind="makeup"' in html
    assert 'data-date="2026-10-11" data-kind="weekend"' in html
    assert 'data-date="2026-10-12" data-kind="workday"' in html
    assert "国庆节调休上班" in html
    assert "节假日安排已录入完整" in html


def test_the_page_warns_when_the_next_year_is_unknown(admin_client, calendar_2026):
    next_year = timezone.localdate().year + 1
    html = admin_client.get(URL).content.decode()
    assert f"{next_year}年节假日安排尚未录入,截止日期将按周一至周五计算" in html


def test_an_unknown_selected_year_offers_to_mark_it_complete(admin_client):
    html = admin_client.get(URL, {"year": 2027}).content.decode()
    assert "2027年节假日安排尚未录入" in html
    assert "标记2027年已录入完整" in html


def test_adding_a_2027_holiday_changes_deadlines_and_is_audited(admin_client):
    response = admin_client.post("/system/calendar/days/new/", {"day": "2027-01-01", "kind": "rest", "name": "元旦"})
    assert response.status_code == 302
    assert response["Location"] == "/system/calendar/?year=2027"
    row = CalendarDay.objects.get(date=date(2027, 1, 1))
    assert (row.is_working_day, row.name, row.source) == (False, "元旦", CalendarSource.ADMIN)
    assert workdays.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert AuditLog.objects.filter(action=Action.CALENDAR_CHANGED, username=admin_client.user.username).count() == 1


def test_a_no_op_exception_is_refused_with_a_chinese_message(admin_client):
    response = admin_client.post("/system/calendar/days/new/", {"day": "2027-03-10", "kind": "work", "name": ""})
    assert response.status_code == 200
    assert "2027年3月10日(星期三)本来就是工作日,无需设为上班" in response.content.decode()
    assert not CalendarDay.objects.exists()
    assert not AuditLog.objects.filter(action=Action.CALENDAR_CHANGED).exists()


def test_a_click_on_a_saturday_proposes_a_working_day(admin_client):
    html = admin_client.get("/system/calendar/days/new/", {"date": "2027-09-25"}).content.decode()
    assert 'value="2027-09-25"' in html
    assert re.search(r'<input[^>]*value="work"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="rest"[^>]*checked', html)


def test_editing_an_exception_changes_its_description(admin_client, calendar_2026):
    row = CalendarDay.objects.get(date=date(2026, 10, 10))
    response = admin_client.post(f"/system/calendar/days/{row.pk}/edit/", {"kind": "work", "name": "国庆调休(周六)"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.name, row.source) == ("国庆调休(周六)", CalendarSource.ADMIN)


def test_the_date_of_an_exception_cannot_be_changed_by_editing(admin_client, calendar_2026):
    row = CalendarDay.objects.get(date=date(2026, 10, 10))
    admin_client.post(f"/system/calendar/days/{row.pk}/edit/", {"day": "2026-10-17", "kind": "work", "name": "x"})
    row.refresh_from_db()
    assert row.date == date(2026, 10, 10)
    assert not CalendarDay.objects.filter(date=date(2026, 10, 17)).exists()


def test_deleting_an_exception(admin_client):
    admin_client.post("/system/calendar/days/new/", {"day": "2027-01-01", "kind": "rest", "name": "元旦"})
    row = CalendarDay.objects.get(date=date(2027, 1, 1))
    assert admin_client.get(f"/system/calendar/days/{row.pk}/delete/").status_code == 405
    response = admin_client.post(f"/system/calendar/days/{row.pk}/delete/")
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert workdays.is_working_day(date(2027, 1, 1))


def test_marking_a_year_complete(admin_client):
    response = admin_client.post("/system/calendar/years/2027/", {"complete": "1"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.ADMIN
    assert "2027年节假日安排尚未录入" not in admin_client.get(URL, {"year": 2027}).content.decode()


def test_a_nonsense_year_falls_back_to_this_year(admin_client):
    response = admin_client.get(URL, {"year": "abc"})
    assert response.status_code == 200
    assert f"<strong>{timezone.localdate().year}年</strong>" in response.content.decode()


def test_the_calendar_form_accepts_only_the_years_the_calendar_answers_for():
    from yingshang.core.forms import CalendarDayForm
    from yingshang.core.workdays import RANGE_MESSAGE

    form = CalendarDayForm({"day": "1948-10-01", "kind": "rest", "name": "国庆"})
    assert not form.is_valid()
    assert form.errors["day"] == [RANGE_MESSAGE]
    assert CalendarDayForm({"day": "2049-10-01", "kind": "rest", "name": "国庆"}).is_valid()
