"""The statistics page against figures worked out by hand from a small November."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.core.models import AuditLog
from yingshang.enterprises.tests.factories import EnterpriseFactory

from ..models import AgencyRequest, AgencyState, Rectification
from ..services import (
    MaterialDecision,
    case_accept,
    case_accept_submitted,
    case_issue,
    case_submit_online,
    task_decide,
)
from ..services_feedback import case_rate, rectification_answer
from ..services_materials import material_supply
from .conftest import at
from .factories import ServiceItemFactory

pytestmark = pytest.mark.django_db


def _d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def november(window_clerk, market_officer, food_licence, approval_bureau, enterprise_battery_maker, battery_admin):
    """Six cases, four ratings and five agency requests; the expected figures are in the test below."""
    fire = ServiceItemFactory.create(
        name="消防安全检查", department=approval_bureau, committed_limit_days=5, legal_limit_days=10
    )
    ent = enterprise_battery_maker

    def accept(item, day, missing=(), due=None):
        keys = {m.name: m.key for m in item.materials.all()}
        return case_accept(
            by=window_clerk,
            item=item,
            applicant_kind="enterprise",
            enterprise=ent,
            applicant_name="周经理",
            checklist={keys[n]: MaterialDecision("missing") for n in missing},
            due_date=due,
            now=at(day),
        )

    def finish(case, day, officer):
        case = task_decide(task=case.tasks.get(), by=officer, decision="approve", now=at(day, 9))
        return case_issue(case=case, by=window_clerk, pickup_method="window", now=at(day, 11))

    def supply(case, day):
        for material in case.materials.filter(status="missing"):
            material_supply(
                material=material, by=battery_admin, file=SimpleUploadedFile("补正.pdf", b"%PDF"), now=at(day, 8)
            )

    c1 = finish(accept(food_licence, _d(11, 2)), _d(11, 4), market_officer)  # deadline 11-05: on time
    case_rate(case=c1, by=battery_admin, score=5, now=at(_d(11, 4), 12))

    c2 = case_submit_online(by=battery_admin, item=food_licence, applicant_name="周经理", now=at(_d(11, 3), 8))
    c2 = case_accept_submitted(case=c2, by=window_clerk, now=at(_d(11, 3)))
    c2 = finish(c2, _d(11, 10), market_officer)  # deadline 11-06: late
    case_rate(case=c2, by=battery_admin, score=2, comment="等了很久", now=at(_d(11, 10), 12))
    rectification_answer(
        rectification=Rectification.objects.get(),
        by=market_officer,
        answer="已优化审查流程,增加审查人员",
        now=at(_d(11, 12)),
    )

    c3 = accept(food_licence, _d(11, 3), missing=["经营场所使用证明"], due=_d(11, 5))
    supply(c3, _d(11, 4))  # in time
    finish(c3, _d(11, 5), market_officer)  # deadline 11-06: on time

    c4 = accept(fire, _d(11, 4), missing=["场所使用证明"], due=_d(11, 6))
    supply(c4, _d(11, 9))  # after its due date
    c4 = finish(c4, _d(11, 9), window_clerk)  # deadline 11-11: on time
    case_rate(case=c4, by=battery_admin, score=4, now=at(_d(11, 9), 12))

    c5 = finish(accept(fire, _d(10, 30)), _d(11, 2), window_clerk)  # accepted in October, finished in November
    case_rate(case=c5, by=battery_admin, score=3, now=at(_d(11, 2), 12))

    accept(fire, _d(11, 20))  # still running

    other = EnterpriseFactory.create()
    for enterprise, day, state in [
        (ent, _d(11, 3), AgencyState.DONE),
        (ent, _d(11, 17), AgencyState.ASSIGNED),
        (other, _d(11, 18), AgencyState.REQUESTED),
        (other, _d(11, 19), AgencyState.CANCELLED),
        (other, _d(10, 28), AgencyState.DONE),
    ]:
        AgencyRequest.objects.create(
            enterprise=enterprise,
            subject="项目审批代办",
            contact_name="周",
            contact_phone="13900000000",
            requested_by=battery_admin,
            requested_at=at(day),
            state=state,
        )


def _text(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}">') + len(f'data-testid="{testid}">')
    return page[start : page.index("<", start)].strip()


def test_the_page_shows_the_figures_worked_out_by_hand(november, client_as):
    client = client_as(Role.LEADER)
    page = client.get(reverse("govservices:stats"), {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    # 办件量: cases accepted in November = c1, c2, c3, c4, c6.
    assert _text(page, "stat-accepted") == "5"
    # 网上办件率: 1 of the 5 (c2) was filed online.
    assert _text(page, "stat-online-rate") == "20.0%"
    # 限时办结率: finished in November = c1..c5; c2 was late → 4/5.
    assert _text(page, "stat-on-time-rate") == "80.0%"
    # 主动评价率: 4 of the 5 finished were rated (not c3).
    assert _text(page, "stat-rating-rate") == "80.0%"
    # 满意率: scores 5, 2, 4, 3 → two of four are 满意 or better.
    assert _text(page, "stat-satisfaction-rate") == "50.0%"
    # 差评整改率: the one 差评 (c2) was answered.
    assert _text(page, "stat-rectification-rate") == "100.0%"
    # 容缺受理: c3 and c4; only c3's material came by its due date.
    assert (_text(page, "stat-rongque"), _text(page, "stat-rongque-in-time")) == ("2", "1")
    # 帮办代办: 3 requests in November (the cancelled and the October one excluded) from 2 enterprises.
    assert _text(page, "stat-agency-text") == "为2家企业提供3次帮代办服务"


def test_per_department_figures_and_the_export(november, client_as):
    client = client_as(Role.COORDINATOR)
    response = client.get(reverse("govservices:stats_export"), {"start": "2026-11-01", "end": "2026-11-30"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    by_label = {r[0]: r for r in rows[1:]}
    market = by_label["部门:区市场监督管理局"]
    # accepted c1, c2, c3 (one online); finished the same three, c2 late.
    assert market[1:7] == (3, 1, 33.33, 3, 2, 66.67)
    approval = by_label["部门:区行政审批局"]
    # accepted c4, c6; finished c4, c5, both on time.
    assert approval[1:7] == (2, 0, 0.0, 2, 2, 100.0)
    assert by_label["合计"][1] == 5
    assert AuditLog.objects.filter(action="export", detail__event="service_stats_export").exists()


def test_enterprises_and_window_staff_do_not_see_the_statistics(client_as, window_clerk):
    from django.test import Client

    from conftest import login

    assert client_as(Role.ENTERPRISE).get(reverse("govservices:stats")).status_code == 403
    assert login(Client(), window_clerk).get(reverse("govservices:stats")).status_code == 403
