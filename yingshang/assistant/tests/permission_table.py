"""Who may use each URL and API operation of 智能问答; collected by tests/test_permission_walk.py.

The question page, rating one's own answer and reading an indexed document are public (the portal's 7×24 Q&A
robot answers citizens and enterprises without an account). Managing the knowledge base, FAQ and the question log
needs `manage_knowledge` (营商办协调员). The API answers signed-in callers of every role (12345 agents' desk).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from yingshang.accounts.roles import Role

PUBLIC = "public"
ALL = frozenset([*(r.value for r in Role), "enterprise_admin"])
MANAGERS = frozenset({Role.COORDINATOR})

EXPECTED: dict[str, Any] = {
    "assistant:ask": PUBLIC,
    "assistant:feedback": PUBLIC,
    "assistant:document_read": PUBLIC,
    "assistant:documents": MANAGERS,
    "assistant:document_edit": MANAGERS,
    "assistant:document_delete": MANAGERS,
    "assistant:document_reindex": MANAGERS,
    "assistant:collections": MANAGERS,
    "assistant:collection_edit": MANAGERS,
    "assistant:vocabulary": MANAGERS,
    "assistant:term_delete": MANAGERS,
    "assistant:synonym_delete": MANAGERS,
    "assistant:faqs": MANAGERS,
    "assistant:faq_new": MANAGERS,
    "assistant:faq_edit": MANAGERS,
    "assistant:faq_delete": MANAGERS,
    "assistant:questions": MANAGERS,
}

API_EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/assistant/ask"): ALL,
}


def extend_world(world: dict[str, Any]) -> None:
    from yingshang.assistant.models import (
        AnswerMode,
        Collection,
        DictionaryTerm,
        FaqEntry,
        KnowledgeDocument,
        Question,
        SynonymGroup,
    )

    collection = Collection.objects.create(code="walk", name="巡检领域", department=world["department"])
    document = KnowledgeDocument(
        collection=collection,
        title="巡检文档",
        original_name="walk.txt",
        file_kind="txt",
        file_sha256="1" * 64,
        uploaded_by=world["target"],
        status="indexed",
        text="第一条 巡检内容。",
    )
    document.file.save("walk.txt", ContentFile("第一条 巡检内容。".encode()), save=False)
    document.save()
    world["kb_collection"] = collection
    world["kb_document"] = document
    world["kb_faq"] = FaqEntry.objects.create(
        question="巡检问题", normalized="巡检问题", answer="巡检答案", created_by=world["target"]
    )
    world["kb_term"] = DictionaryTerm.objects.create(word="巡检词")
    world["kb_synonym"] = SynonymGroup.objects.create(words="巡检/检查")
    world["kb_question"] = Question.objects.create(text="巡检提问", mode=AnswerMode.REFUSED)


def url_kwargs(name: str, world: dict[str, Any], user: Any) -> dict[str, Any] | None:
    if name in {"assistant:document_edit", "assistant:document_delete", "assistant:document_reindex"}:
        return {"pk": world["kb_document"].pk}
    if name == "assistant:document_read":
        return {"pk": world["kb_document"].pk}
    if name == "assistant:collection_edit":
        return {"pk": world["kb_collection"].pk}
    if name == "assistant:term_delete":
        return {"pk": world["kb_term"].pk}
    if name == "assistant:synonym_delete":
        return {"pk": world["kb_synonym"].pk}
    if name in {"assistant:faq_edit", "assistant:faq_delete"}:
        return {"pk": world["kb_faq"].pk}
    if name == "assistant:feedback":
        return {"pk": world["kb_question"].pk}
    return None


def api_body(method: str, path: str, world: dict[str, Any]) -> dict[str, Any] | None:
    if path == "/api/v1/assistant/ask":
        return {"question": "巡检内容是什么"}
    return None
