"""/audit/: the security auditor reads, filters, verifies and exports the log; nobody else may."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yingshang.accounts.roles import Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.models import AuditLog, AuditResult

from .tampering import tamper_sql

pytestmark = pytest.mark.django_db

URL = "/audit/"


@pytest.fixture
def auditor_client(client_as):
    return client_as(Role.AUDITOR, username="shenji")


@pytest.fixture
def login_history(make_user, department_jingxin):
    wang = make_user(Role.DEPARTMENT_STAFF, username="wangwu")
    zhao = make_user(Role.COORDINATOR, username="zhaoliu")
    audit_record(action=Action.LOGIN, user=wang, ip="10.1.1.1")
    audit_record(action=Action.LOGIN_FAILED, username="zhaoliu", result=AuditResult.FAILURE, ip="10.1.1.2")
    audit_record(action=Action.DEPARTMENT_CHANGED, user=zhao, obj=department_jingxin, detail={"name": "经信局"})
    return {"wang": wang, "zhao": zhao}


def viewed_rows() -> int:
    return AuditLog.objects.filter(action=Action.AUDIT_VIEWED).count()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.COORDINATOR, Role.LEADER])
def test_nobody_but_the_auditor_may_read_the_audit_log(client_as, role):
    client = client_as(role)
    assert client.get(URL).status_code == 403
    assert client.get("/audit/export/").status_code == 403
    assert client.post("/audit/verify/").status_code == 403
    assert viewed_rows() == 0


@pytest.mark.parametrize("url", ["/system/calendar/", "/system/outbox/"])
def test_the_auditor_cannot_open_the_system_administrators_pages(auditor_client, url):
    assert auditor_client.get(url).status_code == 403


def test_the_auditor_sees_the_log_with_chinese_action_labels(auditor_client, login_history):
    html = auditor_client.get(URL).content.decode()
    assert "wangwu" in html
    assert "登录失败" in html
    assert "部门变更" in html
    assert "10.1.1.2" in html


def test_each_page_view_writes_exactly_one_audit_viewed_row(auditor_client, login_history):
    auditor_client.get(URL, {"action": Action.LOGIN})
    auditor_client.get(URL, {"page": 1})
    rows = AuditLog.objects.filter(action=Action.AUDIT_VIEWED).order_by("seq")
    assert rows.count() == 2
    assert rows[0].username == "shenji"
    assert rows[0].detail["filters"] == {"action": Action.LOGIN}


def test_filtering_by_user(auditor_client, login_history):
    page = auditor_client.get(URL, {"user": "wangwu"}).context["page"]
    assert [r.username for r in page.object_list] == ["wangwu"]


def test_filtering_by_action(auditor_client, login_history):
    page = auditor_client.get(URL, {"action": Action.LOGIN_FAILED}).context["page"]
    assert [r.action for r in page.object_list] == [Action.LOGIN_FAILED]


def test_the_action_filter_offers_chinese_labels(auditor_client):
    html = auditor_client.get(URL).content.decode()
    assert f'<option value="{Action.CALENDAR_CHANGED}">工作日历变更</option>' in html


def test_filtering_by_result(auditor_client, login_history):
    page = auditor_client.get(URL, {"result": AuditResult.FAILURE}).context["page"]
    assert [r.username for r in page.object_list] == ["zhaoliu"]


def test_filtering_by_object(auditor_client, login_history, department_jingxin):
    by_type_and_id = auditor_client.get(URL, {"obj": f"accounts.department:{department_jingxin.pk}"})
    by_name = auditor_client.get(URL, {"obj": "经济和信息化"})
    for response in (by_type_and_id, by_name):
        assert [r.action for r in response.context["page"].object_list] == [Action.DEPARTMENT_CHANGED]


def test_filtering_by_date_range(auditor_client, record_at):
    now = timezone.now()
    record_at(now - timedelta(days=10), username="old")
    record_at(now - timedelta(days=2), username="recent")
    today = timezone.localdate()
    page = auditor_client.get(
        URL, {"date_from": (today - timedelta(days=3)).isoformat(), "date_to": today.isoformat()}
    ).context["page"]
    assert "old" not in [r.username for r in page.object_list]
    assert "recent" in [r.username for r in page.object_list]


def test_an_inverted_date_range_is_explained(auditor_client):
    html = auditor_client.get(URL, {"date_from": "2026-05-01", "date_to": "2026-04-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in html


def test_the_log_is_paginated_newest_first(auditor_client):
    created = [audit_record(action=Action.RECORD_CREATED, username=f"u{i}") for i in range(120)]
    first = auditor_client.get(URL, {"action": Action.RECORD_CREATED}).context["page"]
    third = auditor_client.get(URL, {"action": Action.RECORD_CREATED, "page": 3}).context["page"]
    assert first.paginator.num_pages == 3
    assert first.object_list[0].username == "u119"
    assert [r.username for r in third.object_list] == [r.username for r in reversed(created[:20])]


def test_the_readers_own_visit_is_the_newest_row(auditor_client):
    page = auditor_client.get(URL).context["page"]
    assert (page.object_list[0].action, page.object_list[0].username) == (Action.AUDIT_VIEWED, "shenji")


def test_the_verify_button_reports_an_intact_log(auditor_client, login_history):
    response = auditor_client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "审计日志完整" in html
    assert "<html" not in html  # a fragment for htmx
    entry = AuditLog.objects.filter(action=Action.AUDIT_VIEWED).get()
    assert entry.detail["operation"] == "verify"
    assert entry.detail["ok"] is True


def test_the_verify_button_names_a_tampered_row(auditor_client, login_history):
    tamper_sql("UPDATE core_auditlog SET ip = '1.2.3.4' WHERE seq = 2")
    html = auditor_client.post("/audit/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "审计日志校验失败:第 2 条" in html


def test_the_verify_button_without_htmx_redirects_with_a_message(auditor_client, login_history):
    response = auditor_client.post("/audit/verify/", follow=True)
    assert "审计日志完整" in response.content.decode()


def test_exporting_the_filtered_log_is_audited(auditor_client, login_history):
    response = auditor_client.get("/audit/export/", {"action": Action.LOGIN, "user": "wangwu"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "时间", "用户", "IP", "操作")
    assert [(r[2], r[4]) for r in rows[1:]] == [("wangwu", "登录")]
    export = AuditLog.objects.get(action=Action.EXPORT)
    assert export.username == "shenji"
    assert export.detail == {
        "export": "audit_log",
        "filters": {"user": "wangwu", "action": Action.LOGIN},
        "rows": 1,
    }


def test_a_formula_typed_into_an_object_name_is_exported_as_text(auditor_client, make_user):
    audit_record(action=Action.RECORD_UPDATED, username='=HYPERLINK("http://evil","x")')
    sheet = load_workbook(io.BytesIO(b"".join(auditor_client.get("/audit/export/").streaming_content))).worksheets[0]
    cell = sheet.cell(row=2, column=3)
    assert cell.value == '=HYPERLINK("http://evil","x")'
    assert cell.data_type == "s"


def test_an_export_with_an_invalid_filter_exports_nothing(auditor_client, login_history):
    response = auditor_client.get("/audit/export/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 302
    assert not AuditLog.objects.filter(action=Action.EXPORT).exists()


def test_an_export_over_the_limit_is_refused(auditor_client, login_history, monkeypatch):
    monkeypatch.setattr("yingshang.core.views_audit.AUDIT_EXPORT_LIMIT", 2)
    response = auditor_client.get("/audit/export/", follow=True)
    assert "超过单次导出上限 2 条" in response.content.decode()
    assert not AuditLog.objects.filter(action=Action.EXPORT).exists()
