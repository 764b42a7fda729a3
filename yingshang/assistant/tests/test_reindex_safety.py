"""Re-indexing while staff change the knowledge base: nothing deleted comes back, nothing is indexed twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from yingshang.assistant import index, services
from yingshang.assistant.answers import answer_question
from yingshang.assistant.models import AnswerMode, KnowledgeChunk
from yingshang.assistant.sources import KnowledgeSource, SourceDocument, UploadedDocumentSource

QUESTION = "个人创业担保贷款最高能贷多少?"


@pytest.mark.django_db
def test_a_document_deleted_while_a_rebuild_reads_the_sources_stays_out_of_answers(
    loan_rules, coordinator, monkeypatch
):
    class DeletingWhileRead(UploadedDocumentSource):
        def documents(self) -> Iterator[SourceDocument]:
            docs = list(super().documents())
            # Staff delete the document after the rebuild has read it and before it writes.
            services.document_delete(document=loan_rules, by=coordinator)
            yield from docs

    def sources() -> list[KnowledgeSource]:
        return [DeletingWhileRead()]

    monkeypatch.setattr(index, "all_sources", sources)
    index.rebuild_all()
    assert not KnowledgeChunk.objects.filter(document_id=loan_rules.pk).exists()
    assert answer_question(QUESTION).mode == AnswerMode.REFUSED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every write transaction")
@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_at_once_leave_each_passage_once(loan_rules, monkeypatch):
    single = KnowledgeChunk.objects.count()
    bump = index.bump_version

    def slow_bump() -> None:
        time.sleep(0.5)  # hold the first writer's transaction open, so the second one overlaps it
        bump()

    monkeypatch.setattr(index, "bump_version", slow_bump)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def rebuild() -> Any:
        try:
            start.wait()
            index.rebuild_all()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rebuild) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert KnowledgeChunk.objects.count() == single
    assert answer_question(QUESTION).mode == AnswerMode.EXTRACTIVE
