"""Answers: the clause quoted exactly with its source, FAQ first, an honest refusal, eligibility pointers."""

from __future__ import annotations

import pytest

from yingshang.assistant import services
from yingshang.assistant.answers import answer_question, asks_own_eligibility
from yingshang.assistant.models import AnswerMode, DocumentStatus, KnowledgeChunk

pytestmark = pytest.mark.django_db


def test_uploading_indexes_the_document_into_clauses(loan_rules):
    assert loan_rules.status == DocumentStatus.INDEXED
    paths = list(KnowledgeChunk.objects.filter(document=loan_rules).values_list("clause_path", flat=True))
    assert any(p.startswith("第二章 贷款额度与贴息 > 第二条") for p in paths)
    chunk = KnowledgeChunk.objects.filter(document=loan_rules, text__startswith="第二条").get()
    assert (chunk.doc_number, chunk.issuer, chunk.title) == (
        "东人社发〔2025〕3号",
        "东宝区人力资源和社会保障局",
        "东宝区创业担保贷款实施细则",
    )


def test_the_amount_is_quoted_exactly_with_its_clause(loan_rules):
    result = answer_question("个人创业担保贷款最高能贷多少?")
    assert result.mode == AnswerMode.EXTRACTIVE
    best = result.citations[0]
    assert best.clause_path.startswith("第二章 贷款额度与贴息 > 第二条")
    assert best.key_sentence.startswith("第二条 个人创业者最高可申请30万元创业担保贷款")
    assert "30万元" in result.text
    assert best.doc_number == "东人社发〔2025〕3号"


def test_synonyms_find_a_clause_written_with_the_other_word(loan_rules):
    result = answer_question("小微企业的利息补贴比例是多少")
    assert result.mode == AnswerMode.EXTRACTIVE
    assert "50%" in result.citations[0].text


def test_a_question_no_document_covers_is_refused_with_contact_and_appeal(loan_rules):
    result = answer_question("办理护照需要带什么材料?")
    assert result.mode == AnswerMode.REFUSED
    assert result.text == "未找到政策依据"
    assert result.citations == []
    assert [(c.department, c.phone) for c in result.contacts] == [("经济和信息化局", "07242345678")]


def test_an_empty_knowledge_base_refuses_rather_than_guessing(db):
    assert answer_question("个人创业担保贷款最高能贷多少?").mode == AnswerMode.REFUSED


def test_a_curated_faq_answers_first_even_with_different_punctuation(loan_rules, coordinator):
    services.faq_save(
        faq=None,
        question="个人创业担保贷款最高能贷多少?",
        answer="个人最高30万元(见细则第二条)。",
        collection=None,
        is_active=True,
        by=coordinator,
    )
    exact = answer_question("个人创业担保贷款 最高能贷多少")
    assert exact.mode == AnswerMode.FAQ and exact.text == "个人最高30万元(见细则第二条)。"
    near = answer_question("个人创业担保贷款最高可以贷多少?")
    assert near.mode == AnswerMode.FAQ
    other = answer_question("小微企业创业担保贷款最高多少")
    assert other.mode == AnswerMode.EXTRACTIVE


def test_an_inactive_faq_is_not_used(loan_rules, coordinator):
    services.faq_save(
        faq=None,
        question="个人创业担保贷款最高能贷多少",
        answer="旧答案",
        collection=None,
        is_active=False,
        by=coordinator,
    )
    assert answer_question("个人创业担保贷款最高能贷多少").mode == AnswerMode.EXTRACTIVE


def test_deleting_a_document_removes_it_from_answers_at_once(loan_rules, coordinator):
    assert answer_question("个人创业担保贷款最高能贷多少?").mode == AnswerMode.EXTRACTIVE
    services.document_delete(document=loan_rules, by=coordinator)
    assert answer_question("个人创业担保贷款最高能贷多少?").mode == AnswerMode.REFUSED


def test_a_new_synonym_is_used_after_the_background_rebuild(
    loan_rules, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.synonym_group_add(words="创业贷/创业担保贷款", by=coordinator)
    result = answer_question("个人创业贷最高多少钱")
    assert result.mode == AnswerMode.EXTRACTIVE
    assert "30万元" in result.citations[0].text


@pytest.mark.parametrize(
    ("question", "expected"),
    [("我公司能享受技改补贴吗", True), ("我们企业符合专精特新条件吗", True), ("技改补贴比例是多少", False)],
)
def test_own_eligibility_questions_are_recognised(question, expected):
    assert asks_own_eligibility(question) is expected


def test_deleting_a_synonym_is_audited_and_the_question_no_longer_expands(
    loan_rules, coordinator, django_capture_on_commit_callbacks
):
    from yingshang.assistant import index
    from yingshang.assistant.models import SynonymGroup
    from yingshang.core.models import AuditLog

    with django_capture_on_commit_callbacks(execute=True):
        services.synonym_group_add(words="创业贷/创业担保贷款", by=coordinator)
    assert "创业担保贷款" in index.tokenizer().synonyms["创业贷"]
    with django_capture_on_commit_callbacks(execute=True):
        services.synonym_group_delete(group=SynonymGroup.objects.get(), by=coordinator)
    assert "创业担保贷款" not in index.tokenizer().synonyms.get("创业贷", set())
    row = AuditLog.objects.filter(action="knowledge_changed").order_by("-seq").first()
    assert row is not None and row.detail == {"操作": "删除同义词", "内容": "创业贷/创业担保贷款"}
