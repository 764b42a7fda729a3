"""Reads of 智能问答. The knowledge base is public-facing (it answers the portal's questions), so readers see
every indexed document; the question log is staff-only, and a visitor may rate only their own answer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import (
    AnswerMode,
    Collection,
    DocumentStatus,
    FaqEntry,
    Feedback,
    KnowledgeChunk,
    KnowledgeDocument,
    Question,
)


def collections_with_counts() -> QuerySet[Collection]:
    return Collection.objects.select_related("department").annotate(document_count=Count("documents"))


def document_list(*, collection: str = "", status: str = "") -> QuerySet[KnowledgeDocument]:
    qs = KnowledgeDocument.objects.select_related("collection", "uploaded_by")
    if collection:
        qs = qs.filter(collection__code=collection)
    if status:
        qs = qs.filter(status=status)
    return qs


def document_get_public(pk: int) -> KnowledgeDocument:
    """An indexed document for the reading page; others (pending, failed, deleted) are 404."""
    document = (
        KnowledgeDocument.objects.select_related("collection").filter(pk=pk, status=DocumentStatus.INDEXED).first()
    )
    if document is None:
        raise Http404
    return document


def document_chunks(document: KnowledgeDocument) -> QuerySet[KnowledgeChunk]:
    return KnowledgeChunk.objects.filter(document=document).order_by("seq")


def question_list(*, filter_by: str = "") -> QuerySet[Question]:
    qs = Question.objects.select_related("asked_by", "faq")
    if filter_by == "down":
        qs = qs.filter(feedback=Feedback.DOWN)
    elif filter_by == "up":
        qs = qs.filter(feedback=Feedback.UP)
    elif filter_by == "refused":
        qs = qs.filter(mode=AnswerMode.REFUSED)
    elif filter_by == "llm_rejected":
        qs = qs.exclude(llm_outcome="").exclude(llm_outcome="verified")
    return qs


def question_stats() -> dict[str, Any]:
    return Question.objects.aggregate(
        total=Count("id"),
        refused=Count("id", filter=Q(mode=AnswerMode.REFUSED)),
        up=Count("id", filter=Q(feedback=Feedback.UP)),
        down=Count("id", filter=Q(feedback=Feedback.DOWN)),
        faq=Count("id", filter=Q(mode=AnswerMode.FAQ)),
    )


def question_for_asker(*, pk: int, user: Any, session_key: str | None) -> Question:
    """The asker's own question (by account, or by session for anonymous visitors); anyone else gets 404."""
    question = Question.objects.filter(pk=pk).first()
    if question is None:
        raise Http404
    if user is not None and getattr(user, "is_authenticated", False):
        if question.asked_by_id == user.pk:
            return question
    elif question.asked_by_id is None and session_key and question.session_key == session_key:
        return question
    raise Http404


def faq_list() -> QuerySet[FaqEntry]:
    return FaqEntry.objects.select_related("collection", "created_by")
