"""Applications: materials checked by type and content, review (approve / reject / return with a reason),
supplements, disbursement and 公示; enterprises see only their own applications."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.policies.applications import (
    application_announce,
    application_disburse,
    application_review,
    application_submit,
    application_supplement,
)
from yingshang.policies.models import ApplicationStatus, Disbursement

from .factories import policy_published

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n"


def pdf(name: str = "申请表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def staff(make_user):
    return make_user(Role.DEPARTMENT_STAFF)


@pytest.fixture
def applicant(make_user):
    enterprise = EnterpriseFactory.create(employees=300, annual_revenue=1000)
    return make_user(Role.ENTERPRISE, enterprise=enterprise)


@pytest.fixture
def policy(staff, department_jingxin):
    return policy_published(by=staff, department=department_jingxin)[0]


def submit(policy, applicant, files=None):
    return application_submit(
        policy=policy, enterprise=applicant.enterprise, by=applicant, files={0: pdf()} if files is None else files
    )


def test_every_material_must_be_uploaded(policy, applicant):
    with pytest.raises(ApplicationError, match="尚缺:申请表"):
        submit(policy, applicant, files={})


def test_a_renamed_executable_is_refused(policy, applicant):
    fake = SimpleUploadedFile("申请表.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    with pytest.raises(ApplicationError, match=r"内容与扩展名 \.pdf 不符"):
        submit(policy, applicant, files={0: fake})
    script = SimpleUploadedFile("run.sh", b"#!/bin/sh", content_type="text/plain")
    with pytest.raises(ApplicationError, match="类型不支持"):
        submit(policy, applicant, files={0: script})


def test_an_application_snapshots_the_estimate_and_cannot_be_duplicated(policy, applicant):
    application = submit(policy, applicant)
    assert application.estimated_fen == 10_000_000
    assert application.files.get().original_name == "申请表.pdf"
    with pytest.raises(ApplicationError, match="请勿重复申报"):
        submit(policy, applicant)


def test_returning_or_rejecting_needs_a_reason(policy, applicant, staff):
    application = submit(policy, applicant)
    with pytest.raises(ApplicationError, match="必须填写原因"):
        application_review(application=application, by=staff, decision="return")
    application = application_review(application=application, by=staff, decision="return", reason="申请表未盖章")
    assert application.status == ApplicationStatus.RETURNED
    application = application_supplement(application=application, by=applicant, files={0: pdf("盖章申请表.pdf")})
    assert application.status == ApplicationStatus.SUBMITTED
    assert [f.original_name for f in application.files.all()] == ["盖章申请表.pdf"]


def test_approval_disbursement_and_announcement(policy, applicant, staff):
    application = submit(policy, applicant)
    application = application_review(application=application, by=staff, decision="approve", approved_fen=8_000_000)
    disbursement = application_disburse(application=application, by=staff, paid_on=timezone.localdate(), voucher="ZF-7")
    assert disbursement.amount_fen == 8_000_000 and disbursement.department == policy.reviewing_department
    application_announce(application=application, by=staff)
    assert Disbursement.objects.get().application == application


def test_another_department_cannot_review(policy, applicant, make_user):
    from yingshang.accounts.tests.factories import DepartmentFactory

    outsider = make_user(Role.DEPARTMENT_STAFF, department=DepartmentFactory.create())
    application = submit(policy, applicant)
    with pytest.raises(PermissionDeniedError):
        application_review(application=application, by=outsider, decision="approve")


def test_an_enterprise_cannot_open_another_enterprises_application(policy, applicant, client_as, make_user):
    application = submit(policy, applicant)
    stranger = make_user(Role.ENTERPRISE, enterprise=EnterpriseFactory.create())
    url = reverse("policies:application_detail", args=[application.pk])
    assert client_as(stranger).get(url).status_code == 404
    assert client_as(applicant).get(url).status_code == 200


def test_the_upload_page_submits_an_application(policy, applicant, client_as):
    client = client_as(applicant)
    response = client.post(reverse("policies:apply", args=[policy.pk]), {"material_0": pdf(), "note": "请审核"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "待审核" in page and "申请表.pdf" in page
