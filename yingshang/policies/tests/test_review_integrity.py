"""What a demanding reviewer checks: one decision per application even when two reviewers click at once, the fund
pool never overspent, materials only through the permission-checked view, audit rows for money decisions, and list
pages whose query count does not grow with their rows."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import DepartmentFactory
from yingshang.core.audit import Action
from yingshang.core.errors import ApplicationError
from yingshang.core.models import AuditLog, Notification
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.applications import (
    application_announce,
    application_disburse,
    application_review,
    application_submit,
)
from yingshang.policies.grants import grant_confirm
from yingshang.policies.matching import match_run_execute, notify_new_matches
from yingshang.policies.models import Application, ApplicationStatus, Grant, GrantStatus, MatchResult, RecordEvent
from yingshang.policies.services import match_run_create

from .factories import policy_published

PDF = b"%PDF-1.4\n1 0 obj\n"


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def staff(make_user):
    return make_user(Role.DEPARTMENT_STAFF)


def _applicant(make_user):
    return make_user(Role.ENTERPRISE, enterprise=EnterpriseFactory.create(employees=300, annual_revenue=1000))


def _submit(policy, applicant):
    return application_submit(policy=policy, enterprise=applicant.enterprise, by=applicant, files={0: pdf()})


# ---- races ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_reviewer_with_a_stale_page_cannot_decide_again(staff, make_user, department_jingxin):
    policy = policy_published(by=staff, department=department_jingxin)[0]
    application = _submit(policy, _applicant(make_user))
    colleague = make_user(Role.DEPARTMENT_STAFF, department=department_jingxin)
    stale = Application.objects.get(pk=application.pk)  # the colleague opened the page before the approval

    application_review(application=application, by=staff, decision="approve")
    with pytest.raises(ApplicationError, match="当前状态为「审核通过」"):
        application_review(application=stale, by=colleague, decision="reject", reason="材料不全")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_by == staff
    assert (
        AuditLog.objects.filter(
            action=Action.APPROVAL, object_type="policies.application", object_id=str(application.pk)
        ).count()
        == 1
    )
    assert RecordEvent.objects.filter(application=application, kind__in=["approve", "reject"]).count() == 1


def _race(*calls: Any) -> list[BaseException | None]:
    """Run the calls at the same moment, each in its own thread (and database connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            calls[i]()
        except BaseException as exc:  # collected for the assertions below
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; the row locks matter on PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_the_same_moment_give_one_decision(staff, make_user, department_jingxin):
    policy = policy_published(by=staff, department=department_jingxin)[0]
    application = _submit(policy, _applicant(make_user))
    colleague = make_user(Role.DEPARTMENT_STAFF, department=department_jingxin)
    copies = [Application.objects.get(pk=application.pk) for _ in range(2)]

    outcomes = _race(
        lambda: application_review(application=copies[0], by=staff, decision="approve"),
        lambda: application_review(application=copies[1], by=colleague, decision="reject", reason="不符合"),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["ApplicationError", "NoneType"]
    assert RecordEvent.objects.filter(application=application, kind__in=["approve", "reject"]).count() == 1
    assert (
        AuditLog.objects.filter(
            action=Action.APPROVAL, object_type="policies.application", object_id=str(application.pk)
        ).count()
        == 1
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_cannot_overspend_the_pool(staff, department_jingxin):
    EnterpriseFactory.create(employees=300, annual_revenue=1000)
    EnterpriseFactory.create(employees=300, annual_revenue=1000)
    policy = policy_published(by=staff, department=department_jingxin, auto_grant=True, pool_budget_fen=10_000_000)[0]
    first, second = Grant.objects.filter(policy=policy).order_by("pk")

    outcomes = _race(
        lambda: grant_confirm(grant=first, by=staff, amount_fen=8_000_000),
        lambda: grant_confirm(grant=second, by=staff, amount_fen=8_000_000),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["ApplicationError", "NoneType"]
    assert Grant.objects.filter(policy=policy, status=GrantStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_the_pool_refuses_a_confirmation_beyond_what_is_left(staff, department_jingxin):
    EnterpriseFactory.create(employees=300, annual_revenue=1000)
    EnterpriseFactory.create(employees=300, annual_revenue=1000)
    policy = policy_published(by=staff, department=department_jingxin, auto_grant=True, pool_budget_fen=10_000_000)[0]
    first, second = Grant.objects.filter(policy=policy).order_by("pk")
    grant_confirm(grant=first, by=staff, amount_fen=8_000_000)
    with pytest.raises(ApplicationError, match="超出该政策本年度资金池剩余额度"):
        grant_confirm(grant=second, by=staff, amount_fen=2_000_001)
    assert grant_confirm(grant=second, by=staff, amount_fen=2_000_000).amount_fen == 2_000_000


@pytest.mark.django_db
def test_notifying_twice_tells_each_enterprise_once(staff, department_jingxin, make_user):
    applicant = _applicant(make_user)
    _policy, version = policy_published(by=staff, department=department_jingxin)
    assert Notification.objects.filter(recipient=applicant, category="policy_match").count() == 1

    MatchResult.objects.filter(version=version).update(notified_at=None)  # as if a second worker read them first
    assert notify_new_matches(version=version) == 1
    assert notify_new_matches(version=version) == 0
    assert Notification.objects.filter(recipient=applicant, category="policy_match").count() == 2


# ---- materials and audit ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_materials_are_served_only_through_the_checked_view(staff, make_user, department_jingxin, client_as, settings):
    policy = policy_published(by=staff, department=department_jingxin)[0]
    applicant = _applicant(make_user)
    application = _submit(policy, applicant)
    material = application.files.get()
    url = reverse("policies:material", args=[material.pk])

    page = client_as(applicant).get(reverse("policies:application_detail", args=[application.pk])).content.decode()
    assert url in page
    assert material.file.name not in page and settings.MEDIA_URL + "policy_materials" not in page

    stranger = make_user(Role.ENTERPRISE, enterprise=EnterpriseFactory.create())
    other_department = make_user(Role.DEPARTMENT_STAFF, department=DepartmentFactory.create())
    assert client_as(stranger).get(url).status_code == 404
    assert client_as(other_department).get(url).status_code == 404
    assert not AuditLog.objects.filter(action=Action.PERSONAL_DATA_VIEWED).exists()

    response = client_as(staff).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    viewed = AuditLog.objects.get(action=Action.PERSONAL_DATA_VIEWED)
    assert viewed.object_id == str(application.pk) and viewed.detail["material"] == "营业执照.pdf"


@pytest.mark.django_db
def test_approval_and_disbursement_leave_audit_rows_with_the_amount(staff, make_user, department_jingxin):
    policy = policy_published(by=staff, department=department_jingxin)[0]
    application = _submit(policy, _applicant(make_user))
    application_review(application=application, by=staff, decision="approve", approved_fen=12_345_678)
    application_disburse(application=application, by=staff, paid_on=timezone.localdate(), voucher="PZ-9")
    rows = AuditLog.objects.filter(
        object_type="policies.application",
        object_id=str(application.pk),
        action__in=[Action.APPROVAL, Action.STATE_CHANGE],
    )
    assert [(r.action, r.detail.get("approved_fen"), r.detail.get("to")) for r in rows.order_by("id")] == [
        (Action.APPROVAL, 12_345_678, None),
        (Action.STATE_CHANGE, None, "disbursed"),
    ]


# ---- list pages: query count independent of the number of rows --------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_applications(policy: Any, make_user: Any, n: int) -> None:
    for _ in range(n):
        application = _submit(policy, _applicant(make_user))
        application_review(application=application, by=policy.created_by, decision="approve")
        application_disburse(application=application, by=policy.created_by, paid_on=timezone.localdate(), voucher="V")
        application_announce(application=application, by=policy.created_by)


@pytest.mark.django_db
def test_list_pages_do_not_query_per_row(staff, make_user, department_jingxin, client_as):
    applicant = _applicant(make_user)
    policy = policy_published(by=staff, department=department_jingxin)[0]
    auto = policy_published(by=staff, department=department_jingxin, title="免申即享奖励", auto_grant=True)[0]
    assert Grant.objects.filter(policy=auto).count() == 1  # every page has rows before the count is taken
    _submit(policy, applicant)
    _add_applications(policy, make_user, 2)
    pages = [
        (client_as(staff), reverse("policies:review_list") + "?status=announced"),
        (client_as(staff), reverse("policies:grant_list")),
        (client_as(staff), reverse("policies:list")),
        (client_as(applicant), reverse("policies:my_applications")),
        (client_as(staff), reverse("policies:announcements")),
    ]
    before = [_queries(c, u) for c, u in pages]

    _add_applications(policy, make_user, 3)
    for n in range(3):
        policy_published(by=staff, department=department_jingxin, title=f"更多政策{n}")
    match_run_execute(run=match_run_create(policy=auto, by=staff))  # the new enterprises get grants too
    assert Grant.objects.filter(policy=auto).count() == 6
    assert [_queries(c, u) for c, u in pages] == before


@pytest.mark.django_db
def test_a_bad_second_file_leaves_no_application_and_no_stored_file(staff, make_user, department_jingxin, settings):
    materials = [
        {"name": "申请表", "description": "", "original_required": False},
        {"name": "发票", "description": "", "original_required": False},
    ]
    policy = policy_published(by=staff, department=department_jingxin, materials=materials)[0]
    applicant = _applicant(make_user)
    folder = settings.MEDIA_ROOT / "policy_materials"
    stored = sorted(folder.rglob("*"))  # this test process's media folder
    fake = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(ApplicationError, match=r"发票\.pdf"):
        application_submit(policy=policy, enterprise=applicant.enterprise, by=applicant, files={0: pdf(), 1: fake})
    assert not Application.objects.exists()
    assert sorted(folder.rglob("*")) == stored
