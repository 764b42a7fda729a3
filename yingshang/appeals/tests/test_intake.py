"""Filing: numbers, 12345 dedup, Idempotency-Key, attachments, who may file for whom, meetings."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from yingshang.accounts.roles import Role
from yingshang.appeals.models import Appeal, AppealAttachment, Channel, IdempotencyKey, MeetingKind
from yingshang.appeals.services import (
    IdempotencyMismatchError,
    MeetingAppealRow,
    appeal_file,
    appeal_number_next,
    meeting_record,
)
from yingshang.appeals.tests.factories import AppealCategoryFactory, enterprise_user, file_appeal, office_user
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_numbers_are_sequential_per_year_and_human_readable(enterprise_battery_maker):
    first = file_appeal(enterprise=enterprise_battery_maker)
    second = file_appeal(enterprise=enterprise_battery_maker)
    year = first.created_at.year
    assert re.fullmatch(rf"SQ{year}-\d{{6}}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert appeal_number_next(year=2031) == "SQ2031-000001"
    assert appeal_number_next(year=2031) == "SQ2031-000002"


def test_a_new_years_numbers_continue_after_those_already_given(enterprise_battery_maker):
    """An installation that already holds numbers for a year (imported, or from the counter row of an earlier
    version) never hands one of them out again."""
    appeal = file_appeal(enterprise=enterprise_battery_maker)
    Appeal.objects.filter(pk=appeal.pk).update(number="SQ2032-000417")
    assert appeal_number_next(year=2032) == "SQ2032-000418"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL numbers come from a sequence per year")
def test_a_sequence_that_is_gone_is_made_again_after_the_numbers_given(
    enterprise_battery_maker, django_capture_on_commit_callbacks
):
    """A year's sequence that no longer exists (created in a transaction rolled back after its commit callbacks
    ran, as test suites do) is made again by the next filing in the same process, after every number stored."""
    with django_capture_on_commit_callbacks(execute=True):
        first = file_appeal(enterprise=enterprise_battery_maker)
    year = first.created_at.year
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SEQUENCE "appeals_number_{year}"')
    again = file_appeal(enterprise=enterprise_battery_maker)
    assert int(again.number[-6:]) == int(first.number[-6:]) + 1


def test_the_same_12345_work_order_never_creates_a_second_appeal(enterprise_battery_maker):
    staff = office_user()
    category = AppealCategoryFactory.create()
    kwargs = {
        "by": staff,
        "category": category,
        "title": "企业反映道路施工影响物流",
        "description": "12345 转办",
        "enterprise": enterprise_battery_maker,
        "channel": Channel.HOTLINE_12345,
        "external_id": "GD20261102-0042",
    }
    first = appeal_file(**kwargs)
    again = appeal_file(**kwargs)
    assert first.created and not again.created
    assert again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1
    # The same id on another channel is another appeal.
    assert appeal_file(**{**kwargs, "channel": Channel.PHONE}).created


def test_a_12345_work_order_needs_its_number(enterprise_battery_maker):
    with pytest.raises(ApplicationError, match="工单编号"):
        file_appeal(enterprise=enterprise_battery_maker, by=office_user(), channel=Channel.HOTLINE_12345)


def test_an_idempotency_key_replays_the_first_appeal_and_refuses_another_payload(enterprise_battery_maker):
    user = enterprise_user(enterprise_battery_maker)
    first = file_appeal(enterprise=enterprise_battery_maker, by=user, idempotency_key="k-1")
    replay = appeal_file(
        by=user,
        category=first.category,
        title=first.title,
        description=first.description,
        enterprise=enterprise_battery_maker,
        contact_name="张经理",
        contact_phone="13907241234",
        idempotency_key="k-1",
    )
    assert replay.replayed and not replay.created
    assert replay.appeal.pk == first.pk
    with pytest.raises(IdempotencyMismatchError, match="内容不同"):
        appeal_file(
            by=user,
            category=first.category,
            title="另一个诉求",
            description=first.description,
            enterprise=enterprise_battery_maker,
            idempotency_key="k-1",
        )
    assert Appeal.objects.count() == 1
    # Keys are per caller: another user's identical key is a different request.
    other = file_appeal(
        enterprise=enterprise_battery_maker, by=enterprise_user(enterprise_battery_maker), idempotency_key="k-1"
    )
    assert other.pk != first.pk
    assert IdempotencyKey.objects.count() == 2


def test_an_enterprise_files_only_for_itself(enterprise_battery_maker, enterprise_other):
    user = enterprise_user(enterprise_battery_maker)
    with pytest.raises(PermissionDeniedError, match="本企业"):
        file_appeal(enterprise=enterprise_other, by=user)


def test_a_leader_cannot_record_appeals(enterprise_battery_maker, make_user):
    with pytest.raises(PermissionDeniedError, match="无权登记"):
        file_appeal(enterprise=enterprise_battery_maker, by=make_user(Role.LEADER), channel=Channel.PHONE)


def test_filing_is_audited_and_masked_fields_are_stored_in_full(enterprise_battery_maker):
    appeal = file_appeal(enterprise=enterprise_battery_maker)
    assert appeal.contact_phone == "13907241234"
    assert AuditLog.objects.filter(action="appeal_filed", object_id=str(appeal.pk)).exists()


def test_the_filing_audit_row_is_the_last_write_so_the_chain_lock_is_held_briefly(
    enterprise_battery_maker, monkeypatch
):
    from yingshang.appeals import services
    from yingshang.core.models import Notification

    office = office_user()
    seen: list[tuple[bool, bool]] = []
    real_audit_record = services.audit_record

    def spying_audit_record(**kwargs: Any) -> Any:
        if kwargs["action"] == "appeal_filed":
            key = IdempotencyKey.objects.get(key="audit-last")
            told = Notification.objects.filter(recipient=office, category="appeals").exists()
            seen.append((key.appeal_id == kwargs["obj"].pk, told))
        return real_audit_record(**kwargs)

    monkeypatch.setattr(services, "audit_record", spying_audit_record)
    appeal = file_appeal(enterprise=enterprise_battery_maker, idempotency_key="audit-last")
    # When the audit row is written, the key already points at the appeal and the office has been told.
    assert seen == [(True, True)]
    assert AuditLog.objects.filter(action="appeal_filed", object_id=str(appeal.pk)).count() == 1
    assert IdempotencyKey.objects.get(key="audit-last").response_status == 201


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ...", "格式不支持"),
        ("伪装.pdf", b"not a pdf", "内容与扩展名不符"),
        ("空.txt", b"", "空文件"),
    ],
)
def test_bad_attachments_are_refused_with_a_reason(enterprise_battery_maker, name, content, message):
    with pytest.raises(ApplicationError, match=message):
        file_appeal(enterprise=enterprise_battery_maker, attachments=[SimpleUploadedFile(name, content)])
    assert Appeal.objects.count() == 0


def test_a_good_attachment_is_stored_under_a_random_name(enterprise_battery_maker):
    appeal = file_appeal(
        enterprise=enterprise_battery_maker, attachments=[SimpleUploadedFile("电费单.pdf", b"%PDF-1.4 test")]
    )
    attachment = AppealAttachment.objects.get(appeal=appeal)
    assert attachment.original_name == "电费单.pdf"
    stored = str(attachment.file.name)
    assert "电费单" not in stored and stored.startswith(f"appeals/{appeal.pk}/")


def test_a_meeting_records_many_appeals_or_none(enterprise_battery_maker, enterprise_other):
    office = office_user()
    category = AppealCategoryFactory.create()
    rows = [
        MeetingAppealRow(enterprise=enterprise_battery_maker, category=category, title="融资难", description="需贷款"),
        MeetingAppealRow(enterprise=enterprise_other, category=category, title="招工难", description="缺技工"),
    ]
    meeting, appeals = meeting_record(
        by=office, kind=MeetingKind.TEA, title="11月政企茶叙会", held_on=date(2026, 11, 5), rows=rows
    )
    assert [a.meeting_id for a in appeals] == [meeting.pk, meeting.pk]
    assert {a.channel for a in appeals} == {Channel.MEETING}
    bad = [*rows, MeetingAppealRow(enterprise=enterprise_other, category=category, title="", description="x")]
    with pytest.raises(ApplicationError, match="第 3 条"):
        meeting_record(by=office, kind=MeetingKind.BREAKFAST, title="早餐会", held_on=date(2026, 11, 6), rows=bad)
    assert Appeal.objects.count() == 2
