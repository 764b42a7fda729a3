"""The pages: asking (public), rating one's own answer, staff managing documents, FAQ and the question log."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from yingshang.accounts.roles import Role
from yingshang.assistant.models import DocumentStatus, FaqEntry, Feedback, KnowledgeDocument, Question

pytestmark = pytest.mark.django_db


def test_anyone_can_ask_and_sees_the_clause_and_citation(loan_rules):
    page = Client().post(reverse("assistant:ask"), {"q": "个人创业担保贷款最高能贷多少?"}).content.decode()
    assert '<mark data-testid="key-sentence">第二条 个人创业者最高可申请30万元创业担保贷款' in page
    assert "东人社发〔2025〕3号" in page
    assert reverse("assistant:document_read", args=[loan_rules.pk]) in page


def test_the_refusal_offers_the_department_phone(loan_rules):
    page = Client().post(reverse("assistant:ask"), {"q": "办理护照需要带什么材料?"}).content.decode()
    assert "未找到政策依据" in page and "07242345678" in page


def test_an_empty_question_gets_a_chinese_error():
    response = Client().post(reverse("assistant:ask"), {"q": "  "})
    assert response.status_code == 400 and "请输入问题" in response.content.decode()
    streamed = Client().post(reverse("assistant:ask"), {"q": ""}, HTTP_ACCEPT="text/event-stream")
    assert streamed.status_code == 400 and "请输入问题" in streamed.content.decode()


def test_the_asker_rates_their_answer_and_nobody_else_can(loan_rules, client_as):
    visitor = Client()
    visitor.post(reverse("assistant:ask"), {"q": "个人创业担保贷款最高能贷多少?"})
    question = Question.objects.get()
    assert Client().post(reverse("assistant:feedback", args=[question.pk]), {"value": "down"}).status_code == 404
    assert (
        client_as(Role.ENTERPRISE)
        .post(reverse("assistant:feedback", args=[question.pk]), {"value": "down"})
        .status_code
        == 404
    )
    response = visitor.post(reverse("assistant:feedback", args=[question.pk]), {"value": "up"})
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.feedback == Feedback.UP


def test_a_signed_in_users_question_is_kept_under_their_account(loan_rules, client_as):
    client = client_as(Role.ENTERPRISE)
    client.post(reverse("assistant:ask"), {"q": "我公司能享受创业担保贷款吗"})
    question = Question.objects.get()
    assert question.asked_by == client.user and question.session_key == ""
    assert client.post(reverse("assistant:feedback", args=[question.pk]), {"value": "down"}).status_code == 200


def test_staff_upload_a_document_and_it_is_indexed(client_as, collection_renshe, django_capture_on_commit_callbacks):
    client = client_as(Role.COORDINATOR)
    upload = SimpleUploadedFile(
        "rules.html", "<h1>第一条 稳岗返还</h1><p>稳岗返还比例为单位缴纳失业保险费的60%。</p>".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assistant:documents"),
            {"collection": collection_renshe.pk, "title": "稳岗返还办法", "file": upload},
        )
    assert response.status_code == 302
    document = KnowledgeDocument.objects.get()
    assert document.status == DocumentStatus.INDEXED and document.chunk_count == 1
    answer = Client().post(reverse("assistant:ask"), {"q": "稳岗返还比例是多少"}).content.decode()
    assert "60%" in answer


def test_markup_in_an_uploaded_document_is_shown_as_text_in_answers_and_reading(
    client_as, collection_renshe, django_capture_on_commit_callbacks
):
    hostile = "第一条 稳岗返还比例为60%。<img src=x onerror=alert(1)>稳岗返还按年度发放。"
    with django_capture_on_commit_callbacks(execute=True):
        client_as(Role.COORDINATOR).post(
            reverse("assistant:documents"),
            {
                "collection": collection_renshe.pk,
                "title": "稳岗<b>返还</b>",
                "file": SimpleUploadedFile("a.txt", hostile.encode()),
            },
        )
    document = KnowledgeDocument.objects.get()
    answer = Client().post(reverse("assistant:ask"), {"q": "稳岗返还比例是多少"}).content.decode()
    reading = Client().get(reverse("assistant:document_read", args=[document.pk])).content.decode()
    for page in (answer, reading):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "<b>返还" not in page and "稳岗&lt;b&gt;返还" in page
    assert '<mark data-testid="key-sentence">' in answer


def test_an_oversized_upload_is_refused_before_it_is_read(client_as, collection_renshe, monkeypatch):
    from yingshang.assistant import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 1024 * 1024)
    upload = SimpleUploadedFile("big.txt", "第一条 稳岗返还。".encode() * 100_000)
    response = client_as(Role.COORDINATOR).post(
        reverse("assistant:documents"), {"collection": collection_renshe.pk, "title": "大文件", "file": upload}
    )
    assert response.status_code == 400 and "文件超过 1 MB" in response.content.decode()
    assert not KnowledgeDocument.objects.exists()


def test_a_bad_upload_is_refused_in_chinese_and_nothing_is_saved(client_as, collection_renshe):
    client = client_as(Role.COORDINATOR)
    upload = SimpleUploadedFile("rules.doc", b"binary" * 20)
    response = client.post(
        reverse("assistant:documents"), {"collection": collection_renshe.pk, "title": "旧文件", "file": upload}
    )
    assert response.status_code == 400
    assert "另存为 .docx" in response.content.decode()
    assert not KnowledgeDocument.objects.exists()


def test_staff_turn_a_logged_question_into_faq(loan_rules, client_as):
    Client().post(reverse("assistant:ask"), {"q": "个人创业担保贷款最高能贷多少?"})
    question = Question.objects.get()
    client = client_as(Role.COORDINATOR)
    assert "个人创业担保贷款最高能贷多少" in client.get(reverse("assistant:questions")).content.decode()
    draft = client.get(reverse("assistant:faq_new") + f"?from={question.pk}").content.decode()
    assert "30万元" in draft
    response = client.post(
        reverse("assistant:faq_new"),
        {"question": question.text, "answer": "个人最高30万元。", "is_active": "on"},
    )
    assert response.status_code == 302
    assert FaqEntry.objects.get().answer == "个人最高30万元。"
    again = Client().post(reverse("assistant:ask"), {"q": "个人创业担保贷款最高能贷多少"}).content.decode()
    assert "常见问题" in again and "个人最高30万元。" in again


def test_personal_data_typed_into_a_question_is_masked_in_the_log(loan_rules, client_as):
    question = "我身份证420802199001011234,手机13812345678,邮箱zhangsan@example.com,创业担保贷款能贷多少"
    Client().post(reverse("assistant:ask"), {"q": question})
    log = client_as(Role.COORDINATOR).get(reverse("assistant:questions")).content.decode()
    for raw in ("420802199001011234", "13812345678", "zhangsan@"):
        assert raw not in log
    assert "420802********1234" in log and "138****5678" in log and "z******n@example.com" in log
    assert "创业担保贷款能贷多少" in log


def test_the_reading_page_shows_indexed_documents_only(loan_rules):
    assert Client().get(reverse("assistant:document_read", args=[loan_rules.pk])).status_code == 200
    KnowledgeDocument.objects.filter(pk=loan_rules.pk).update(status=DocumentStatus.FAILED)
    assert Client().get(reverse("assistant:document_read", args=[loan_rules.pk])).status_code == 404


def test_the_api_answers_signed_in_callers(loan_rules, client_as):
    response = client_as(Role.DEPARTMENT_STAFF).post(
        "/api/v1/assistant/ask", {"question": "个人创业担保贷款最高能贷多少?"}, content_type="application/json"
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and body["mode"] == "extractive"
    assert body["citations"][0]["doc_number"] == "东人社发〔2025〕3号"


@pytest.fixture
def one_minute(monkeypatch: Any) -> None:
    """The budget is per clock minute: keep a test from straddling two."""
    from types import SimpleNamespace

    from yingshang.assistant import views_public

    monkeypatch.setattr(views_public, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))


def test_a_flood_of_questions_is_slowed_down(loan_rules, client_as, monkeypatch, one_minute):
    from yingshang.assistant import views_public

    monkeypatch.setattr(views_public, "RATE_PER_USER", 2)
    client = client_as(Role.ENTERPRISE)
    for _ in range(2):
        assert client.post(reverse("assistant:ask"), {"q": "创业担保贷款额度"}).status_code == 200
    response = client.post(reverse("assistant:ask"), {"q": "创业担保贷款额度"})
    assert response.status_code == 429 and "提问太频繁" in response.content.decode()
    assert Question.objects.count() == 2


@pytest.mark.parametrize(
    "backend", ["django.core.cache.backends.filebased.FileBasedCache", "django.core.cache.backends.locmem.LocMemCache"]
)
def test_anonymous_visitors_behind_the_proxy_each_have_their_own_budget(
    loan_rules, settings, tmp_path, monkeypatch, one_minute, backend
):
    """Production runs behind nginx on the file cache (or Redis): the budget must count there, per real client."""
    from yingshang.assistant import views_public

    settings.CACHES = {
        "default": {"BACKEND": backend, "LOCATION": str(tmp_path / "cache")},
        "sessions": settings.CACHES["sessions"],
    }
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    monkeypatch.setattr(views_public, "RATE_PER_ADDRESS", 2)
    flooder = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    codes = [flooder.post(reverse("assistant:ask"), {"q": "创业担保贷款额度"}).status_code for _ in range(3)]
    neighbour = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.9")
    assert codes == [200, 200, 429]
    assert "提问太频繁" in flooder.post(reverse("assistant:ask"), {"q": "创业担保贷款额度"}).content.decode()
    assert neighbour.post(reverse("assistant:ask"), {"q": "创业担保贷款额度"}).status_code == 200
    assert Question.objects.count() == 3


def test_an_enterprise_asking_about_its_own_eligibility_is_pointed_to_its_policy_pack(loan_rules, client_as):
    page = client_as(Role.ENTERPRISE).post(reverse("assistant:ask"), {"q": "我公司能享受创业担保贷款贴息吗"})
    html = page.content.decode()
    assert 'data-testid="eligibility-hint"' in html
    assert reverse("policies:package") in html and reverse("policies:calculator") in html


def test_without_a_model_the_stream_carries_the_answer_then_ends(loan_rules):
    response: Any = Client().post(
        reverse("assistant:ask"), {"q": "个人创业担保贷款最高能贷多少?"}, HTTP_ACCEPT="text/event-stream"
    )
    raw = b"".join(response.streaming_content).decode()
    assert raw.startswith("event: answer\n") and raw.endswith("event: done\ndata: {}\n\n")
    assert "30万元" in raw and "llm_start" not in raw


def test_the_document_list_refreshes_while_indexing(client_as, loan_rules):
    KnowledgeDocument.objects.filter(pk=loan_rules.pk).update(status=DocumentStatus.INDEXING)
    client = client_as(Role.COORDINATOR)
    rows = client.get(reverse("assistant:documents"), HTTP_HX_REQUEST="true").content.decode()
    assert "索引中" in rows and 'hx-trigger="load delay:3s"' in rows and "<html" not in rows


def test_staff_extend_the_dictionary_and_synonyms_with_checks(client_as, django_capture_on_commit_callbacks):
    client = client_as(Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("assistant:vocabulary"), {"kind": "term", "word": "东好办"}).status_code == 302
    bad = client.post(reverse("assistant:vocabulary"), {"kind": "synonym", "words": "贴息"})
    assert bad.status_code == 400 and "至少需要两个不同的词" in bad.content.decode()
    page = client.get(reverse("assistant:vocabulary")).content.decode()
    assert "东好办" in page
