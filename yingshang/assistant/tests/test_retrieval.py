"""Retrieval: BM25 over jieba tokens with synonyms and phrase boosting, the coverage that decides a refusal, the
optional dense retriever fused by reciprocal rank, and the index cache following the stored version."""

from __future__ import annotations

from typing import Any

import pytest

from yingshang.assistant import index, services
from yingshang.assistant.chunking import chunk_text
from yingshang.assistant.models import KnowledgeChunk
from yingshang.assistant.retrieval import IndexedChunk, RetrievalIndex, rrf_fuse
from yingshang.assistant.sources import SourceDocument
from yingshang.assistant.textproc import ChineseTokenizer, Vocabulary

from .conftest import LOAN_RULES


@pytest.fixture(scope="module")
def tokenizer() -> ChineseTokenizer:
    return ChineseTokenizer()


@pytest.fixture(scope="module")
def loan_index(tokenizer: ChineseTokenizer) -> RetrievalIndex:
    chunks = [
        IndexedChunk(id=i, tokens=tuple(tokenizer.index_tokens(f"{c.clause_path}\n{c.text}")), text=c.text)
        for i, c in enumerate(chunk_text(LOAN_RULES), start=1)
    ]
    return RetrievalIndex(chunks, tokenizer)


def test_search_mode_keeps_the_long_word_and_its_parts(tokenizer):
    words = tokenizer.words("个人创业担保贷款最高能贷多少?")
    assert "创业担保贷款" in words and "担保" in words and "贷款" in words
    assert "多少" not in words and "?" not in words


def test_a_custom_word_is_kept_whole_only_where_it_was_added():
    plain = ChineseTokenizer()
    custom = ChineseTokenizer(Vocabulary(terms=["东好办"]))
    assert "东好办" in custom.words("东好办平台")
    assert "东好办" not in plain.words("东好办平台")
    assert "东好办" not in ChineseTokenizer().words("东好办平台")


def test_the_best_clause_comes_first(loan_index):
    hits = loan_index.search("小微企业创业担保贷款贴息比例")
    assert hits[0].chunk.text.startswith("第三条")
    assert hits[0].coverage > 0.8


def test_a_synonym_counts_as_the_word(loan_index):
    hits = loan_index.search("小微企业利息补贴")
    assert hits[0].chunk.text.startswith("第三条")
    assert "贴息" in hits[0].matched


def test_adjacent_question_words_found_together_rank_higher(tokenizer):
    together = IndexedChunk(1, tuple(tokenizer.index_tokens("申请贷款期限最长3年。")), "申请贷款期限最长3年。")
    apart = IndexedChunk(
        2, tuple(tokenizer.index_tokens("贷款发放后,申请展期的期限另行规定。")), "贷款发放后,申请展期的期限另行规定。"
    )
    index_ = RetrievalIndex([apart, together], tokenizer)
    assert index_.search("贷款期限")[0].chunk.id == 1


def test_unknown_words_weigh_most_so_an_off_topic_question_has_low_coverage(loan_index):
    hits = loan_index.search("护照办理材料")
    assert all(h.coverage < 0.55 for h in hits)


def test_reciprocal_rank_fusion_prefers_ids_ranked_high_in_both_lists():
    assert rrf_fuse([[1, 2, 3], [2, 9, 1]])[:3] == [2, 1, 9]


class StubDense:
    """A test double of an embedding retriever: knows that 本条 2 is about 额度 although it shares no word."""

    def __init__(self, ranking: list[tuple[int, float]]) -> None:
        self.ranking = ranking
        self.calls: list[str] = []

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        self.calls.append(query)
        return self.ranking[:k]


def test_dense_results_are_fused_with_bm25(tokenizer):
    chunks = [
        IndexedChunk(1, tuple(tokenizer.index_tokens("贷款额度最高30万元。")), "贷款额度最高30万元。"),
        IndexedChunk(2, tuple(tokenizer.index_tokens("个人最多可借三十万。")), "个人最多可借三十万。"),
        IndexedChunk(3, tuple(tokenizer.index_tokens("企业登记注册要求。")), "企业登记注册要求。"),
    ]
    idx = RetrievalIndex(chunks, tokenizer)
    assert [h.chunk.id for h in idx.search("贷款额度")] == [1]
    idx.dense = StubDense([(2, 0.9), (1, 0.8)])
    fused = [h.chunk.id for h in idx.search("贷款额度")]
    assert fused[:2] == [1, 2]
    assert idx.dense.calls == ["贷款额度"]


@pytest.mark.django_db
def test_the_cached_index_follows_the_stored_version(loan_rules, coordinator, django_capture_on_commit_callbacks):
    first = index.retrieval_index()
    assert index.retrieval_index() is first  # no change, no rebuild
    with django_capture_on_commit_callbacks(execute=True):
        services.document_reindex(document=loan_rules, by=coordinator)
    second = index.retrieval_index()
    assert second is not first
    assert len(second.chunks) == KnowledgeChunk.objects.count()


@pytest.mark.django_db
def test_a_dense_retriever_installed_at_runtime_is_used(loan_rules):
    stub = StubDense([])
    index.set_dense_retriever(stub)
    try:
        index.retrieval_index().search("个人创业担保贷款")
    finally:
        index.set_dense_retriever(None)
    assert stub.calls == ["个人创业担保贷款"]


class FakeGuides:
    """A source adapter double, as the service-guide adapter is: documents by key, gone when withdrawn."""

    name = "service"
    label = "办事指南"

    def __init__(self) -> None:
        self.docs = {
            "7": SourceDocument(
                source="service",
                key="7",
                title="个体工商户设立登记办事指南",
                text="第一条 申请材料:身份证明、经营场所证明。\n第二条 承诺办结时限:1个工作日。",
                url="/govservices/guide/7/",
                collection_code="zhengwu",
            )
        }

    def documents(self) -> Any:
        return iter(self.docs.values())

    def document(self, key: str) -> SourceDocument | None:
        return self.docs.get(key)


@pytest.mark.django_db
def test_an_external_source_is_indexed_on_change_and_dropped_when_withdrawn(monkeypatch):
    from yingshang.assistant import sources_external
    from yingshang.assistant.answers import answer_question

    guides = FakeGuides()
    monkeypatch.setattr(sources_external, "available_sources", lambda: [guides])
    services.source_document_sync(source="service", key="7")
    result = answer_question("个体工商户设立登记承诺办结时限")
    assert result.citations[0].title == "个体工商户设立登记办事指南"
    assert "1个工作日" in result.citations[0].key_sentence
    assert result.citations[0].url.startswith("/govservices/guide/7/#c")

    del guides.docs["7"]
    services.source_document_sync(source="service", key="7")
    assert not KnowledgeChunk.objects.filter(source="service").exists()
    assert answer_question("个体工商户设立登记承诺办结时限").mode == "refused"
