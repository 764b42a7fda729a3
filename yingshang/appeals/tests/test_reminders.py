"""Automatic 催办 of overdue 督办 (once a day) and the red/yellow digest to departments."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from yingshang.appeals.models import SupervisionLevel
from yingshang.appeals.services import appeal_dispatch, appeal_sign, appeal_supervise
from yingshang.appeals.tests.factories import AppealCategoryFactory, file_appeal, office_user, staff_of
from yingshang.core.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def test_overdue_supervision_is_reminded_once_a_day_and_departments_get_a_digest(
    enterprise_battery_maker, department_jingxin
):
    office, staff = office_user(), staff_of(department_jingxin)
    category = AppealCategoryFactory.create(limit_normal_days=5)
    with freeze_time("2026-11-02 02:00:00"):
        appeal = file_appeal(enterprise=enterprise_battery_maker, category=category)
        appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office)
        appeal_sign(appeal=appeal, by=staff)
        supervision = appeal_supervise(
            appeal=appeal, by=office, level=SupervisionLevel.OFFICE, opinion="尽快办结", deadline=date(2026, 11, 4)
        )
    with freeze_time("2026-11-10 01:00:00"):
        call_command("appeals_remind")
        call_command("appeals_remind")  # cron ran twice: still one reminder today
    supervision.refresh_from_db()
    assert supervision.reminders_sent == 1
    assert OutboxMessage.objects.filter(recipient_user=staff, body__contains="督办已超期").count() == 1
    assert Notification.objects.filter(recipient=staff, title__contains="超期 1 件").exists()
    with freeze_time("2026-11-11 01:00:00"):
        call_command("appeals_remind")
    supervision.refresh_from_db()
    assert supervision.reminders_sent == 2
