"""Writes of 智能问答: knowledge documents, collections, vocabulary, FAQ, question log and feedback.

Services are keyword-only and atomic; staff changes write an audit row in the same transaction. Indexing runs in
a background task queued on commit (see tasks.py), so an upload returns at once and the page shows its status."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_email, mask_id_number, mask_phone

from . import index
from .answers import AnswerResult
from .models import (
    Collection,
    DictionaryTerm,
    DocumentStatus,
    FaqEntry,
    Feedback,
    KnowledgeDocument,
    LlmOutcome,
    Question,
    SynonymGroup,
)
from .parsing import check_upload, extract_text
from .sources import UploadedDocumentSource
from .textproc import normalize_question

logger = logging.getLogger(__name__)


def _enqueue_on_commit(task: Any, *args: Any) -> None:
    def send() -> None:
        try:
            task.enqueue(*args)
        except Exception:  # a broken queue must not fail the user's request; the page offers 重新索引
            logger.exception("Could not enqueue %s%r", task, args)

    transaction.on_commit(send)


def _enqueue_index(document: KnowledgeDocument) -> None:
    from .tasks import index_document

    _enqueue_on_commit(index_document, document.pk)


def _enqueue_rebuild() -> None:
    from .tasks import rebuild_index

    _enqueue_on_commit(rebuild_index)


@transaction.atomic
def document_upload(
    *,
    collection: Collection,
    title: str,
    file_name: str,
    data: bytes,
    by: Any,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    valid_until: date | None = None,
    source_url: str = "",
) -> KnowledgeDocument:
    title = title.strip()
    if not title:
        raise ApplicationError("请填写文档标题", field="title")
    if issued_on and valid_until and valid_until < issued_on:
        raise ApplicationError("有效期不能早于发布日期", field="valid_until")
    kind = check_upload(name=file_name, data=data)
    sha = hashlib.sha256(data).hexdigest()
    duplicate = KnowledgeDocument.objects.filter(collection=collection, file_sha256=sha).first()
    if duplicate is not None:
        raise ApplicationError(f"该文件已上传过(《{duplicate.title}》)", field="file")
    document = KnowledgeDocument(
        collection=collection,
        title=title[:200],
        doc_number=doc_number.strip()[:100],
        issuer=issuer.strip()[:100],
        issued_on=issued_on,
        valid_until=valid_until,
        source_url=source_url.strip(),
        original_name=file_name[:255],
        file_kind=kind,
        file_sha256=sha,
        uploaded_by=by,
    )
    document.file.save(f"{sha[:16]}.{kind}", ContentFile(data), save=False)
    document.save()
    audit_record(
        action=Action.KNOWLEDGE_CHANGED,
        user=by,
        obj=document,
        detail={"操作": "上传", "领域": collection.name, "文件": file_name},
    )
    _enqueue_index(document)
    return document


def document_index(*, document: KnowledgeDocument) -> KnowledgeDocument:
    """Extract, chunk and index one uploaded document (the background task's work; safe to run twice)."""
    KnowledgeDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.INDEXING, failure_message="")
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
        kind = check_upload(name=document.original_name, data=data)
        text = extract_text(kind=kind, data=data)
    except (ApplicationError, OSError) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else "文件读取失败"
        with transaction.atomic():
            index.lock_writers()  # before the document's row, as document_delete takes them
            KnowledgeDocument.objects.filter(pk=document.pk).update(
                status=DocumentStatus.FAILED, failure_message=message, chunk_count=0
            )
            index.remove_source_document(source=UploadedDocumentSource.name, key=str(document.pk))
        document.refresh_from_db()
        return document
    with transaction.atomic():
        index.lock_writers()  # before the document's row, as document_delete takes them
        locked = KnowledgeDocument.objects.select_for_update().filter(pk=document.pk).first()
        if locked is None:  # deleted while we were reading it
            return document
        locked.text = text
        locked.save(update_fields=["text", "updated_at"])
        source = UploadedDocumentSource().document(str(locked.pk))
        assert source is not None
        count = index.index_source_document(source, document_id=locked.pk)
        locked.status = DocumentStatus.INDEXED
        locked.chunk_count = count
        locked.indexed_at = timezone.now()
        locked.save(update_fields=["status", "chunk_count", "indexed_at", "updated_at"])
    return locked


@transaction.atomic
def document_update(
    *,
    document: KnowledgeDocument,
    by: Any,
    title: str,
    collection: Collection,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    valid_until: date | None = None,
    source_url: str = "",
) -> KnowledgeDocument:
    if not title.strip():
        raise ApplicationError("请填写文档标题", field="title")
    if issued_on and valid_until and valid_until < issued_on:
        raise ApplicationError("有效期不能早于发布日期", field="valid_until")
    document.title = title.strip()[:200]
    document.collection = collection
    document.doc_number = doc_number.strip()[:100]
    document.issuer = issuer.strip()[:100]
    document.issued_on = issued_on
    document.valid_until = valid_until
    document.source_url = source_url.strip()
    document.status = DocumentStatus.PENDING
    document.save()
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=document, detail={"操作": "修改"})
    _enqueue_index(document)
    return document


@transaction.atomic
def document_reindex(*, document: KnowledgeDocument, by: Any) -> None:
    KnowledgeDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.PENDING, failure_message="")
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=document, detail={"操作": "重新索引"})
    _enqueue_index(document)


@transaction.atomic
def document_delete(*, document: KnowledgeDocument, by: Any) -> None:
    """Remove the document and its passages at once: the next question no longer sees it."""
    index.lock_writers()  # first: a rebuild reading the sources finishes before the document goes
    audit_record(
        action=Action.KNOWLEDGE_CHANGED, user=by, obj=document, detail={"操作": "删除", "标题": document.title}
    )
    index.remove_source_document(source=UploadedDocumentSource.name, key=str(document.pk))
    stored = document.file.name
    storage = document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)


@transaction.atomic
def collection_save(
    *, collection: Collection | None, code: str, name: str, description: str, department: Any, by: Any
) -> Collection:
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ApplicationError("请填写编码和名称")
    others = Collection.objects.exclude(pk=collection.pk) if collection else Collection.objects.all()
    if others.filter(code=code).exists():
        raise ApplicationError("编码已被其他领域使用", field="code")
    if others.filter(name=name).exists():
        raise ApplicationError("名称已被其他领域使用", field="name")
    target = collection or Collection()
    target.code, target.name, target.description, target.department = code, name, description.strip(), department
    target.save()
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=target, detail={"操作": "保存领域"})
    return target


@transaction.atomic
def dictionary_term_add(*, word: str, note: str = "", by: Any) -> DictionaryTerm:
    word = word.strip()
    if not word or len(word) > 50 or any(ch.isspace() for ch in word):
        raise ApplicationError("请填写一个不含空格、不超过 50 字的词语", field="word")
    if DictionaryTerm.objects.filter(word=word).exists():
        raise ApplicationError("该词已在词典中", field="word")
    term = DictionaryTerm.objects.create(word=word, note=note.strip()[:100])
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=term, detail={"操作": "新增自定义词", "词": word})
    _enqueue_rebuild()
    return term


def _vocabulary_delete(*, entry: DictionaryTerm | SynonymGroup, by: Any, what: str) -> None:
    """A dictionary word or synonym group goes; every passage is re-tokenized without it in the background."""
    audit_record(
        action=Action.KNOWLEDGE_CHANGED, user=by, obj=entry, detail={"操作": f"删除{what}", "内容": str(entry)}
    )
    entry.delete()
    _enqueue_rebuild()


@transaction.atomic
def dictionary_term_delete(*, term: DictionaryTerm, by: Any) -> None:
    _vocabulary_delete(entry=term, by=by, what="自定义词")


@transaction.atomic
def synonym_group_add(*, words: str, by: Any) -> SynonymGroup:
    parts = [w.strip() for w in words.replace("/", "/").split("/") if w.strip()]
    if len(parts) < 2 or len(set(parts)) != len(parts):
        raise ApplicationError("同义词组至少需要两个不同的词,用 / 分隔,如:贴息/利息补贴", field="words")
    if any(len(p) > 50 or any(ch.isspace() for ch in p) for p in parts):
        raise ApplicationError("每个词不超过 50 字且不含空格", field="words")
    joined = "/".join(parts)
    if SynonymGroup.objects.filter(words=joined).exists():
        raise ApplicationError("该同义词组已存在", field="words")
    group = SynonymGroup.objects.create(words=joined)
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=group, detail={"操作": "新增同义词", "词组": joined})
    _enqueue_rebuild()
    return group


@transaction.atomic
def synonym_group_delete(*, group: SynonymGroup, by: Any) -> None:
    _vocabulary_delete(entry=group, by=by, what="同义词")


@transaction.atomic
def faq_save(
    *, faq: FaqEntry | None, question: str, answer: str, collection: Collection | None, is_active: bool, by: Any
) -> FaqEntry:
    question, answer = question.strip(), answer.strip()
    if not question:
        raise ApplicationError("请填写问题", field="question")
    if not answer:
        raise ApplicationError("请填写答案", field="answer")
    normalized = normalize_question(question)
    if not normalized:
        raise ApplicationError("问题中没有文字", field="question")
    others = FaqEntry.objects.exclude(pk=faq.pk) if faq else FaqEntry.objects.all()
    clash = others.filter(normalized=normalized, is_active=True)
    if is_active and clash.exists():
        raise ApplicationError("已有相同的常见问题", field="question")
    target = faq or FaqEntry(created_by=by)
    target.question, target.normalized, target.answer = question[:300], normalized, answer
    target.collection, target.is_active = collection, is_active
    target.save()
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=target, detail={"操作": "保存常见问题"})
    return target


@transaction.atomic
def faq_delete(*, faq: FaqEntry, by: Any) -> None:
    audit_record(action=Action.KNOWLEDGE_CHANGED, user=by, obj=faq, detail={"操作": "删除常见问题"})
    faq.delete()


_ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact_personal(text: str) -> str:
    """Visitors type their ID number, mobile or e-mail into questions; the log (read by staff, turned into public
    FAQ) keeps them masked as everywhere else on the platform."""
    text = _ID_NUMBER_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    return _EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text)


@transaction.atomic
def question_record(*, result: AnswerResult, user: Any, session_key: str) -> Question:
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return Question.objects.create(
        text=redact_personal(result.question)[:500],
        asked_by=user if authenticated else None,
        session_key="" if authenticated else session_key,
        mode=result.mode,
        answer=result.text,
        citations=[c.as_json() for c in result.citations],
        faq=result.faq,
        retrieval_ms=round(result.retrieval_ms, 3),
    )


@transaction.atomic
def question_llm_outcome(*, question: Question, outcome: str, answer: str = "", detail: str = "") -> Question:
    question.llm_outcome = outcome
    question.llm_detail = detail[:300]
    if outcome == LlmOutcome.VERIFIED:
        question.mode = "llm"
        question.answer = answer
    question.save(update_fields=["llm_outcome", "llm_detail", "mode", "answer"])
    return question


@transaction.atomic
def question_feedback(*, question: Question, value: str) -> Question:
    if value not in (Feedback.UP, Feedback.DOWN):
        raise ApplicationError("评价只能是“有帮助”或“没帮助”", field="value")
    question.feedback = value
    question.feedback_at = timezone.now()
    question.save(update_fields=["feedback", "feedback_at"])
    return question


def source_document_sync(*, source: str, key: str) -> None:
    """Re-index one document of a source adapter, or remove it when the source no longer publishes it."""
    from .sources import source_named

    adapter = source_named(source)
    doc = adapter.document(key) if adapter is not None else None
    if doc is None:
        index.remove_source_document(source=source, key=key)
    else:
        index.index_source_document(doc, document_id=int(key) if source == UploadedDocumentSource.name else None)


def knowledge_source_changed(*, source: str, key: str) -> None:
    """For the policy and service apps: call after publishing, changing or withdrawing a document (inside or
    outside a transaction); the assistant re-indexes it in the background once the change is committed."""
    from .tasks import sync_source_document

    _enqueue_on_commit(sync_source_document, source, key)
