"""Adapters for the service guides and the policy library, reached only through those apps' selectors.

- Service guides: `yingshang.govservices.selectors.guide_documents()` yields each active item's 办事指南 (item_id,
  title, code, department, text, url, updated_at); collection 政务服务.
- Policies: expected as `yingshang.policies.selectors.policies_for_knowledge_base()`, yielding for every published
  policy an object or dict with `key`, `title`, `doc_number`, `issuer`, `issued_on`, `valid_until`, `text`, `url`,
  `updated_at` and optionally `sections` [(clause path, text)] for its structured conditions; collection 惠企政策.
  Until that function exists the policy source is simply not offered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from yingshang.govservices import selectors as govservice_selectors
from yingshang.policies import selectors as policy_selectors

from .sources import KnowledgeSource, SourceDocument, validity_label


def _field(item: Any, name: str, default: Any = "") -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


class ServiceGuideSource:
    name = "service"
    label = "办事指南"

    def __init__(self, listing: Callable[[], Iterable[Any]]) -> None:
        self._listing = listing

    def _to_source(self, guide: Any) -> SourceDocument:
        return SourceDocument(
            source=self.name,
            key=str(guide.item_id),
            title=f"{guide.title}办事指南",
            text=guide.text,
            issuer=guide.department,
            validity="现行有效",
            url=guide.url,
            updated_at=guide.updated_at,
            collection_code="zhengwu",
        )

    def documents(self) -> Iterator[SourceDocument]:
        for guide in self._listing():
            yield self._to_source(guide)

    def document(self, key: str) -> SourceDocument | None:
        return next((d for d in self.documents() if d.key == key), None)


class PolicySource:
    name = "policy"
    label = "惠企政策库"

    def __init__(self, listing: Callable[[], Iterable[Any]]) -> None:
        self._listing = listing

    def _to_source(self, item: Any) -> SourceDocument:
        valid_until = _field(item, "valid_until", None)
        issued_on = _field(item, "issued_on", None)
        return SourceDocument(
            source=self.name,
            key=str(_field(item, "key")),
            title=str(_field(item, "title")),
            text=str(_field(item, "text") or ""),
            doc_number=str(_field(item, "doc_number") or ""),
            issuer=str(_field(item, "issuer") or ""),
            issued_on=issued_on if isinstance(issued_on, date) else None,
            validity=validity_label(valid_until if isinstance(valid_until, date) else None),
            url=str(_field(item, "url") or ""),
            updated_at=_field(item, "updated_at", None),
            collection_code="huiqi",
            sections=tuple((str(p), str(t)) for p, t in (_field(item, "sections", ()) or ())),
        )

    def documents(self) -> Iterator[SourceDocument]:
        for item in self._listing():
            yield self._to_source(item)

    def document(self, key: str) -> SourceDocument | None:
        return next((d for d in self.documents() if d.key == key), None)


def available_sources() -> list[KnowledgeSource]:
    found: list[KnowledgeSource] = []
    guides = getattr(govservice_selectors, "guide_documents", None)
    if callable(guides):
        found.append(ServiceGuideSource(guides))
    policies = getattr(policy_selectors, "policies_for_knowledge_base", None)
    if callable(policies):
        found.append(PolicySource(policies))
    return found
