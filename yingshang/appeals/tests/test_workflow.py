"""The closed loop through the services: dispatch, sign, reply, review, 回访; the state and role rules around it."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.appeals.models import (
    AppealEvent,
    AppealState,
    Assignment,
    AssignmentState,
    Rating,
    Resolution,
    SupervisionLevel,
)
from yingshang.appeals.selectors import appeal_colour, appeal_timeline
from yingshang.appeals.services import (
    appeal_dispatch,
    appeal_exclude,
    appeal_follow_up,
    appeal_merge,
    appeal_reply,
    appeal_return,
    appeal_review,
    appeal_sign,
    appeal_supervise,
    supervision_remind,
    supervision_reply,
)
from yingshang.appeals.tests.factories import enterprise_user, file_appeal, office_user, staff_of
from yingshang.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from yingshang.core.models import Notification, OutboxMessage
from yingshang.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(enterprise_battery_maker, department_jingxin):
    filer = enterprise_user(enterprise_battery_maker)
    with freeze_time("2026-11-02 02:00:00"):  # Monday 10:00 in 东宝区
        appeal = file_appeal(enterprise=enterprise_battery_maker, by=filer)
    return {
        "appeal": appeal,
        "filer": filer,
        "office": office_user(),
        "staff": staff_of(department_jingxin),
        "department": department_jingxin,
    }


def test_the_whole_loop_closes_with_a_satisfied_rating(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    assert appeal.number.startswith("SQ2026-")
    with freeze_time("2026-11-02 03:00:00"):
        appeal = appeal_dispatch(appeal=appeal, lead=loop["department"], by=office, version=appeal.version)
        assert appeal.state == AppealState.DISPATCHED
        assert appeal.sign_deadline == date(2026, 11, 3)
        assert appeal.handle_deadline == date(2026, 11, 9)  # 5 working days
    with freeze_time("2026-11-03 01:00:00"):
        appeal = appeal_sign(appeal=appeal, by=staff)
        assert appeal.state == AppealState.HANDLING
        assert appeal.deadline == date(2026, 11, 9)
        appeal_reply(appeal=appeal, by=staff, content="已协调供电公司,11月6日完成增容。")
        appeal.refresh_from_db()
        assert appeal.state == AppealState.REPLIED
        assert not appeal.finished_late
        appeal = appeal_review(appeal=appeal, by=office, approve=True)
        assert appeal.state == AppealState.REVIEWED
        appeal_follow_up(
            appeal=appeal, by=office, reached=True, resolution=Resolution.SOLVED, rating=Rating.VERY_SATISFIED
        )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED
    assert appeal.working_days_to_close == 1
    assert appeal.last_rating == 5
    assert appeal_colour(appeal) == "green"
    assert Notification.objects.filter(recipient=loop["filer"], title__contains="已有答复").exists()
    assert OutboxMessage.objects.filter(recipient_user=staff).exists(), "部门应收到分派短信"


def test_an_unsolved_follow_up_reopens_the_appeal_with_a_new_deadline(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    with freeze_time("2026-11-02 03:00:00"):
        appeal_dispatch(appeal=appeal, lead=loop["department"], by=office)
        appeal_sign(appeal=appeal, by=staff)
        appeal_reply(appeal=appeal, by=staff, content="已答复")
        appeal_review(appeal=appeal, by=office, approve=True)
    with freeze_time("2026-11-04 03:00:00"):
        appeal_follow_up(
            appeal=appeal, by=office, reached=True, resolution=Resolution.UNSOLVED, rating=Rating.SATISFIED
        )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.HANDLING
    assert appeal.reopen_count == 1
    assert appeal.handle_deadline == date(2026, 11, 11)


def test_the_enterprise_rates_its_own_appeal_and_a_dissatisfied_rating_reopens_it(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    appeal_dispatch(appeal=appeal, lead=loop["department"], by=office)
    appeal_sign(appeal=appeal, by=staff)
    appeal_reply(appeal=appeal, by=staff, content="已答复")
    appeal_review(appeal=appeal, by=office, approve=True)
    other_enterprise = enterprise_user(EnterpriseFactory.create())
    with pytest.raises(PermissionDeniedError, match="本企业"):
        appeal_follow_up(appeal=appeal, by=other_enterprise, resolution=Resolution.SOLVED, rating=Rating.SATISFIED)
    appeal_follow_up(appeal=appeal, by=loop["filer"], resolution=Resolution.PARTLY, rating=Rating.DISSATISFIED)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.HANDLING


def test_a_stale_version_gets_a_conflict_and_nothing_is_lost(loop):
    appeal, office = loop["appeal"], loop["office"]
    seen_by_both = appeal.version
    appeal_dispatch(appeal=appeal, lead=loop["department"], by=office, version=seen_by_both)
    other = DepartmentFactory.create(name="区行政审批局")
    with pytest.raises(ConflictError, match="已被他人更新"):
        appeal_dispatch(appeal=appeal, lead=other, by=office_user(), version=seen_by_both)
    appeal.refresh_from_db()
    assert appeal.lead_department == loop["department"]
    assert Assignment.objects.filter(appeal=appeal).count() == 1


def test_transitions_check_state_and_role(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    with pytest.raises(ApplicationError, match="只有「待审核」"):
        appeal_review(appeal=appeal, by=office, approve=True)
    with pytest.raises(PermissionDeniedError, match="营商办"):
        appeal_dispatch(appeal=appeal, lead=loop["department"], by=staff)
    appeal_dispatch(appeal=appeal, lead=loop["department"], by=office)
    outsider = staff_of(DepartmentFactory.create())
    with pytest.raises(PermissionDeniedError, match="未分派给本部门"):
        appeal_sign(appeal=appeal, by=outsider)
    with pytest.raises(ApplicationError, match="退回重办须填写审核意见"):
        appeal_review(appeal=appeal, by=office, approve=False)


def test_a_returned_appeal_goes_back_to_the_office_for_redispatch(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    appeal_dispatch(appeal=appeal, lead=loop["department"], by=office)
    appeal = appeal_return(appeal=appeal, by=staff, reason="不属于本局职责,建议分派供电公司")
    assert appeal.state == AppealState.SUBMITTED
    assert appeal.return_count == 1
    assert Assignment.objects.get(appeal=appeal).state == AssignmentState.RETURNED
    appeal = appeal_dispatch(appeal=appeal, lead=DepartmentFactory.create(), by=office)
    assert appeal.state == AppealState.DISPATCHED


def test_the_enterprise_timeline_hides_internal_events(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    appeal_dispatch(appeal=appeal, lead=loop["department"], by=office)
    appeal_return(appeal=appeal, by=staff, reason="内部原因:人手不足")
    staff_titles = [e.title for e in appeal_timeline(appeal, user=office)]
    enterprise_titles = [e.title for e in appeal_timeline(appeal, user=loop["filer"])]
    assert any("退单" in t for t in staff_titles)
    assert not any("退单" in t for t in enterprise_titles)
    assert any("提交诉求" in t for t in enterprise_titles)


def test_events_are_append_only(loop):
    event = AppealEvent.objects.filter(appeal=loop["appeal"]).first()
    assert event is not None
    event.title = "篡改"
    with pytest.raises(ApplicationError, match="只能追加"):
        event.save()
    with pytest.raises(ApplicationError, match="不能删除"):
        event.delete()


def test_supervision_reminders_and_written_reply(loop):
    appeal, office, staff = loop["appeal"], loop["office"], loop["staff"]
    with freeze_time("2026-11-02 03:00:00"):
        appeal_dispatch(appeal=appeal, lead=loop["department"], by=office)
        supervision = appeal_supervise(
            appeal=appeal,
            by=office,
            level=SupervisionLevel.LEADER,
            opinion="区长批示:务必本周解决",
            deadline=date(2026, 11, 6),
        )
        supervision_remind(supervision=supervision, by=office)
        supervision = supervision_remind(supervision=supervision, by=office)
    assert supervision.reminders_sent == 2
    assert OutboxMessage.objects.filter(recipient_user=staff, body__contains="催办").count() == 2
    supervision = supervision_reply(supervision=supervision, by=staff, reply="已召开专题会,周五前完成")
    assert supervision.is_answered
    with pytest.raises(ApplicationError, match="无需催办"):
        supervision_remind(supervision=supervision, by=office)


def test_merging_a_duplicate_and_excluding_an_appeal(loop):
    appeal, office = loop["appeal"], loop["office"]
    duplicate = file_appeal(enterprise=appeal.enterprise, category=appeal.category)
    duplicate = appeal_merge(appeal=duplicate, into=appeal, by=office, reason="同一事项")
    assert duplicate.state == AppealState.MERGED
    assert duplicate.merged_into == appeal
    with pytest.raises(ApplicationError, match="核减须填写理由"):
        appeal_exclude(appeal=appeal, by=office, reason="")
    appeal = appeal_exclude(appeal=appeal, by=office, reason="诉求超出政策范围,属不合理诉求")
    assert appeal.excluded and "不合理" in appeal.exclusion_reason
