"""Background tasks of 智能问答. Thin: load by id, call a service. Safe to run twice."""

from __future__ import annotations

from django_tasks import task

from . import index, services
from .models import KnowledgeDocument


@task()
def index_document(document_id: int) -> None:
    document = KnowledgeDocument.objects.filter(pk=document_id).first()
    if document is None:
        return
    services.document_index(document=document)


@task()
def rebuild_index() -> None:
    """Re-tokenize everything (after a dictionary or synonym change) and pick up the other apps' documents."""
    index.rebuild_all()


@task()
def sync_source_document(source: str, key: str) -> None:
    """One policy or service guide changed (or was withdrawn): re-index it, or drop it from answers."""
    services.source_document_sync(source=source, key=key)
