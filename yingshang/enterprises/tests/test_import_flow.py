"""The import from upload to saved enterprises: preview and error report first, then all valid rows at once."""

from __future__ import annotations

import io
import random
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action
from yingshang.core.models import AuditLog, AuditResult, Notification
from yingshang.enterprises import imports
from yingshang.enterprises.imports import pipeline
from yingshang.enterprises.models import Enterprise, EnterpriseEvent, ImportJob, ImportStatus
from yingshang.enterprises.tests.factories import EnterpriseFactory
from yingshang.enterprises.tests.fixtures.import_helpers import confirm, upload
from yingshang.enterprises.tests.fixtures.sample_import import (
    ensure_reference_data,
    sample_rows,
    template_headers,
    write_csv,
    write_xlsx,
)
from yingshang.enterprises.validators import generate_uscc

_rng = random.Random(7)
USCC_NEW = generate_uscc(_rng)
USCC_LOWER = generate_uscc(_rng)
USCC_EXISTING = generate_uscc(_rng)
_valid = generate_uscc(_rng)
USCC_BAD_CHECKSUM = _valid[:-1] + ("0" if _valid[-1] != "0" else "1")


@pytest.fixture
def reference_data(db):
    ensure_reference_data()


@pytest.fixture
def coordinator(client_as, reference_data):
    return client_as(Role.COORDINATOR)


@pytest.fixture
def enterprise_existing(db):
    return EnterpriseFactory.create(uscc=USCC_EXISTING, name="荆门旧名称有限公司")


def mixed_workbook() -> bytes:
    """Rows 2, 3 and 10 are good; rows 4 to 9 each break one rule; rows 11 and 12 are empty."""
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    # Header order shuffled, with spaces and full-width parentheses, as clerks leave them.
    sheet.append([" 企业名称* ", "统一社会信用代码*", "乡镇/街道", "成立日期", "注册资本（万元）", "产业链", "规模"])
    sheet.append(["荆门恒瑞电池有限公司", USCC_NEW, "子陵铺镇", "2024/5/1", "5000", "新能源、装备制造", "规上"])
    sheet.append(["荆门楚天食品有限公司", USCC_LOWER.lower(), "栗溪镇", "2019年3月8日", 200.5, "", "规下"])
    sheet.append(["荆门校验位有限公司", USCC_BAD_CHECKSUM, "马河镇", None, None, None, None])
    sheet.append(["荆门重复有限公司", USCC_NEW, "马河镇", None, None, None, None])
    sheet.append([None, generate_uscc(_rng), "马河镇", None, None, None, None])
    sheet.append(["荆门数字有限公司", generate_uscc(_rng), "马河镇", None, "五百万", None, None])
    sheet.append(["荆门日期有限公司", generate_uscc(_rng), "马河镇", "2024-13-45", None, None, None])
    sheet.append(["荆门乡镇有限公司", generate_uscc(_rng), "不存在镇", None, None, None, None])
    sheet.append(["荆门新名称有限公司", USCC_EXISTING, "龙泉街道", datetime(2010, 7, 1), 1000, "新材料", None])
    sheet.append([None] * 7)
    sheet.append(["", "  ", None, None, None, None, None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


EXPECTED_ERRORS = [
    (4, "统一社会信用代码", "统一社会信用代码校验位错误,请核对是否输错"),
    (5, "统一社会信用代码", "与第2行重复"),
    (6, "企业名称", "企业名称不能为空"),
    (7, "注册资本(万元)", "注册资本应为数字"),
    (8, "成立日期", "成立日期不是有效的日期"),
    (9, "乡镇/街道", "乡镇/街道“不存在镇”不存在,可选值:"),
]


def test_preview_lists_exactly_the_rejected_rows_with_row_numbers_and_reasons(coordinator, enterprise_existing):
    response, job = upload(coordinator, mixed_workbook())

    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:import_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    assert (job.valid_rows, job.rejected_rows) == (3, 6)
    assert (job.created_count, job.updated_count) == (2, 1)  # the forecast: two new, one existing
    got = [(e["row"], e["column"], e["message"]) for e in job.errors]
    assert len(got) == len(EXPECTED_ERRORS)
    for (row, column, message), (want_row, want_column, want_message) in zip(got, EXPECTED_ERRORS, strict=True):
        assert (row, column) == (want_row, want_column)
        assert message.startswith(want_message)
    assert "子陵铺镇" in job.errors[-1]["message"]  # the unknown name lists the allowed values


def test_preview_page_shows_counts_preview_rows_and_the_error_table(coordinator, enterprise_existing):
    _, job = upload(coordinator, mixed_workbook())

    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()

    assert 'data-testid="import-errors"' in page
    assert page.count('data-testid="import-error-row"') == 6
    assert page.count('data-testid="import-preview-row"') == 3
    assert "与第2行重复" in page
    assert USCC_LOWER in page  # upper-cased in the preview
    assert 'data-testid="to-create">2<' in page
    assert 'data-testid="to-update">1<' in page
    assert "确认导入" in page


def test_nothing_is_saved_before_the_user_confirms(coordinator, enterprise_existing):
    enterprises_before = Enterprise.objects.count()
    events_before = EnterpriseEvent.objects.count()

    upload(coordinator, mixed_workbook())

    assert Enterprise.objects.count() == enterprises_before
    assert EnterpriseEvent.objects.count() == events_before
    assert Enterprise.objects.get(uscc=USCC_EXISTING).name == "荆门旧名称有限公司"


def test_confirm_saves_exactly_the_good_rows(coordinator, enterprise_existing):
    enterprises_before = Enterprise.objects.count()
    _, job = upload(coordinator, mixed_workbook())

    job = confirm(coordinator, job)

    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.updated_count) == (2, 1)
    assert job.finished_at is not None
    assert (job.processed_rows, job.total_rows) == (9, 9)  # still what validation read, not what apply saved
    assert Enterprise.objects.count() == enterprises_before + 2
    battery = Enterprise.objects.get(uscc=USCC_NEW)
    assert battery.name == "荆门恒瑞电池有限公司"
    assert battery.township is not None
    assert battery.township.name == "子陵铺镇"
    assert battery.registration_date == date(2024, 5, 1)
    assert battery.registered_capital == Decimal("5000")
    assert sorted(battery.industry_chains.values_list("name", flat=True)) == ["新能源", "装备制造"]
    assert battery.scale == "above"
    assert Enterprise.objects.get(uscc=USCC_LOWER).registered_capital == Decimal("200.5")
    updated = Enterprise.objects.get(uscc=USCC_EXISTING)
    assert updated.name == "荆门新名称有限公司"
    assert updated.registration_date == date(2010, 7, 1)  # an Excel date cell
    assert not Enterprise.objects.filter(name__in=["荆门重复有限公司", "荆门乡镇有限公司", "荆门数字有限公司"]).exists()


def test_done_page_shows_counts_and_a_link_to_the_registry(coordinator, enterprise_existing):
    _, job = upload(coordinator, mixed_workbook())
    confirm(coordinator, job)

    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()

    assert 'data-testid="created-count">2<' in page
    assert 'data-testid="updated-count">1<' in page
    assert f'href="{reverse("enterprises:list")}"' in page


def test_a_completed_import_writes_one_audit_row_and_notifies_the_uploader(coordinator, enterprise_existing):
    _, job = upload(coordinator, mixed_workbook())
    confirm(coordinator, job)

    audit = AuditLog.objects.filter(action=Action.IMPORT, detail__step="apply")
    assert audit.count() == 1
    row = audit.get()
    assert row.detail["file_sha256"] == job.file_sha256
    assert (row.detail["created"], row.detail["updated"]) == (2, 1)
    assert row.user == coordinator.user
    # enterprise_save(audit=False): no audit row per enterprise
    assert not AuditLog.objects.filter(action__in=[Action.RECORD_CREATED, Action.RECORD_UPDATED]).exists()
    note = Notification.objects.get(recipient=coordinator.user, title="企业导入完成")
    assert "新增 2 家" in note.body
    assert note.link == reverse("enterprises:import_detail", args=[job.pk])


def test_reimporting_the_same_file_updates_instead_of_duplicating(coordinator, enterprise_existing):
    content = mixed_workbook()
    _, first = upload(coordinator, content)
    confirm(coordinator, first)
    count_after_first = Enterprise.objects.count()

    _, second = upload(coordinator, content)
    second.refresh_from_db()
    assert (second.created_count, second.updated_count) == (0, 3)
    assert "同一文件已于" in coordinator.get(reverse("enterprises:import_detail", args=[second.pk])).content.decode()
    second = confirm(coordinator, second)

    assert second.status == ImportStatus.DONE
    assert (second.created_count, second.updated_count) == (0, 3)
    assert Enterprise.objects.count() == count_after_first
    assert second.file_sha256 == first.file_sha256


def test_a_failure_while_applying_rolls_back_every_row(coordinator, monkeypatch):
    rows = sample_rows(5)
    _, job = upload(coordinator, write_xlsx(rows))
    enterprises_before = Enterprise.objects.count()
    events_before = EnterpriseEvent.objects.count()
    monkeypatch.setattr(pipeline, "APPLY_CHUNK_ROWS", 2)
    real_save_many = pipeline.enterprise_save_many
    calls = []

    def save_failing_on_second_chunk(**kwargs):
        calls.append([item.uscc for item in kwargs["items"]])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_save_many(**kwargs)

    monkeypatch.setattr(pipeline, "enterprise_save_many", save_failing_on_second_chunk)

    job = confirm(coordinator, job)

    assert job.status == ImportStatus.FAILED
    assert "第4至5行保存失败" in job.failure_message  # the first chunk (rows 2 and 3) was saved, then undone
    assert "全部撤销" in job.failure_message
    assert Enterprise.objects.count() == enterprises_before
    assert EnterpriseEvent.objects.count() == events_before
    assert not Enterprise.objects.filter(uscc=rows[0]["统一社会信用代码"]).exists()
    assert Notification.objects.filter(recipient=coordinator.user, title="企业导入失败").exists()
    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-failure"' in page
    audit = AuditLog.objects.get(action=Action.IMPORT, detail__step="apply")
    assert audit.result == AuditResult.FAILURE
    assert audit.detail["reason"] == job.failure_message
    assert (audit.detail["created"], audit.detail["updated"]) == (0, 0)


def test_a_rule_broken_while_applying_names_the_row(coordinator, monkeypatch):
    from yingshang.core.errors import ApplicationError

    _, job = upload(coordinator, write_xlsx(sample_rows(3)))

    def refuse_the_second_item(**kwargs):
        raise ApplicationError("企业名称不能为空", extra={"index": 1})

    monkeypatch.setattr(pipeline, "enterprise_save_many", refuse_the_second_item)
    job = confirm(coordinator, job)

    assert job.status == ImportStatus.FAILED
    assert job.failure_message.startswith("第3行:企业名称不能为空")


def test_reference_data_changed_since_the_preview_fails_the_whole_import(coordinator):
    from yingshang.enterprises.models import Township

    rows = sample_rows(4)
    _, job = upload(coordinator, write_xlsx(rows))
    used = rows[0]["乡镇/街道"]
    Township.objects.filter(name=used).update(name=f"{used}(已撤并)")
    before = Enterprise.objects.count()

    job = confirm(coordinator, job)

    assert job.status == ImportStatus.FAILED
    assert "与预览时不一致" in job.failure_message
    assert Enterprise.objects.count() == before


def test_csv_saved_by_chinese_excel_in_gb18030_is_read(coordinator):
    rows = sample_rows(3)

    _, job = upload(coordinator, write_csv(rows, encoding="gb18030"), name="企业名单.csv")
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW, job.failure_message
    assert (job.valid_rows, job.rejected_rows) == (3, 0)
    confirm(coordinator, job)

    saved = Enterprise.objects.get(uscc=rows[0]["统一社会信用代码"])
    assert saved.name == rows[0]["企业名称"]
    assert saved.township is not None
    assert saved.township.name == rows[0]["乡镇/街道"]


def test_csv_in_utf8_with_bom_is_read(coordinator):
    _, job = upload(coordinator, write_csv(sample_rows(2), encoding="utf-8-sig"), name="名单.csv")
    job.refresh_from_db()
    assert (job.status, job.valid_rows) == (ImportStatus.PREVIEW, 2)


def test_a_realistic_file_of_several_hundred_rows_validates_completely(coordinator):
    _, job = upload(coordinator, write_xlsx(sample_rows(450)))
    job.refresh_from_db()

    assert (job.valid_rows, job.rejected_rows, job.total_rows, job.processed_rows) == (450, 0, 450, 450)
    assert (job.created_count, job.updated_count) == (450, 0)
    assert len(job.preview) == imports.PREVIEW_ROWS
    assert job.errors == []


def test_the_uploaded_template_is_rejected_only_for_its_example_row(coordinator):
    template = coordinator.get(reverse("enterprises:import_template"), {"format": "xlsx"}).getvalue()

    _, job = upload(coordinator, template, name="模板.xlsx")
    job.refresh_from_db()

    assert (job.status, job.valid_rows, job.rejected_rows) == (ImportStatus.PREVIEW, 0, 1)
    assert job.errors[0]["message"] == "这是导入模板中的示例行,请删除后再导入"
    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()
    assert "没有可导入的有效行" in page
    assert 'data-testid="confirm-import"' not in page


def test_the_filled_template_round_trips(coordinator):
    template = coordinator.get(reverse("enterprises:import_template"), {"format": "xlsx"}).getvalue()
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["企业信息"]
    example = [c.value for c in sheet[2]]
    example[0] = generate_uscc(_rng)
    for index, value in enumerate(example, start=1):
        sheet.cell(row=2, column=index, value=value)
    out = io.BytesIO()
    workbook.save(out)

    _, job = upload(coordinator, out.getvalue(), name="已填写模板.xlsx")
    job.refresh_from_db()

    assert (job.valid_rows, job.rejected_rows) == (1, 0), job.errors
    confirm(coordinator, job)
    assert Enterprise.objects.get(uscc=example[0]).name == "荆门示例新材料有限公司"


def test_cancelled_job_cannot_be_confirmed(coordinator):
    before = Enterprise.objects.count()
    _, job = upload(coordinator, write_xlsx(sample_rows(2)))

    coordinator.post(reverse("enterprises:import_cancel", args=[job.pk]))
    job = confirm(coordinator, job)

    assert job.status == ImportStatus.CANCELLED
    assert Enterprise.objects.count() == before


def test_error_report_downloads_as_xlsx_with_one_line_per_problem(coordinator):
    _, job = upload(coordinator, mixed_workbook())

    response = coordinator.get(reverse("enterprises:import_errors", args=[job.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "值", "原因")
    assert [r[0] for r in rows[1:]] == [4, 5, 6, 7, 8, 9]
    assert rows[4][2] == "五百万"


def test_error_report_never_turns_a_value_into_a_formula(coordinator):
    rows = sample_rows(1)
    rows[0]["企业名称"] = ""
    rows[0]["法定代表人"] = '=HYPERLINK("http://evil.example","点我")'
    rows[0]["成立日期"] = "=1+1"
    # In a CSV these are plain text; the report must keep them text too.
    _, job = upload(coordinator, write_csv(rows), name="名单.csv")

    response = coordinator.get(reverse("enterprises:import_errors", args=[job.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert any(c.value == "=1+1" for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_template_headers_are_what_the_sample_generator_writes():
    assert template_headers()[:2] == ["统一社会信用代码*", "企业名称*"]


def test_running_the_tasks_twice_changes_nothing(coordinator):
    from yingshang.enterprises.tasks import apply_import, validate_import

    _, job = upload(coordinator, write_xlsx(sample_rows(3)))
    validate_import.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.valid_rows) == (ImportStatus.PREVIEW, 3)

    confirm(coordinator, job)
    apply_import.call(job.pk, coordinator.user.pk)
    job.refresh_from_db()

    assert (job.status, job.created_count) == (ImportStatus.DONE, 3)
    assert AuditLog.objects.filter(action=Action.IMPORT, detail__step="apply").count() == 1
    assert Notification.objects.filter(title="企业导入完成").count() == 1


def test_a_double_confirm_starts_only_one_import(coordinator):
    _, job = upload(coordinator, write_xlsx(sample_rows(2)))
    confirm(coordinator, job)

    response = coordinator.post(reverse("enterprises:import_confirm", args=[job.pk]), follow=True)

    assert "不能确认导入" in response.content.decode()
    assert AuditLog.objects.filter(action=Action.IMPORT, detail__step="confirm").count() == 1
    assert AuditLog.objects.filter(action=Action.IMPORT, detail__step="apply").count() == 1


def test_jobs_are_listed_on_the_import_page(coordinator):
    _, job = upload(coordinator, write_xlsx(sample_rows(1)), name="二月名单.xlsx")

    page = coordinator.get(reverse("enterprises:import_list")).content.decode()

    assert "二月名单.xlsx" in page
    assert ImportJob.objects.get(pk=job.pk).original_name == "二月名单.xlsx"


# --- phone numbers stay masked outside the enterprise's own page ----------------------------------------------------

PHONE_VALID = "13907241234"
PHONE_INVALID = "13907245678x"


def _upload_with_phones(coordinator):
    rows = sample_rows(2)
    rows[0]["联系电话"] = PHONE_VALID
    rows[1]["联系电话"] = PHONE_INVALID
    _, job = upload(coordinator, write_xlsx(rows))
    job.refresh_from_db()
    assert (job.valid_rows, job.rejected_rows) == (1, 1)
    return job


def _report_cells(coordinator, job) -> list[str]:
    response = coordinator.get(reverse("enterprises:import_errors", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


def test_phone_numbers_are_masked_in_the_preview_and_the_error_table(coordinator):
    job = _upload_with_phones(coordinator)

    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()

    assert "139****1234" in page  # preview
    assert "139****678x" in page  # error table
    assert PHONE_VALID not in page
    assert PHONE_INVALID[:11] not in page


def test_phone_numbers_are_masked_in_the_error_report(coordinator):
    job = _upload_with_phones(coordinator)

    cells = _report_cells(coordinator, job)

    assert "139****678x" in cells
    assert not any(PHONE_INVALID[:11] in c for c in cells)


def test_full_phone_numbers_are_not_even_stored_with_the_job(coordinator):
    import json

    job = _upload_with_phones(coordinator)

    stored = json.dumps([job.preview, job.errors], ensure_ascii=False)
    assert PHONE_VALID not in stored
    assert PHONE_INVALID[:11] not in stored


def test_jobs_stored_before_masking_show_their_phones_masked(coordinator):
    job = _upload_with_phones(coordinator)
    # As validation stored them before it masked: the full numbers in the preview and the error list.
    job.preview[0]["values"]["contact_phone"] = PHONE_VALID
    job.errors[0]["value"] = PHONE_INVALID
    job.save(update_fields=["preview", "errors"])

    page = coordinator.get(reverse("enterprises:import_detail", args=[job.pk])).content.decode()
    cells = _report_cells(coordinator, job)

    assert "139****1234" in page
    assert PHONE_VALID not in page
    assert PHONE_INVALID[:11] not in page
    assert "139****678x" in cells
    assert not any(PHONE_INVALID[:11] in c for c in cells)


def test_the_embedded_database_limits_one_file_to_twenty_thousand_rows():
    from django.db import connection

    from yingshang.enterprises.imports import parsing

    expected = parsing.SQLITE_MAX_DATA_ROWS if connection.vendor == "sqlite" else parsing.MAX_DATA_ROWS
    assert parsing.max_data_rows() == expected


def test_a_file_over_the_row_limit_is_refused_before_anything_is_saved(coordinator, monkeypatch):
    from yingshang.enterprises.imports import parsing

    monkeypatch.setattr(parsing, "max_data_rows", lambda: 3)
    before = Enterprise.objects.count()
    _, job = upload(coordinator, write_xlsx(sample_rows(4)))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "最多3行" in job.failure_message
    assert Enterprise.objects.count() == before


# --- odd files and the paths a test database does not take by itself ------------------------------------------------


def test_rows_under_a_merged_township_are_rejected_not_imported_without_it(coordinator):
    rows = sample_rows(4)
    workbook = openpyxl.load_workbook(io.BytesIO(write_xlsx(rows)))
    sheet = workbook.worksheets[0]
    sheet.insert_rows(1)
    sheet["A1"] = "2026年东宝区企业名单"
    sheet.merge_cells("A1:E1")  # a title above the header is fine
    township_column = template_headers().index("乡镇/街道") + 1
    for row in (4, 5):
        sheet.cell(row=row, column=township_column).value = None
    letter = openpyxl.utils.get_column_letter(township_column)
    sheet.merge_cells(f"{letter}3:{letter}5")  # rows 3 to 5 (the first three enterprises) under one township
    out = io.BytesIO()
    workbook.save(out)

    _, job = upload(coordinator, out.getvalue())
    job.refresh_from_db()

    assert (job.status, job.valid_rows, job.rejected_rows) == (ImportStatus.PREVIEW, 2, 2)
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "乡镇/街道"), (5, "乡镇/街道")]
    assert f"合并单元格 {letter}3:{letter}5" in job.errors[0]["message"]
    confirm(coordinator, job)
    first = Enterprise.objects.get(uscc=rows[0]["统一社会信用代码"])
    assert first.township is not None
    assert first.township.name == rows[0]["乡镇/街道"]
    assert not Enterprise.objects.filter(uscc=rows[1]["统一社会信用代码"]).exists()


def test_validation_reads_reference_data_once_not_once_per_row(coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        upload(coordinator, write_xlsx(sample_rows(3, seed=1)))
    with CaptureQueriesContext(connection) as many:
        upload(coordinator, write_xlsx(sample_rows(150, seed=2)))  # below PROGRESS_EVERY: no progress updates

    assert len(many.captured_queries) == len(few.captured_queries)


def test_applying_inside_the_transaction_as_on_postgresql_saves_the_rows(coordinator, monkeypatch):
    rows = sample_rows(3)
    _, job = upload(coordinator, write_xlsx(rows))
    monkeypatch.setattr(pipeline, "read_before_lock", lambda: False)

    job = confirm(coordinator, job)

    assert (job.status, job.created_count) == (ImportStatus.DONE, 3)
    assert Enterprise.objects.filter(uscc__in=[r["统一社会信用代码"] for r in rows]).count() == 3


@pytest.mark.parametrize("read_first", [True, False], ids=["sqlite", "postgresql"])
def test_a_file_changed_after_validation_is_not_imported(coordinator, monkeypatch, read_first):
    rows = sample_rows(3)
    _, job = upload(coordinator, write_xlsx(rows))
    job.refresh_from_db()
    with job.file.open("wb") as fh:
        fh.write(write_xlsx(sample_rows(3, seed=11)))
    monkeypatch.setattr(pipeline, "read_before_lock", lambda: read_first)
    before = Enterprise.objects.count()

    job = confirm(coordinator, job)

    assert job.status == ImportStatus.FAILED
    assert job.failure_message.startswith("文件内容与上传时不一致")
    assert Enterprise.objects.count() == before


def test_error_report_keeps_a_pasted_hyperlink_as_text(coordinator):
    rows = sample_rows(1)
    rows[0]["乡镇/街道"] = '=HYPERLINK("http://evil.example","点我")'
    _, job = upload(coordinator, write_csv(rows), name="名单.csv")

    response = coordinator.get(reverse("enterprises:import_errors", args=[job.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    values = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    link = next(c for c in values if str(c.value).startswith("=HYPERLINK"))
    assert link.data_type == "s"
