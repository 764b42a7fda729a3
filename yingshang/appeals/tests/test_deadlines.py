"""Deadlines in working days across the 2026 National Day 调休 and an approved suspension; the 红黄绿 colour."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings
from freezegun import freeze_time

from yingshang.appeals.models import AppealState, Urgency
from yingshang.appeals.selectors import LedgerFilters, appeal_colour, appeal_ledger
from yingshang.appeals.services import (
    appeal_dispatch,
    appeal_extension_decide,
    appeal_extension_request,
    appeal_reply,
    appeal_resume,
    appeal_sign,
    appeal_suspension_decide,
    appeal_suspension_request,
)
from yingshang.appeals.tests.factories import AppealCategoryFactory, file_appeal, office_user, staff_of
from yingshang.core.errors import ApplicationError
from yingshang.core.workdays import seed_from_package

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar_2026(db):
    seed_from_package([2026])


def test_deadlines_cross_the_national_day_holiday_and_a_suspension(
    calendar_2026, enterprise_battery_maker, department_jingxin
):
    office, staff = office_user(), staff_of(department_jingxin)
    category = AppealCategoryFactory.create(sign_limit_days=1, limit_normal_days=5)
    with freeze_time("2026-09-29 02:00:00"):  # Tuesday before the National Day holiday
        appeal = file_appeal(enterprise=enterprise_battery_maker, category=category, urgency=Urgency.NORMAL)
        appeal = appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office)
    # 9-30 is day 1; 10-1..10-7 are holidays; 10-8, 10-9, Saturday 10-10 (调休上班) and Monday 10-12 follow.
    assert appeal.sign_deadline == date(2026, 9, 30)
    assert appeal.handle_deadline == date(2026, 10, 12)

    with freeze_time("2026-10-08 02:00:00"):
        appeal_sign(appeal=appeal, by=staff)
        suspension = appeal_suspension_request(appeal=appeal, by=staff, reason="等待企业补充环评材料")
        appeal_suspension_decide(suspension=suspension, by=office, approve=True)
        appeal.refresh_from_db()
        assert appeal.state == AppealState.SUSPENDED
        assert appeal.deadline is None
    with freeze_time("2026-10-13 02:00:00"):
        assert appeal_colour(appeal) == "green", "挂起期间不计时,不应变红"
        appeal = appeal_resume(appeal=appeal, by=office)
    # Suspended from 10-8 to 10-13: 10-9, 10-10 (调休), 10-12, 10-13 = 4 working days added to 10-12.
    assert appeal.paused_days == 4
    assert appeal.handle_deadline == date(2026, 10, 16)
    assert appeal.state == AppealState.HANDLING


def test_an_approved_extension_moves_the_deadline_in_working_days(
    calendar_2026, enterprise_battery_maker, department_jingxin
):
    office, staff = office_user(), staff_of(department_jingxin)
    category = AppealCategoryFactory.create(limit_normal_days=5)
    with freeze_time("2026-09-29 02:00:00"):
        appeal = file_appeal(enterprise=enterprise_battery_maker, category=category)
        appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office)
        appeal_sign(appeal=appeal, by=staff)
        extension = appeal_extension_request(appeal=appeal, by=staff, days=3, reason="需现场踏勘")
        with pytest.raises(ApplicationError, match="已有待审批"):
            appeal_extension_request(appeal=appeal, by=staff, days=2, reason="再延")
        appeal_extension_decide(extension=extension, by=office, approve=True)
    appeal.refresh_from_db()
    assert appeal.handle_deadline == date(2026, 10, 15)
    assert appeal.deadline == date(2026, 10, 15)
    assert appeal.extended_days == 3


def test_colour_turns_yellow_one_working_day_before_and_red_after_the_deadline(
    calendar_2026, enterprise_battery_maker, department_jingxin
):
    office, staff = office_user(), staff_of(department_jingxin)
    category = AppealCategoryFactory.create(limit_normal_days=5)
    with freeze_time("2026-11-02 02:00:00"):
        appeal = file_appeal(enterprise=enterprise_battery_maker, category=category)
        appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office)
        appeal = appeal_sign(appeal=appeal, by=staff)
    assert appeal.deadline == date(2026, 11, 9)  # Monday
    assert appeal_colour(appeal, date(2026, 11, 5)) == "green"  # Thursday: Friday and Monday left
    assert appeal_colour(appeal, date(2026, 11, 6)) == "yellow"  # Friday: one working day left
    assert appeal_colour(appeal, date(2026, 11, 8)) == "yellow"  # Sunday: still one
    assert appeal_colour(appeal, date(2026, 11, 9)) == "yellow"  # the deadline day
    assert appeal_colour(appeal, date(2026, 11, 10)) == "red"
    red = appeal_ledger(user=office, filters=LedgerFilters(colour="red"), day=date(2026, 11, 10))
    assert list(red) == [appeal]
    assert not appeal_ledger(user=office, filters=LedgerFilters(colour="green"), day=date(2026, 11, 10)).exists()
    with freeze_time("2026-11-10 02:00:00"):
        appeal_reply(appeal=appeal, by=staff, content="已办结")
    appeal.refresh_from_db()
    assert appeal.finished_late
    assert appeal_colour(appeal, date(2026, 12, 1)) == "red", "超期答复的诉求保持红色"


@override_settings(APPEALS_YELLOW_WORKING_DAYS=3)
def test_the_yellow_threshold_is_configurable(calendar_2026, enterprise_battery_maker, department_jingxin):
    office, staff = office_user(), staff_of(department_jingxin)
    category = AppealCategoryFactory.create(limit_normal_days=5)
    with freeze_time("2026-11-02 02:00:00"):
        appeal = file_appeal(enterprise=enterprise_battery_maker, category=category)
        appeal_dispatch(appeal=appeal, lead=department_jingxin, by=office)
        appeal = appeal_sign(appeal=appeal, by=staff)
    assert appeal.yellow_from == date(2026, 11, 4)  # three working days left: Thursday, Friday, Monday
    assert appeal_colour(appeal, date(2026, 11, 3)) == "green"
    assert appeal_colour(appeal, date(2026, 11, 4)) == "yellow"
