"""Retrieval over chunks: BM25 (bm25s) on jieba search-mode tokens, synonym expansion, phrase boosting, a coverage
score that decides whether anything relevant was found, and optional dense retrieval fused by reciprocal rank.

Framework-free: `RetrievalIndex` is built from `IndexedChunk`s, which the site loads from the database and the
benchmark synthesises, so both measure the same code."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import bm25s
import numpy as np

from .textproc import ChineseTokenizer, QueryTerm, to_halfwidth

# BM25 candidates re-ranked with coverage and phrase matches.
CANDIDATES = 60
# Below this share of the question's weighted terms found in the best passage, the assistant says it found nothing.
MIN_COVERAGE = 0.55
# Reciprocal-rank fusion constant (the usual 60).
RRF_K = 60


@dataclass(frozen=True)
class IndexedChunk:
    id: int
    tokens: tuple[str, ...]
    text: str
    title: str = ""
    clause_path: str = ""
    doc_number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    validity: str = ""
    url: str = ""
    source: str = ""
    source_key: str = ""
    collection_code: str = ""
    document_id: int | None = None


@dataclass
class Hit:
    chunk: IndexedChunk
    score: float
    coverage: float
    matched: list[str] = field(default_factory=list)


class DenseRetriever(Protocol):
    """An optional embedding search (e.g. a model shipped inside its wheel). Returns (chunk id, similarity)."""

    def search(self, query: str, k: int) -> list[tuple[int, float]]: ...


def rrf_fuse(rankings: Sequence[Sequence[int]], *, k: int = RRF_K) -> list[int]:
    """Reciprocal-rank fusion of ranked id lists: ids ranked high in any list come first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores, key=lambda cid: (-scores[cid], cid))


class RetrievalIndex:
    def __init__(self, chunks: Sequence[IndexedChunk], tokenizer: ChineseTokenizer, *, version: str = "") -> None:
        self.version = version
        self.tokenizer = tokenizer
        self.chunks = list(chunks)
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self.token_sets = [frozenset(c.tokens) for c in self.chunks]
        self.texts = [to_halfwidth(c.text).lower() for c in self.chunks]
        self.bm25 = bm25s.BM25()
        self.vocab: dict[str, int] = {}
        if self.chunks:
            # An empty chunk (all stop words) still needs one token for bm25s.
            corpus = [list(c.tokens) or ["_"] for c in self.chunks]
            self.bm25.index(corpus, show_progress=False)
            self.vocab = dict(self.bm25.vocab_dict)
        df: dict[str, int] = {}
        for tokens in self.token_sets:
            for token in tokens:
                df[token] = df.get(token, 0) + 1
        self.df = df
        self.dense: DenseRetriever | None = None

    def idf(self, token: str) -> float:
        n = len(self.chunks) or 1
        d = self.df.get(token, 0)
        return math.log(1 + (n - d + 0.5) / (d + 0.5))

    def _term_weight(self, term: QueryTerm) -> float:
        # A term the corpus has never seen weighs as much as the rarest; a synonym's rarity counts too.
        return max(self.idf(form) for form in term.forms())

    def _bm25_scores(self, terms: list[QueryTerm]) -> np.ndarray:
        query = [form for term in terms for form in term.forms() if form in self.vocab]
        if not query:
            return np.zeros(len(self.chunks), dtype="float32")
        return np.asarray(self.bm25.get_scores(query), dtype="float32")

    def coverage(self, terms: list[QueryTerm], index: int) -> tuple[float, list[str]]:
        tokens = self.token_sets[index]
        hits = {term.word: next((form for form in term.forms() if form in tokens), None) for term in terms}
        # Search mode also yields the parts of a long word (利息, 补贴 of 利息补贴); a part is covered when the
        # whole word (or its synonym, 贴息) was found.
        found_words = [w for w, hit in hits.items() if hit is not None]
        total = 0.0
        found = 0.0
        matched: list[str] = []
        for term in terms:
            weight = self._term_weight(term)
            total += weight
            hit = hits[term.word]
            if hit is None and any(term.word in w and term.word != w for w in found_words):
                hit = term.word
            if hit is not None:
                found += weight
                matched.append(hit)
        return (found / total if total else 0.0), matched

    def _phrase_bonus(self, terms: list[QueryTerm], text: str) -> float:
        """Adjacent question words found together in the passage (创业担保 + 贷款 → 创业担保贷款) weigh extra."""
        words = [t.word for t in terms]
        pairs = [a + b for a, b in itertools.pairwise(words)]
        if not pairs:
            return 0.0
        return sum(1 for p in pairs if p in text) / len(pairs)

    def search(self, question: str, *, k: int = 5) -> list[Hit]:
        if not self.chunks:
            return []
        terms = self.tokenizer.query_terms(question)
        if not terms:
            return []
        scores = self._bm25_scores(terms)
        count = min(CANDIDATES, len(self.chunks))
        top = np.argpartition(-scores, count - 1)[:count]
        hits: list[Hit] = []
        for index in top:
            base = float(scores[index])
            if base <= 0:
                continue
            cover, matched = self.coverage(terms, int(index))
            bonus = self._phrase_bonus(terms, self.texts[index])
            hits.append(Hit(self.chunks[index], base * (0.5 + cover) * (1 + 0.3 * bonus), cover, matched))
        hits.sort(key=lambda h: (-h.score, h.chunk.id))
        if self.dense is not None:
            hits = self._fuse_dense(question, terms, hits)
        return hits[:k]

    def _fuse_dense(self, question: str, terms: list[QueryTerm], hits: list[Hit]) -> list[Hit]:
        assert self.dense is not None
        dense_ids = [cid for cid, _ in self.dense.search(question, CANDIDATES) if cid in self.by_id]
        order = rrf_fuse([[h.chunk.id for h in hits], dense_ids])
        known = {h.chunk.id: h for h in hits}
        fused: list[Hit] = []
        for rank, chunk_id in enumerate(order):
            hit = known.get(chunk_id)
            if hit is None:
                index = self.by_id[chunk_id]
                cover, matched = self.coverage(terms, index)
                hit = Hit(self.chunks[index], 0.0, cover, matched)
            # The fused rank decides the order; keep the score monotone with it for display.
            hit.score = float(len(order) - rank)
            fused.append(hit)
        return fused
