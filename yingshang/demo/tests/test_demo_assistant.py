"""The demo knowledge base: the seed reports are indexed into their fields and answer at once; loading twice
changes nothing."""

from __future__ import annotations

import pytest

from yingshang.assistant.answers import answer_question
from yingshang.assistant.index import forget_cached_index
from yingshang.assistant.models import AnswerMode, Collection, DocumentStatus, KnowledgeChunk, KnowledgeDocument
from yingshang.demo import assistant
from yingshang.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_answers_the_loan_question_and_loading_again_changes_nothing(django_capture_on_commit_callbacks):
    forget_cached_index()
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(enterprise_count=30)
    documents = KnowledgeDocument.objects.all()
    assert documents.count() == len(assistant.DOCUMENTS)
    assert {d.status for d in documents} == {DocumentStatus.INDEXED}
    assert Collection.objects.get(code="renshe").department is not None
    result = answer_question("个人创业担保贷款最高能贷多少?")
    assert result.mode == AnswerMode.EXTRACTIVE
    assert "30万元" in result.citations[0].key_sentence
    assert result.citations[0].title == "荆门市新闻发布到基层·东宝区优化营商环境新闻发布会"

    chunks = list(KnowledgeChunk.objects.order_by("pk").values_list("pk", flat=True))
    line = assistant.load()
    assert "新载入 0 份文档" in line
    assert list(KnowledgeChunk.objects.order_by("pk").values_list("pk", flat=True)) == chunks
