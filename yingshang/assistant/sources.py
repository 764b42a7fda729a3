"""Where the knowledge base's documents come from. Each source adapter yields `SourceDocument`s; the indexer chunks
and tokenizes them without knowing their origin.

Sources: documents staff upload (this app), and, when those apps expose them, published policies
(`yingshang.policies.selectors`) and service guides (`yingshang.govservices.selectors`). Other apps are reached
only through their selectors, as the import contracts require."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from django.urls import reverse

from .models import DocumentStatus, KnowledgeDocument


@dataclass(frozen=True)
class SourceDocument:
    source: str
    key: str
    title: str
    text: str
    doc_number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    validity: str = ""
    url: str = ""
    updated_at: datetime | None = None
    collection_code: str = ""
    # Passages the source has already structured (a policy's conditions, a guide's 申请材料), as (clause path, text);
    # indexed as they are, after the chunks of `text`.
    sections: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class KnowledgeSource(Protocol):
    name: str
    label: str

    def documents(self) -> Iterator[SourceDocument]:
        """Every document this source currently publishes."""
        ...

    def document(self, key: str) -> SourceDocument | None:
        """One document by key, or None when it is gone or no longer published."""
        ...


def validity_label(valid_until: date | None, today: date | None = None) -> str:
    if valid_until is None:
        return "长期有效"
    today = today or date.today()
    if valid_until < today:
        return f"已于 {valid_until:%Y-%m-%d} 失效"
    return f"有效期至 {valid_until:%Y-%m-%d}"


class UploadedDocumentSource:
    """Documents staff uploaded into a collection; their text was extracted by the indexing task."""

    name = "upload"
    label = "上传文档"

    def _to_source(self, doc: KnowledgeDocument) -> SourceDocument:
        return SourceDocument(
            source=self.name,
            key=str(doc.pk),
            title=doc.title,
            text=doc.text,
            doc_number=doc.doc_number,
            issuer=doc.issuer,
            issued_on=doc.issued_on,
            validity=validity_label(doc.valid_until),
            url=reverse("assistant:document_read", args=[doc.pk]),
            updated_at=doc.updated_at,
            collection_code=doc.collection.code,
        )

    def documents(self) -> Iterator[SourceDocument]:
        for doc in KnowledgeDocument.objects.select_related("collection").exclude(status=DocumentStatus.FAILED):
            if doc.text:
                yield self._to_source(doc)

    def document(self, key: str) -> SourceDocument | None:
        doc = KnowledgeDocument.objects.select_related("collection").filter(pk=int(key)).first()
        if doc is None or not doc.text:
            return None
        return self._to_source(doc)


def all_sources() -> list[KnowledgeSource]:
    sources: list[KnowledgeSource] = [UploadedDocumentSource()]
    from . import sources_external

    sources.extend(sources_external.available_sources())
    return sources


def source_named(name: str) -> KnowledgeSource | None:
    return next((s for s in all_sources() if s.name == name), None)
