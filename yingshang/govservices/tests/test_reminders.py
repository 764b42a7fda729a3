"""容缺 reminders: N working days before the supply date and on the day, once each however often the job runs."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from yingshang.core.models import Notification, OutboxMessage

from ..models import MaterialReminder
from ..reminders import send_material_reminders
from ..services import (
    MaterialDecision,
    case_accept,
)
from ..services_materials import material_supply
from .conftest import at

pytestmark = pytest.mark.django_db

DUE = date(2026, 11, 6)  # a Friday; two working days before is Wednesday the 4th


@pytest.fixture
def rongque_case(window_clerk, food_licence, enterprise_battery_maker, battery_admin, monday):
    food_licence.committed_limit_days = 10  # room for a supply date on Friday
    food_licence.save()
    site = food_licence.materials.get(name="经营场所使用证明")
    return case_accept(
        by=window_clerk,
        item=food_licence,
        applicant_kind="enterprise",
        enterprise=enterprise_battery_maker,
        applicant_name="周经理",
        checklist={site.key: MaterialDecision("missing")},
        due_date=DUE,
        now=at(monday),
    )


def _reminders_to(user):
    return Notification.objects.filter(recipient=user, title__contains="补齐").count()


def test_nothing_is_sent_before_the_reminder_window(rongque_case, battery_admin):
    run = send_material_reminders(today=date(2026, 11, 3), days_before=2)
    assert run.sent == 0 and _reminders_to(battery_admin) == 0


def test_the_before_and_due_day_reminders_go_out_once_each(rongque_case, battery_admin, window_clerk):
    battery_admin.phone = "13907249999"
    battery_admin.save()
    first = send_material_reminders(today=date(2026, 11, 4), days_before=2)
    again = send_material_reminders(today=date(2026, 11, 4), days_before=2)
    next_day = send_material_reminders(today=date(2026, 11, 5), days_before=2)
    assert (first.sent_before, again.sent, next_day.sent) == (1, 0, 0)

    due = send_material_reminders(today=DUE, days_before=2)
    assert (due.sent_before, due.sent_due) == (0, 1)
    assert send_material_reminders(today=DUE, days_before=2).sent == 0

    assert _reminders_to(battery_admin) == 2
    assert OutboxMessage.objects.filter(to="13907249999", body__contains="经营场所使用证明").count() == 2
    assert Notification.objects.filter(recipient=window_clerk, title__startswith="[提醒申请人]").count() == 2
    assert list(MaterialReminder.objects.values_list("kind", flat=True)) == ["before", "due"]
    assert rongque_case.events.filter(kind="reminder").count() == 2


def test_a_supplied_material_is_not_reminded(rongque_case, battery_admin):
    site = rongque_case.materials.get(name="经营场所使用证明")
    material_supply(material=site, by=battery_admin, file=SimpleUploadedFile("租赁合同.pdf", b"%PDF"))
    assert send_material_reminders(today=DUE).sent == 0


def test_a_missed_due_day_is_caught_up_once_as_overdue(rongque_case, battery_admin):
    run = send_material_reminders(today=date(2026, 11, 9), days_before=2)
    assert (run.sent_before, run.sent_due) == (0, 1)
    assert Notification.objects.filter(recipient=battery_admin, title__contains="已逾期").count() == 1


def test_the_management_command_moves_the_clock_and_reports(rongque_case, battery_admin):
    out = StringIO()
    call_command("govservices_remind", "--today", "2026-11-04", "--days-before", "2", stdout=out)
    call_command("govservices_remind", "--today", "2026-11-04", "--days-before", "2", stdout=StringIO())
    assert "发送到期前提醒 1 条" in out.getvalue()
    assert _reminders_to(battery_admin) == 1
