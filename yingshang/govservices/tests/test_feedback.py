"""好差评 with 差评整改, and 帮办代办 from request to the agent's last step."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from conftest import login
from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.models import Notification

from ..models import AgencyState, Rectification
from ..services import case_accept, case_issue, task_decide
from ..services_feedback import (
    agency_assign,
    agency_finish,
    agency_log_step,
    agency_request_create,
    case_rate,
    rectification_answer,
)
from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_case(window_clerk, market_officer, food_licence, enterprise_battery_maker, monday):
    case = case_accept(
        by=window_clerk,
        item=food_licence,
        applicant_kind="enterprise",
        enterprise=enterprise_battery_maker,
        applicant_name="周经理",
        now=at(monday),
    )
    task_decide(task=case.tasks.get(), by=market_officer, decision="approve", now=at(monday, 14))
    return case_issue(case=case, by=window_clerk, pickup_method="window", now=at(monday, 15))


def test_a_running_case_cannot_be_rated(window_clerk, food_licence, enterprise_battery_maker, battery_admin):
    case = case_accept(
        by=window_clerk,
        item=food_licence,
        applicant_kind="enterprise",
        enterprise=enterprise_battery_maker,
        applicant_name="周",
    )
    with pytest.raises(ApplicationError, match="办结后"):
        case_rate(case=case, by=battery_admin, score=5)


def test_a_poor_rating_opens_a_rectification_due_in_15_working_days(
    finished_case, battery_admin, market_officer, make_user, monday
):
    coordinator = make_user(Role.COORDINATOR)
    rating = case_rate(case=finished_case, by=battery_admin, score=1, comment="窗口告知不清", now=at(monday, 16))
    rectification = Rectification.objects.get(rating=rating)
    assert rectification.department == market_officer.department
    assert rectification.due_date == date(2026, 11, 23)  # 15 working days after Monday 2 November
    assert Notification.objects.filter(recipient=coordinator, title__startswith="差评待整改").exists()
    with pytest.raises(ApplicationError, match="已评价"):
        case_rate(case=finished_case, by=battery_admin, score=5)

    office_page = login(Client(), coordinator).get(reverse("govservices:rectification_list")).content.decode()
    assert finished_case.number in office_page and "待答复" in office_page

    rectification_answer(rectification=rectification, by=market_officer, answer="已完善一次性告知单并回访企业")
    rectification.refresh_from_db()
    assert rectification.answered_at is not None


def test_a_good_rating_opens_nothing_and_strangers_cannot_rate(finished_case, battery_admin, make_user):
    from yingshang.enterprises.tests.factories import EnterpriseFactory

    stranger = make_user(Role.ENTERPRISE, enterprise=EnterpriseFactory.create())
    with pytest.raises(PermissionDeniedError):
        case_rate(case=finished_case, by=stranger, score=5)
    case_rate(case=finished_case, by=battery_admin, score=5)
    assert not Rectification.objects.exists()


def test_only_the_rated_department_answers_a_rectification(finished_case, battery_admin, window_clerk):
    rating = case_rate(case=finished_case, by=battery_admin, score=2)
    with pytest.raises(PermissionDeniedError):
        rectification_answer(rectification=rating.rectification, by=window_clerk, answer="不是我们部门的事项")


def test_the_rating_page_flow(finished_case, battery_admin):
    client = login(Client(), battery_admin)
    page = client.get(reverse("govservices:case_detail", args=[finished_case.pk])).content.decode()
    assert 'data-testid="rate-section"' in page
    client.post(reverse("govservices:case_rate", args=[finished_case.pk]), {"score": "4", "comment": "办事很快"})
    page = client.get(reverse("govservices:case_detail", args=[finished_case.pk])).content.decode()
    assert 'data-testid="rate-section"' not in page and "满意" in page


def test_agency_from_request_to_done(battery_admin, make_user):
    coordinator = make_user(Role.COORDINATOR)
    agent = make_user(Role.LIAISON, full_name="韩专员")
    request = agency_request_create(
        by=battery_admin,
        subject="施工许可代办",
        project_name="二期厂房",
        contact_name="周经理",
        contact_phone="13907241234",
    )
    assert Notification.objects.filter(recipient=coordinator, title__contains="帮办代办申请").exists()
    with pytest.raises(PermissionDeniedError):
        agency_log_step(request=request, by=agent, note="还没分派就记录")
    with pytest.raises(ApplicationError, match="代办员"):
        agency_assign(request=request, by=coordinator, agent=make_user(Role.LEADER))
    agency_assign(request=request, by=coordinator, agent=agent)
    agency_log_step(request=request, by=agent, note="陪同企业到窗口递交施工许可材料")
    request = agency_finish(request=request, by=agent, result="施工许可证已核发")
    assert request.state == AgencyState.DONE
    assert [s.note[:4] for s in request.steps.all()] == ["营商办分", "陪同企业", "代办办结"]

    agent_page = login(Client(), agent).get(reverse("govservices:agency_detail", args=[request.pk])).content.decode()
    assert "陪同企业到窗口递交施工许可材料" in agent_page
    other_agent = make_user(Role.LIAISON)
    assert login(Client(), other_agent).get(reverse("govservices:agency_detail", args=[request.pk])).status_code == 404


def test_the_window_records_a_rating_from_its_rating_pad(finished_case, window_clerk):
    rating = case_rate(case=finished_case, by=window_clerk, score=5)
    assert rating.channel == "pad"
