"""智能问答 benchmark: answer quality on the development evaluation set and retrieval speed over 10,000 chunks.

    .venv/bin/python bench/assistant_eval.py [--append docs/benchmarks.md]

Quality is measured on the demo knowledge base (the seed reports, chunked and tokenized exactly as the site does)
with no model: Recall@1/@5 and MRR of the expected clause, key-fact exact match (every expected amount, rate or
limit appears verbatim in the answer a reader sees), refusal precision/recall on the unanswerable questions.
Speed: the same index padded with synthetic chunks to 10,000 (words drawn with the seeds' word frequencies, so
BM25's statistics stay realistic, but no seed sentence copied); retrieval latency p50/p95 per question, index build time
(tokenizing + BM25) and the memory the index takes. The quality figures are also given on the padded index.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from yingshang.assistant.answers import answer_passages, extract_answer  # noqa: E402
from yingshang.assistant.index import chunk_source_document  # noqa: E402
from yingshang.assistant.retrieval import IndexedChunk, RetrievalIndex  # noqa: E402
from yingshang.assistant.sources import SourceDocument  # noqa: E402
from yingshang.assistant.textproc import ChineseTokenizer  # noqa: E402
from yingshang.demo.assistant import DOCS_DIR, DOCUMENTS  # noqa: E402

QUESTIONS = ROOT / "bench" / "assistant_eval" / "questions.jsonl"
TARGET_CHUNKS = 10_000


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def seed_chunks(tokenizer: ChineseTokenizer) -> list[IndexedChunk]:
    chunks: list[IndexedChunk] = []
    for file_name, _collection, title, issuer, _issued in DOCUMENTS:
        doc = SourceDocument(
            source="upload",
            key=Path(file_name).stem,
            title=title,
            issuer=issuer,
            text=(DOCS_DIR / file_name).read_text(),
        )
        for path, text in chunk_source_document(doc):
            chunks.append(
                IndexedChunk(
                    id=len(chunks) + 1,
                    tokens=tuple(tokenizer.index_tokens(f"{title}\n{path}\n{text}")),
                    text=text,
                    title=title,
                    clause_path=path,
                    source_key=doc.key,
                )
            )
    return chunks


def synthetic_texts(real: list[IndexedChunk], count: int, seed: int = 2026) -> list[tuple[str, str]]:
    """Filler passages whose words follow the seeds' word frequencies (so common words stay common and BM25's
    statistics are realistic) but which state no fact of the seeds: no seed sentence is copied."""
    rng = random.Random(seed)
    words = [t for c in real for t in c.tokens if not t.isdigit()]
    out = []
    for i in range(count):
        sentences = []
        for _ in range(rng.randint(3, 8)):
            picked = rng.choices(words, k=rng.randint(6, 14))
            if rng.random() < 0.4:
                picked.insert(
                    rng.randrange(len(picked)), f"{rng.randint(1, 9999)}{rng.choice(['万元', '%', '个', '家', '年'])}"
                )
            sentences.append("".join(picked) + "。")
        out.append((f"合成文档{i // 20 + 1}", f"第{i % 20 + 1}条 " + "".join(sentences)))
    return out


@dataclass
class Quality:
    recall1: float
    recall5: float
    mrr: float
    key_facts: float
    key_facts_sentence: float
    refusal_precision: float
    refusal_recall: float
    answerable: int
    with_facts: int
    unanswerable: int
    misses: list[str]


def evaluate(index: RetrievalIndex, rows: list[dict]) -> Quality:
    r1 = r5 = rr = facts_ok = facts_key = 0.0
    refused_true = refused_pred = refused_both = 0
    answerable = [r for r in rows if r["answerable"]]
    misses = []
    for row in rows:
        terms = index.tokenizer.query_terms(row["question"])
        hits = index.search(row["question"], k=5)
        extract = extract_answer(hits, terms, index, row["question"])
        if not row["answerable"]:
            refused_true += 1
            refused_pred += extract.refused
            refused_both += extract.refused
            continue
        refused_pred += extract.refused
        rank = next(
            (i + 1 for i, h in enumerate(hits) if h.chunk.source_key == row["doc"] and row["clause"] in h.chunk.text),
            None,
        )
        if rank == 1:
            r1 += 1
        if rank is not None:
            r5 += 1
            rr += 1 / rank
        else:
            misses.append(row["id"])
        if row["facts"]:
            shown = answer_passages(extract.text, extract.citations, extract.shown)
            facts_ok += not extract.refused and all(f in shown for f in row["facts"])
            facts_key += not extract.refused and all(f in extract.text for f in row["facts"])
    n = len(answerable)
    with_facts = sum(1 for r in answerable if r["facts"])
    return Quality(
        recall1=r1 / n,
        recall5=r5 / n,
        mrr=rr / n,
        key_facts=facts_ok / with_facts,
        key_facts_sentence=facts_key / with_facts,
        refusal_precision=refused_both / refused_pred if refused_pred else 0.0,
        refusal_recall=refused_both / refused_true if refused_true else 0.0,
        answerable=n,
        with_facts=with_facts,
        unanswerable=refused_true,
        misses=misses,
    )


def check_set(chunks: list[IndexedChunk], rows: list[dict]) -> list[str]:
    """Every expected clause must exist in its document's chunks, or the set itself is wrong."""
    bad = []
    for row in rows:
        if row["answerable"] and not any(c.source_key == row["doc"] and row["clause"] in c.text for c in chunks):
            bad.append(row["id"])
    return bad


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--append", type=Path, help="append the result table to this markdown file")
    args = parser.parse_args()
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]

    tokenizer = ChineseTokenizer()
    real = seed_chunks(tokenizer)
    bad = check_set(real, rows)
    if bad:
        raise SystemExit(f"评测集中这些问题的期望条款不在文档中: {bad}")
    small = RetrievalIndex(real, tokenizer)
    quality = evaluate(small, rows)

    # Padded to 10,000 chunks: tokenizing and indexing timed, memory taken as the RSS growth.
    extra = synthetic_texts(real, TARGET_CHUNKS - len(real))
    gc.collect()
    rss_before = _rss_mb()
    started = time.perf_counter()
    padded = list(real)
    for title, text in extra:
        padded.append(
            IndexedChunk(
                id=len(padded) + 1, tokens=tuple(tokenizer.index_tokens(f"{title}\n{text}")), text=text, title=title
            )
        )
    tokenize_s = time.perf_counter() - started
    started = time.perf_counter()
    big = RetrievalIndex(padded, tokenizer)
    index_s = time.perf_counter() - started
    gc.collect()
    rss_after = _rss_mb()
    big_quality = evaluate(big, rows)

    timings = []
    for _ in range(5):
        for row in rows:
            t = time.perf_counter()
            big.search(row["question"], k=5)
            timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]

    lines = [
        f"### 智能问答 evaluation ({date.today():%Y-%m-%d}, {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs)",
        "",
        f"Set: `bench/assistant_eval/questions.jsonl`, {quality.answerable} answerable + {quality.unanswerable} "
        f"unanswerable questions written from the seed reports; no LLM (extractive answers).",
        "",
        f"| Metric | Seed index ({len(real)} chunks) | Padded index ({len(padded)} chunks) | Target |",
        "|---|---|---|---|",
        f"| Recall@1 | {quality.recall1:.3f} | {big_quality.recall1:.3f} | |",
        f"| Recall@5 | {quality.recall5:.3f} | {big_quality.recall5:.3f} | ≥ 0.9 |",
        f"| MRR | {quality.mrr:.3f} | {big_quality.mrr:.3f} | |",
        f"| Key-fact exact match ({quality.with_facts} questions with facts) | {quality.key_facts:.3f} | {big_quality.key_facts:.3f} | ≥ 0.85 |",
        f"| Key facts in the highlighted sentence(s) alone | {quality.key_facts_sentence:.3f} | "
        f"{big_quality.key_facts_sentence:.3f} | |",
        f"| Refusal precision | {quality.refusal_precision:.3f} | {big_quality.refusal_precision:.3f} | |",
        f"| Refusal recall | {quality.refusal_recall:.3f} | {big_quality.refusal_recall:.3f} | ≥ 0.8 |",
        f"| Retrieval p50 / p95 (ms) | | {p50:.2f} / {p95:.2f} | p95 ≤ 50 |",
        f"| Index build: tokenize / BM25 (s) | | {tokenize_s:.1f} / {index_s:.2f} | |",
        f"| Index memory (RSS growth, MB) | | {rss_after - rss_before:.0f} | |",
        "",
        f"Missed at @5 (seed index): {', '.join(quality.misses) or '—'}.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write("\n" + report)


if __name__ == "__main__":
    main()
