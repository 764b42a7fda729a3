"""一窗受理 cases: acceptance with 容缺 and 告知承诺, the back office, issuance, pickup, and who sees what."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login
from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.models import AuditLog, Notification
from yingshang.core.workdays import add_working_days
from yingshang.enterprises.tests.factories import EnterpriseFactory

from ..models import CaseEvent, CaseState, CommitmentBreach, MaterialStatus, PickupMethod
from ..services import (
    MaterialDecision,
    case_accept,
    case_collect,
    case_correction_done,
    case_issue,
    task_decide,
)
from ..services_materials import commitment_verify, material_supply
from .conftest import at

pytestmark = pytest.mark.django_db


def _accept(clerk, item, enterprise, *, missing=(), committed=(), due=None, now=None):
    keys = {m.name: m.key for m in item.materials.all()}
    checklist = {keys[n]: MaterialDecision(MaterialStatus.MISSING) for n in missing}
    checklist |= {keys[n]: MaterialDecision(MaterialStatus.COMMITTED) for n in committed}
    return case_accept(
        by=clerk,
        item=item,
        applicant_kind="enterprise",
        enterprise=enterprise,
        applicant_name="周经理",
        applicant_phone="13907241234",
        checklist=checklist,
        due_date=due,
        now=now,
    )


def test_the_window_accepts_a_case_with_a_missing_material_and_tells_the_applicant(
    window_clerk, food_licence, enterprise_battery_maker, battery_admin, monday
):
    due = date(2026, 11, 4)
    case = _accept(
        window_clerk, food_licence, enterprise_battery_maker, missing=["经营场所使用证明"], due=due, now=at(monday)
    )

    assert case.state == CaseState.ACCEPTED
    assert case.number == f"FW20261102{case.pk:06d}"
    assert case.deadline == add_working_days(monday, 3) == date(2026, 11, 5)
    assert case.is_rongque
    site = case.materials.get(name="经营场所使用证明")
    assert (site.status, site.due_date) == (MaterialStatus.MISSING, due)
    inbox = Notification.objects.get(recipient=battery_admin)
    assert "经营场所使用证明" in inbox.body and "2026-11-04" in inbox.body
    assert AuditLog.objects.filter(object_id=str(case.pk), action="record_created").exists()


def test_a_material_outside_the_rongque_list_cannot_be_left_missing(
    window_clerk, food_licence, enterprise_battery_maker
):
    with pytest.raises(ApplicationError, match="不在容缺受理范围"):
        _accept(
            window_clerk, food_licence, enterprise_battery_maker, missing=["法定代表人身份证"], due=date(2026, 11, 4)
        )


def test_a_missing_material_needs_a_due_date_before_the_committed_deadline(
    window_clerk, food_licence, enterprise_battery_maker, monday
):
    with pytest.raises(ApplicationError, match="补齐材料的期限"):
        _accept(window_clerk, food_licence, enterprise_battery_maker, missing=["经营场所使用证明"], now=at(monday))
    with pytest.raises(ApplicationError, match="不能晚于承诺办结日期"):
        _accept(
            window_clerk,
            food_licence,
            enterprise_battery_maker,
            missing=["经营场所使用证明"],
            due=date(2026, 11, 20),
            now=at(monday),
        )
    assert not food_licence.cases.exists(), "a refused acceptance leaves no half-written case"


def test_only_window_staff_accept_cases(market_officer, food_licence, enterprise_battery_maker):
    with pytest.raises(PermissionDeniedError):
        _accept(market_officer, food_licence, enterprise_battery_maker)


def test_a_case_cannot_be_issued_while_a_missing_material_is_outstanding(
    window_clerk, market_officer, food_licence, enterprise_battery_maker, battery_admin, monday
):
    case = _accept(
        window_clerk,
        food_licence,
        enterprise_battery_maker,
        missing=["经营场所使用证明"],
        due=date(2026, 11, 4),
        now=at(monday),
    )
    case = task_decide(task=case.tasks.get(), by=market_officer, decision="approve", now=at(monday, 15))
    assert case.state == CaseState.APPROVED

    with pytest.raises(ApplicationError, match="容缺材料尚未补齐"):
        case_issue(case=case, by=window_clerk, pickup_method=PickupMethod.WINDOW)

    site = case.materials.get(name="经营场所使用证明")
    with pytest.raises(ApplicationError, match="请上传"):
        material_supply(material=site, by=battery_admin)
    material_supply(
        material=site, by=battery_admin, file=SimpleUploadedFile("租赁合同.pdf", b"%PDF-1.4"), now=at(date(2026, 11, 3))
    )
    case = case_issue(
        case=case, by=window_clerk, pickup_method=PickupMethod.LOCKER, locker_number="A07", now=at(date(2026, 11, 4))
    )
    assert (case.state, case.locker_number, case.on_time) == (CaseState.ISSUED, "A07", True)
    case = case_collect(case=case, by=battery_admin, now=at(date(2026, 11, 4), 20))
    assert case.state == CaseState.COLLECTED and case.collected_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["accepted", "rongque", "task_approve", "supplied", "rongque_done", "issued", "collected"]


def test_other_business_of_the_same_enterprise_is_never_blocked(
    window_clerk, market_officer, food_licence, enterprise_battery_maker, monday
):
    _accept(
        window_clerk,
        food_licence,
        enterprise_battery_maker,
        missing=["经营场所使用证明"],
        due=date(2026, 11, 4),
        now=at(monday),
    )
    second = _accept(window_clerk, food_licence, enterprise_battery_maker, now=at(monday))
    second = task_decide(task=second.tasks.get(), by=market_officer, decision="approve", now=at(monday, 16))
    second = case_issue(case=second, by=window_clerk, pickup_method=PickupMethod.WINDOW, now=at(monday, 17))
    assert second.state == CaseState.ISSUED


def test_rejection_needs_reasons_and_correction_sends_the_case_back(
    window_clerk, market_officer, food_licence, enterprise_battery_maker, battery_admin
):
    case = _accept(window_clerk, food_licence, enterprise_battery_maker)
    task = case.tasks.get()
    with pytest.raises(ApplicationError, match="须填写理由"):
        task_decide(task=task, by=market_officer, decision="reject")
    case = task_decide(task=task, by=market_officer, decision="correction", reason="平面图未标注面积")
    assert case.state == CaseState.CORRECTION
    case = case_correction_done(case=case, by=battery_admin, note="已补充标注面积的平面图")
    assert case.state == CaseState.ACCEPTED
    case = task_decide(task=task, by=market_officer, decision="reject", reason="经营场所位于居民楼内")
    assert case.state == CaseState.REJECTED and case.finished_at is not None
    assert case.rejection_reason == "经营场所位于居民楼内"


def test_only_the_responsible_department_decides(window_clerk, food_licence, enterprise_battery_maker, make_user):
    case = _accept(window_clerk, food_licence, enterprise_battery_maker)
    other = make_user(Role.DEPARTMENT_STAFF)
    with pytest.raises(PermissionDeniedError):
        task_decide(task=case.tasks.get(), by=other, decision="approve")


def test_a_false_commitment_is_recorded_against_the_enterprise(
    window_clerk, market_officer, food_licence, enterprise_battery_maker, make_user
):
    coordinator = make_user(Role.COORDINATOR)
    case = _accept(window_clerk, food_licence, enterprise_battery_maker, committed=["从业人员健康证明"])
    proof = case.materials.get(name="从业人员健康证明")
    assert proof.status == MaterialStatus.COMMITTED and "真实" in proof.commitment_text

    commitment_verify(material=proof, by=market_officer, truthful=False, note="抽查发现2名从业人员无健康证")

    breach = CommitmentBreach.objects.get()
    assert (breach.enterprise, breach.case) == (enterprise_battery_maker, case)
    assert Notification.objects.filter(recipient=coordinator, title__contains="告知承诺不实").exists()
    with pytest.raises(ApplicationError, match="已核查"):
        commitment_verify(material=proof, by=market_officer, truthful=True, note="再次核查")


def test_a_bundle_case_needs_every_department_and_asks_shared_materials_once(
    window_clerk, market_officer, food_licence, approval_bureau, enterprise_battery_maker, make_user
):
    from .factories import ServiceItemFactory, make_bundle

    fire = ServiceItemFactory.create(
        name="公众聚集场所投入使用前消防安全检查",
        department=approval_bureau,
        committed_limit_days=5,
        materials=[("营业执照", {}), ("消防安全制度", {})],
    )
    bundle = make_bundle([food_licence, fire], lead_department=approval_bureau)
    case = case_accept(
        by=window_clerk,
        bundle=bundle,
        applicant_kind="enterprise",
        enterprise=enterprise_battery_maker,
        applicant_name="周经理",
    )
    names = list(case.materials.values_list("name", flat=True))
    assert names.count("营业执照(副本)复印件") == 1 and "营业执照" not in names
    assert case.committed_limit_days == 5
    case = task_decide(task=case.tasks.get(item=food_licence), by=market_officer, decision="approve")
    assert case.state == CaseState.ACCEPTED, "still waiting for the fire check"
    case = task_decide(task=case.tasks.get(item=fire), by=window_clerk, decision="approve")
    assert case.state == CaseState.APPROVED


def test_the_timeline_is_append_only(window_clerk, food_licence, enterprise_battery_maker):
    case = _accept(window_clerk, food_licence, enterprise_battery_maker)
    event = CaseEvent.objects.filter(case=case).first()
    assert event is not None
    event.summary = "篡改"
    with pytest.raises(RuntimeError):
        event.save()


def test_an_enterprise_sees_only_its_own_cases(
    window_clerk, food_licence, enterprise_battery_maker, battery_admin, client_as
):
    own = _accept(window_clerk, food_licence, enterprise_battery_maker)
    stranger = EnterpriseFactory.create(name="东宝别家餐饮有限公司")
    theirs = _accept(window_clerk, food_licence, stranger)
    client = login(Client(), battery_admin)

    page = client.get(reverse("govservices:case_list")).content.decode()
    assert own.number in page and theirs.number not in page
    assert client.get(reverse("govservices:case_detail", args=[theirs.pk])).status_code == 404
    assert client.get(f"/api/v1/services/cases/{theirs.pk}").status_code == 404
    assert client.get(f"/api/v1/services/cases/{own.pk}").json()["number"] == own.number
    assert [c["number"] for c in client.get("/api/v1/services/cases").json()["items"]] == [own.number]


def test_the_case_page_masks_the_applicants_phone_for_staff(window_clerk, food_licence, enterprise_battery_maker):
    case = _accept(window_clerk, food_licence, enterprise_battery_maker)
    page = login(Client(), window_clerk).get(reverse("govservices:case_detail", args=[case.pk])).content.decode()
    assert "13907241234" not in page and "139****1234" in page


def test_a_non_window_department_cannot_open_the_acceptance_page(market_officer):
    assert login(Client(), market_officer).get(reverse("govservices:case_new")).status_code == 403


def test_an_online_filing_is_pre_checked_and_accepted_by_the_window(
    window_clerk, food_licence, enterprise_battery_maker, battery_admin
):
    applicant = login(Client(), battery_admin)
    response = applicant.post(
        reverse("govservices:case_apply") + f"?item={food_licence.pk}",
        {"applicant_name": "周经理", "applicant_phone": "13907241234"},
    )
    case = enterprise_battery_maker.service_cases.get()
    assert response.status_code == 302 and case.state == CaseState.SUBMITTED and case.number is None

    clerk = login(Client(), window_clerk)
    page = clerk.get(reverse("govservices:case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="accept-online"' in page
    materials = list(case.materials.all())
    ticks = {f"m{i}": ("missing" if m.may_be_missing else "provided") for i, m in enumerate(materials)}
    due = add_working_days(timezone.localdate(), 1).isoformat()
    clerk.post(reverse("govservices:case_accept_online", args=[case.pk]), {**ticks, "due_date": due})
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.channel == "online" and case.is_rongque
    assert case.number and case.materials.get(name="经营场所使用证明").status == MaterialStatus.MISSING


def test_a_back_office_officer_cannot_issue_or_take_in_materials(
    window_clerk, market_officer, food_licence, enterprise_battery_maker
):
    case = _accept(window_clerk, food_licence, enterprise_battery_maker)
    officer = login(Client(), market_officer)
    assert (
        officer.post(reverse("govservices:case_issue", args=[case.pk]), {"pickup_method": "window"}).status_code == 403
    )
    material = case.materials.first()
    assert material is not None
    assert officer.post(reverse("govservices:material_supply", args=[case.pk, material.pk])).status_code == 403
