"""The persisted index (chunk rows with their tokens) and the in-process retrieval index built from it.

Writers replace one source document's chunks and bump `IndexState.version` in the same transaction. Readers keep
one `RetrievalIndex` per process, keyed by that version: a query costs one indexed read of the version, and the
first query after a change rebuilds the BM25 matrix from the stored tokens (no re-tokenizing)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from .chunking import chunk_text
from .models import DictionaryTerm, IndexState, KnowledgeChunk, KnowledgeDocument, SynonymGroup
from .retrieval import DenseRetriever, IndexedChunk, RetrievalIndex
from .sources import SourceDocument, all_sources
from .textproc import ChineseTokenizer, Vocabulary

_lock = threading.Lock()
_tokenizer: tuple[tuple[tuple[str, ...], tuple[str, ...]], ChineseTokenizer] | None = None
_index: RetrievalIndex | None = None
# Set by an installation that has an embedding model (see retrieval.DenseRetriever); fused with BM25 when set.
_dense: DenseRetriever | None = None


def set_dense_retriever(retriever: DenseRetriever | None) -> None:
    global _dense, _index
    with _lock:
        _dense = retriever
        _index = None


def current_vocabulary() -> Vocabulary:
    return Vocabulary(
        terms=list(DictionaryTerm.objects.order_by("word").values_list("word", flat=True)),
        synonyms=[g.word_list() for g in SynonymGroup.objects.order_by("id")],
    )


def tokenizer() -> ChineseTokenizer:
    """The tokenizer for the current dictionary and synonyms; rebuilt only when they change."""
    global _tokenizer
    vocabulary = current_vocabulary()
    key = (tuple(vocabulary.terms), tuple("/".join(g) for g in vocabulary.synonyms))
    with _lock:
        if _tokenizer is None or _tokenizer[0] != key:
            _tokenizer = (key, ChineseTokenizer(vocabulary))
        return _tokenizer[1]


def index_token() -> str:
    token = IndexState.objects.order_by("pk").values_list("token", flat=True).first()
    return token or ""


def lock_writers() -> None:
    """Serialise index writers (call first inside their transaction): the IndexState row is their lock.

    Without it, two rebuilds on PostgreSQL each delete the rows they can see and insert their own, leaving every
    chunk twice; and a rebuild that read the sources before a document was deleted would put it back. Taking this
    lock before any other row lock keeps writers from deadlocking each other. SQLite serialises writes anyway."""
    if not list(IndexState.objects.select_for_update().order_by("pk").values_list("pk", flat=True)[:1]):
        IndexState.objects.create(version=1, token=uuid.uuid4().hex)
        list(IndexState.objects.select_for_update().order_by("pk").values_list("pk", flat=True)[:1])


def bump_version() -> None:
    token = uuid.uuid4().hex
    updated = IndexState.objects.update(version=F("version") + 1, token=token)
    if not updated:
        IndexState.objects.create(version=1, token=token)


def chunk_source_document(doc: SourceDocument) -> list[tuple[str, str]]:
    pieces = [(c.clause_path, c.text) for c in chunk_text(doc.text, title=doc.title)] if doc.text.strip() else []
    pieces.extend((path, text) for path, text in doc.sections if text.strip())
    return pieces


def _chunk_rows(doc: SourceDocument, tok: ChineseTokenizer, document_id: int | None) -> list[KnowledgeChunk]:
    rows = []
    for seq, (path, text) in enumerate(chunk_source_document(doc), start=1):
        tokens = tok.index_tokens(f"{doc.title}\n{path}\n{text}")
        rows.append(
            KnowledgeChunk(
                source=doc.source,
                source_key=doc.key,
                document_id=document_id,
                collection_code=doc.collection_code,
                seq=seq,
                title=doc.title[:200],
                doc_number=doc.doc_number[:100],
                issuer=doc.issuer[:100],
                issued_on=doc.issued_on,
                validity=doc.validity[:100],
                clause_path=path[:500],
                text=text,
                url=doc.url[:500],
                tokens=" ".join(tokens),
                source_updated_at=doc.updated_at,
            )
        )
    return rows


@transaction.atomic
def index_source_document(doc: SourceDocument, *, document_id: int | None = None) -> int:
    """Replace the chunks of one source document; returns how many it now has."""
    lock_writers()
    rows = _chunk_rows(doc, tokenizer(), document_id)
    KnowledgeChunk.objects.filter(source=doc.source, source_key=doc.key).delete()
    KnowledgeChunk.objects.bulk_create(rows, batch_size=500)
    bump_version()
    return len(rows)


@transaction.atomic
def remove_source_document(*, source: str, key: str) -> None:
    lock_writers()
    KnowledgeChunk.objects.filter(source=source, source_key=key).delete()
    bump_version()


@dataclass(frozen=True)
class RebuildStats:
    documents: int
    chunks: int
    seconds: float


@transaction.atomic
def rebuild_all() -> RebuildStats:
    """Re-chunk and re-tokenize every source (after a dictionary or synonym change, or to pick up other apps'
    documents); documents a source no longer publishes leave the index.

    The sources are read under the writers' lock, so a document deleted meanwhile waits for the rebuild and is
    then removed, never brought back."""
    started = time.perf_counter()
    lock_writers()
    tok = tokenizer()
    documents = 0
    rows: list[KnowledgeChunk] = []
    for source in all_sources():
        for doc in source.documents():
            document_id = int(doc.key) if doc.source == "upload" else None
            rows.extend(_chunk_rows(doc, tok, document_id))
            documents += 1
    # Belt and braces where the lock is a no-op (SQLite): an upload deleted while the sources were read stays out.
    uploaded = {r.document_id for r in rows if r.document_id is not None}
    alive = set(KnowledgeDocument.objects.filter(pk__in=uploaded).values_list("pk", flat=True))
    rows = [r for r in rows if r.document_id is None or r.document_id in alive]
    KnowledgeChunk.objects.all().delete()
    KnowledgeChunk.objects.bulk_create(rows, batch_size=500)
    bump_version()
    seconds = time.perf_counter() - started
    IndexState.objects.update(last_full_build_seconds=seconds)
    return RebuildStats(documents=documents, chunks=len(rows), seconds=seconds)


def _load(version: str) -> RetrievalIndex:
    chunks = [
        IndexedChunk(
            id=row.pk,
            tokens=tuple(row.tokens.split()),
            text=row.text,
            title=row.title,
            clause_path=row.clause_path,
            doc_number=row.doc_number,
            issuer=row.issuer,
            issued_on=row.issued_on,
            validity=row.validity,
            url=row.url,
            source=row.source,
            source_key=row.source_key,
            collection_code=row.collection_code,
            document_id=row.document_id,
        )
        for row in KnowledgeChunk.objects.order_by("pk").iterator(chunk_size=2000)
    ]
    index = RetrievalIndex(chunks, tokenizer(), version=version)
    index.dense = _dense
    return index


def retrieval_index() -> RetrievalIndex:
    global _index
    version = index_token()
    current = _index
    if current is not None and current.version == version:
        return current
    with _lock:
        if _index is not None and _index.version == version:
            return _index
    built = _load(version)
    with _lock:
        _index = built
    return built


def forget_cached_index() -> None:
    """For tests: drop this process's index so the next query rebuilds it."""
    global _index
    with _lock:
        _index = None
