"""Who may import, the template download, the progress bar, and what a bad file looks like on the page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts import roles
from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog
from yingshang.enterprises import imports
from yingshang.enterprises.imports import parsing, pipeline, progress
from yingshang.enterprises.models import Enterprise, ImportJob, ImportStatus
from yingshang.enterprises.tests.fixtures.import_helpers import confirm, try_upload, upload
from yingshang.enterprises.tests.fixtures.sample_import import (
    ensure_reference_data,
    legacy_xls,
    password_protected_workbook,
    sample_rows,
    write_xlsx,
)

REQUIRED_HEADERS = ["统一社会信用代码*", "企业名称*"]


@pytest.fixture
def coordinator(client_as):
    ensure_reference_data()
    return client_as(Role.COORDINATOR)


@pytest.fixture
def job_of_coordinator(coordinator):
    _, job = upload(coordinator, write_xlsx(sample_rows(2)))
    job.refresh_from_db()
    return job


# --- permissions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.LIAISON, Role.LEADER, Role.SYSTEM_ADMIN])
def test_only_coordinators_reach_the_import_pages(client_as, role):
    client = client_as(role)
    assert client.get(reverse("enterprises:import_list")).status_code == 403
    assert client.get(reverse("enterprises:import_template")).status_code == 403


def test_department_staff_cannot_open_or_confirm_a_job(client_as, job_of_coordinator):
    staff = client_as(Role.DEPARTMENT_STAFF)
    pk = job_of_coordinator.pk

    assert staff.get(reverse("enterprises:import_detail", args=[pk])).status_code == 403
    assert staff.get(reverse("enterprises:import_progress", args=[pk])).status_code == 403
    assert staff.get(reverse("enterprises:import_errors", args=[pk])).status_code == 403
    assert staff.post(reverse("enterprises:import_confirm", args=[pk])).status_code == 403
    job_of_coordinator.refresh_from_db()
    assert job_of_coordinator.status == ImportStatus.PREVIEW
    assert staff.post(reverse("enterprises:import_cancel", args=[pk])).status_code == 403
    assert staff.post(reverse("enterprises:import_restart", args=[pk])).status_code == 403
    job_of_coordinator.refresh_from_db()
    assert job_of_coordinator.status == ImportStatus.PREVIEW


def test_department_staff_cannot_upload(client_as):
    staff = client_as(Role.DEPARTMENT_STAFF)
    response, job = try_upload(staff, write_xlsx(sample_rows(1)))
    assert response.status_code == 403
    assert job is None


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("enterprises:import_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_another_coordinator_may_view_a_job(client_as, job_of_coordinator):
    other = client_as(Role.COORDINATOR)
    assert other.get(reverse("enterprises:import_detail", args=[job_of_coordinator.pk])).status_code == 200


def test_a_non_creator_who_is_not_a_coordinator_cannot_view_a_job(client_as, job_of_coordinator, monkeypatch):
    # Should another role ever be given the import capability, it still sees only its own jobs.
    widened = {**roles.ROLE_CAPABILITIES, Role.LEADER: roles.ROLE_CAPABILITIES[Role.LEADER] | {Cap.IMPORT_ENTERPRISES}}
    monkeypatch.setattr(roles, "ROLE_CAPABILITIES", widened)
    monkeypatch.setattr("yingshang.accounts.models.ROLE_CAPABILITIES", widened)
    leader = client_as(Role.LEADER)

    assert leader.get(reverse("enterprises:import_list")).status_code == 200
    assert leader.get(reverse("enterprises:import_detail", args=[job_of_coordinator.pk])).status_code == 403
    assert job_of_coordinator.original_name not in leader.get(reverse("enterprises:import_list")).content.decode()

    _, own = upload(leader, write_xlsx(sample_rows(1, seed=9)))
    assert leader.get(reverse("enterprises:import_detail", args=[own.pk])).status_code == 200


# --- template download ---------------------------------------------------------------------------------------------


def test_xlsx_template_has_the_headers_an_example_and_the_instructions(coordinator):
    response = coordinator.get(reverse("enterprises:import_template"), {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert workbook.sheetnames[0] == "企业信息"
    assert "填写说明" in workbook.sheetnames
    headers = [c.value for c in workbook["企业信息"][1]]
    assert headers == [c.template_header for c in imports.COLUMNS]
    assert all(h in headers for h in REQUIRED_HEADERS)
    assert workbook["企业信息"]["A2"].value == imports.EXAMPLE_USCC
    guide = [row[0] for row in workbook["填写说明"].iter_rows(values_only=True)]
    assert all(h in guide for h in headers)
    notes = " ".join(str(v) for row in workbook["填写说明"].iter_rows(values_only=True) for v in row if v)
    assert "子陵铺镇" in notes  # the allowed township names


def test_csv_template_opens_in_excel_with_chinese_headers(coordinator):
    response = coordinator.get(reverse("enterprises:import_template"), {"format": "csv"})

    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == REQUIRED_HEADERS
    assert rows[1][0] == imports.EXAMPLE_USCC


# --- upload form ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "message"), [("名单.xls", "不支持旧版 .xls"), ("名单.pdf", "仅支持 .xlsx 和 .csv")])
def test_other_file_types_are_refused_at_upload(coordinator, name, message):
    response, job = try_upload(coordinator, b"whatever", name=name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert job is None


@override_settings(IMPORT_MAX_UPLOAD_BYTES=1024)
def test_files_over_the_size_limit_are_refused(coordinator):
    response, job = try_upload(coordinator, write_xlsx(sample_rows(30)))

    assert "文件不能超过" in response.content.decode()
    assert job is None


def test_as_of_date_in_the_future_is_refused(coordinator):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response, job = try_upload(coordinator, write_xlsx(sample_rows(1)), as_of=future)
    assert "数据日期不能晚于今天" in response.content.decode()
    assert job is None


def test_upload_stores_file_hash_name_source_and_date(coordinator):
    content = write_xlsx(sample_rows(1))
    _, job = upload(coordinator, content, name="三月 名单.xlsx", source="市场监管局推送", as_of="2026-01-31")

    import hashlib

    assert job.file_sha256 == hashlib.sha256(content).hexdigest()
    assert job.original_name == "三月 名单.xlsx"
    assert (job.source, job.as_of.isoformat()) == ("市场监管局推送", "2026-01-31")
    assert job.created_by == coordinator.user
    assert job.file.name and job.file.name.endswith(".xlsx")


def test_list_page_offers_the_form_with_defaults(coordinator):
    page = coordinator.get(reverse("enterprises:import_list")).content.decode()
    assert 'value="营商办导入"' in page
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert 'data-testid="template-xlsx"' in page


# --- bad files fail the job with a message on the page -------------------------------------------------------------


def _only_name_column() -> bytes:
    return write_xlsx(sample_rows(2), headers=["企业名称*", "乡镇/街道"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("坏文件.xlsx", b"this is not a zip file", "文件已损坏或不是有效的 Excel(.xlsx)文件"),
        ("缺列.xlsx", "__only_name__", "文件缺少必填列:统一社会信用代码*"),
        ("空表.xlsx", "__empty__", "文件是空的"),
        ("只有表头.csv", "统一社会信用代码*,企业名称*\r\n".encode("utf-8-sig"), "文件中只有表头,没有企业数据"),
        ("乱码.csv", bytes(range(128, 256)) * 10, "无法识别文件编码"),
        ("加密.xlsx", password_protected_workbook(), "文件设置了打开密码"),
        ("旧版.xlsx", legacy_xls(), "旧版 Excel(.xls)格式"),
        ("空字符.csv", "统一社会信用代码*,企业名称*\r\nc,甲\x00乙\r\n".encode(), "文件中含有空字符(NUL)"),
    ],
)
def test_a_bad_file_fails_the_job_with_a_clear_message(coordinator, name, content, message):
    if content == "__only_name__":
        content = _only_name_column()
    elif content == "__empty__":
        out = io.BytesIO()
        openpyxl.Workbook().save(out)
        content = out.getvalue()
    before = Enterprise.objects.count()

    _, job = upload(coordinator, content, name=name)
    job.refresh_from_db()

    assert job.status == ImportStatus.FAILED
    assert message in job.failure_message
    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-failure"' in page
    assert message in page
    assert 'data-testid="confirm-import"' not in page
    assert Enterprise.objects.count() == before


# --- progress ------------------------------------------------------------------------------------------------------


def test_progress_partial_shows_the_validation_percentage_and_keeps_polling(coordinator, job_of_coordinator):
    ImportJob.objects.filter(pk=job_of_coordinator.pk).update(
        status=ImportStatus.VALIDATING, total_rows=400, processed_rows=100
    )

    response = coordinator.get(reverse("enterprises:import_progress", args=[job_of_coordinator.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-progress"' in body
    assert 'aria-valuenow="25"' in body
    assert "25%" in body
    assert 'hx-trigger="every 1s"' in body
    assert "已处理 100 / 400 行" in body


def test_progress_while_applying_comes_from_the_cache(coordinator, job_of_coordinator):
    ImportJob.objects.filter(pk=job_of_coordinator.pk).update(status=ImportStatus.IMPORTING, valid_rows=200)
    cache.set(imports.progress_cache_key(job_of_coordinator.pk), 150)

    body = coordinator.get(reverse("enterprises:import_progress", args=[job_of_coordinator.pk])).content.decode()

    assert "75%" in body
    assert "正在导入" in body


def test_detail_page_polls_while_the_job_runs(coordinator, job_of_coordinator):
    ImportJob.objects.filter(pk=job_of_coordinator.pk).update(status=ImportStatus.VALIDATING, total_rows=10)

    page = coordinator.get(reverse("enterprises:import_detail", args=[job_of_coordinator.pk])).content.decode()

    assert 'data-testid="import-progress"' in page
    assert f'hx-get="{reverse("enterprises:import_progress", args=[job_of_coordinator.pk])}"' in page


def test_polling_stops_and_the_page_reloads_once_the_job_is_finished(coordinator, job_of_coordinator):
    url = reverse("enterprises:import_progress", args=[job_of_coordinator.pk])

    response = coordinator.get(url, headers={"HX-Request": "true"})

    assert response.headers.get("HX-Refresh") == "true"
    page = coordinator.get(reverse("enterprises:import_detail", args=[job_of_coordinator.pk])).content.decode()
    assert "every 1s" not in page


def test_validation_commits_progress_as_it_goes(coordinator, monkeypatch):
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 2)
    seen: list[int | None] = []
    real_check = parsing.RowChecker.check

    def spying_check(self, cells):
        seen.append(ImportJob.objects.order_by("-pk").values_list("processed_rows", flat=True).first())
        return real_check(self, cells)

    monkeypatch.setattr(parsing.RowChecker, "check", spying_check)

    upload(coordinator, write_xlsx(sample_rows(7)))

    assert seen == [0, 0, 2, 2, 4, 4, 6]


def test_applying_saves_in_chunks_and_publishes_progress_after_each(coordinator, monkeypatch):
    _, job = upload(coordinator, write_xlsx(sample_rows(5)))
    monkeypatch.setattr(pipeline, "APPLY_CHUNK_ROWS", 2)
    seen: list[tuple[int, int]] = []
    real_save_many = pipeline.enterprise_save_many

    def spying_save_many(**kwargs):
        seen.append((cache.get(imports.progress_cache_key(job.pk)), len(kwargs["items"])))
        return real_save_many(**kwargs)

    monkeypatch.setattr(pipeline, "enterprise_save_many", spying_save_many)

    confirm(coordinator, job)

    assert seen == [(0, 2), (2, 2), (4, 1)]  # (progress shown before the chunk, rows in the chunk)
    assert cache.get(imports.progress_cache_key(job.pk)) is None  # cleaned up once committed


def test_cancelling_during_validation_stops_it(coordinator, monkeypatch):
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 2)
    real_check = parsing.RowChecker.check
    calls = []

    def cancel_midway(self, cells):
        calls.append(1)
        if len(calls) == 3:
            ImportJob.objects.filter(status=ImportStatus.VALIDATING).update(status=ImportStatus.CANCELLED)
        return real_check(self, cells)

    monkeypatch.setattr(parsing.RowChecker, "check", cancel_midway)

    _, job = upload(coordinator, write_xlsx(sample_rows(8)))
    job.refresh_from_db()

    assert job.status == ImportStatus.CANCELLED
    assert len(calls) == 4  # stopped at the next progress update
    assert job.preview == []


def _broken_queue(monkeypatch, name: str) -> None:
    from yingshang.enterprises import views_import

    def broken_enqueue(*args, **kwargs):
        raise ConnectionError("redis down")

    # Task is a frozen dataclass; replace the whole object on the view module.
    monkeypatch.setattr(views_import, name, type("Q", (), {"enqueue": staticmethod(broken_enqueue)}))


def test_a_failing_queue_fails_the_job_instead_of_leaving_it_waiting(coordinator, monkeypatch):
    _broken_queue(monkeypatch, "validate_import")

    response, job = upload(coordinator, write_xlsx(sample_rows(1)))
    job.refresh_from_db()

    assert response.status_code == 302
    assert job.status == ImportStatus.FAILED
    assert "任务队列暂不可用" in job.failure_message


def test_a_failing_queue_at_confirmation_fails_the_job_and_saves_nothing(coordinator, job_of_coordinator, monkeypatch):
    _broken_queue(monkeypatch, "apply_import")
    before = Enterprise.objects.count()

    job = confirm(coordinator, job_of_coordinator)

    assert job.status == ImportStatus.FAILED
    assert "任务队列暂不可用" in job.failure_message
    assert Enterprise.objects.count() == before


@pytest.mark.parametrize(
    ("status", "task"), [(ImportStatus.VALIDATING, "validate_import"), (ImportStatus.IMPORTING, "apply_import")]
)
def test_a_failing_queue_at_resubmission_fails_the_job_instead_of_an_error_page(
    coordinator, job_of_coordinator, monkeypatch, later, status, task
):
    ImportJob.objects.filter(pk=job_of_coordinator.pk).update(status=status)
    _broken_queue(monkeypatch, task)

    response = coordinator.post(reverse("enterprises:import_restart", args=[job_of_coordinator.pk]), follow=True)

    assert response.status_code == 200
    assert "已重新提交后台任务" not in response.content.decode()
    job_of_coordinator.refresh_from_db()
    assert job_of_coordinator.status == ImportStatus.FAILED
    assert "任务队列暂不可用" in job_of_coordinator.failure_message


@pytest.mark.parametrize("tail", ["abc/", "12abc/progress/", "99999999999999999999999999/", "-1/errors.xlsx"])
def test_a_job_address_that_is_not_a_job_id_is_not_found(coordinator, tail):
    assert coordinator.get(reverse("enterprises:import_list") + tail).status_code == 404


def test_cancel_is_offered_only_while_nothing_has_been_saved(coordinator, job_of_coordinator):
    url = reverse("enterprises:import_detail", args=[job_of_coordinator.pk])
    assert 'data-testid="cancel-import"' in coordinator.get(url).content.decode()

    confirm(coordinator, job_of_coordinator)

    assert 'data-testid="cancel-import"' not in coordinator.get(url).content.decode()


# --- a worker that died ---------------------------------------------------------------------------------------------


@pytest.fixture
def later(monkeypatch):
    """Move the clock past the stall threshold."""
    import time

    now = time.time() + progress.STALL_SECONDS + 60
    monkeypatch.setattr(progress.clock, "time", lambda: now)


def test_a_silent_job_offers_to_resubmit_and_resubmitting_finishes_it(coordinator, job_of_coordinator, monkeypatch):
    imports.import_job_confirm(job=job_of_coordinator, by=coordinator.user)  # confirmed, but no worker picked it up
    url = reverse("enterprises:import_progress", args=[job_of_coordinator.pk])
    assert 'data-testid="import-stalled"' not in coordinator.get(url).content.decode()

    import time

    future = time.time() + progress.STALL_SECONDS + 60
    monkeypatch.setattr(progress.clock, "time", lambda: future)
    assert 'data-testid="import-stalled"' in coordinator.get(url).content.decode()

    coordinator.post(reverse("enterprises:import_restart", args=[job_of_coordinator.pk]))

    job_of_coordinator.refresh_from_db()
    assert (job_of_coordinator.status, job_of_coordinator.created_count) == (ImportStatus.DONE, 2)


def test_a_validation_that_lost_its_worker_starts_over(coordinator, job_of_coordinator, later):
    ImportJob.objects.filter(pk=job_of_coordinator.pk).update(status=ImportStatus.VALIDATING, processed_rows=1)

    coordinator.post(reverse("enterprises:import_restart", args=[job_of_coordinator.pk]))

    job_of_coordinator.refresh_from_db()
    assert (job_of_coordinator.status, job_of_coordinator.valid_rows) == (ImportStatus.PREVIEW, 2)


def test_a_job_that_is_still_moving_cannot_be_resubmitted(coordinator, job_of_coordinator):
    imports.import_job_confirm(job=job_of_coordinator, by=coordinator.user)

    response = coordinator.post(reverse("enterprises:import_restart", args=[job_of_coordinator.pk]), follow=True)

    assert "后台任务仍在进行" in response.content.decode()
    job_of_coordinator.refresh_from_db()
    assert job_of_coordinator.status == ImportStatus.IMPORTING


def test_a_second_run_that_cannot_get_the_lock_leaves_the_job_alone(coordinator, job_of_coordinator, monkeypatch):
    from django.db import OperationalError

    imports.import_job_confirm(job=job_of_coordinator, by=coordinator.user)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(ImportJob.objects, "select_for_update", locked)
    job = imports.import_apply(job=job_of_coordinator, by=coordinator.user)

    assert job.status == ImportStatus.IMPORTING
    assert job.failure_message == ""


def test_polling_does_not_write_the_session(coordinator, job_of_coordinator):
    from django.contrib.sessions.models import Session

    key = coordinator.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    before = Session.objects.get(session_key=key).expire_date

    response = coordinator.get(reverse("enterprises:import_progress", args=[job_of_coordinator.pk]))

    assert response.status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before


# --- audit ----------------------------------------------------------------------------------------------------------


def _import_audit(job: ImportJob, step: str) -> AuditLog:
    return AuditLog.objects.get(action=Action.IMPORT, object_id=str(job.pk), detail__step=step)


def test_an_upload_is_audited(coordinator):
    _, job = upload(coordinator, write_xlsx(sample_rows(1)), name="四月名单.xlsx", source="市场监管局推送")

    row = _import_audit(job, "upload")
    assert row.user == coordinator.user
    assert row.object_type == "enterprises.importjob"
    assert (row.detail["file_name"], row.detail["file_sha256"]) == ("四月名单.xlsx", job.file_sha256)
    assert row.detail["source"] == "市场监管局推送"


def test_a_confirmation_is_audited(coordinator, job_of_coordinator):
    confirm(coordinator, job_of_coordinator)

    row = _import_audit(job_of_coordinator, "confirm")
    assert row.user == coordinator.user
    assert (row.detail["valid_rows"], row.detail["rejected_rows"]) == (2, 0)


def test_a_cancellation_is_audited(coordinator, job_of_coordinator):
    coordinator.post(reverse("enterprises:import_cancel", args=[job_of_coordinator.pk]))

    row = _import_audit(job_of_coordinator, "cancel")
    assert row.user == coordinator.user


def test_a_refused_cancellation_is_not_audited(coordinator, job_of_coordinator):
    confirm(coordinator, job_of_coordinator)

    coordinator.post(reverse("enterprises:import_cancel", args=[job_of_coordinator.pk]))

    assert not AuditLog.objects.filter(action=Action.IMPORT, detail__step="cancel").exists()


def test_a_restart_is_audited_with_the_phase_it_restarts(coordinator, job_of_coordinator, later):
    ImportJob.objects.filter(pk=job_of_coordinator.pk).update(status=ImportStatus.VALIDATING, processed_rows=1)

    coordinator.post(reverse("enterprises:import_restart", args=[job_of_coordinator.pk]))

    row = _import_audit(job_of_coordinator, "restart")
    assert row.user == coordinator.user
    assert row.detail["phase"] == "validate"


def test_downloading_the_error_report_is_audited_as_an_export(coordinator):
    rows = sample_rows(2)
    rows[1]["企业名称"] = ""
    _, job = upload(coordinator, write_xlsx(rows))

    response = coordinator.get(reverse("enterprises:import_errors", args=[job.pk]))

    assert response.status_code == 200
    row = AuditLog.objects.get(action=Action.EXPORT)
    assert (row.user, row.object_id) == (coordinator.user, str(job.pk))
    assert row.detail["object"] == "企业导入错误报告"
    assert (row.detail["format"], row.detail["rows"]) == ("xlsx", 1)


def test_a_refused_download_is_not_audited(client_as, job_of_coordinator):
    staff = client_as(Role.DEPARTMENT_STAFF)

    assert staff.get(reverse("enterprises:import_errors", args=[job_of_coordinator.pk])).status_code == 403
    assert not AuditLog.objects.filter(action=Action.EXPORT).exists()
