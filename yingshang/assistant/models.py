"""智能问答: the knowledge base (collections, uploaded documents, their chunks), the retrieval vocabulary (custom
dictionary, synonyms), curated FAQ and the log of every question asked.

Chunks are the persisted index: each holds its text, its provenance (title, 文号, issuing body, date, validity,
clause path) and its tokens. The BM25 matrix is rebuilt in each process from the stored tokens when `IndexState`
changes version, which takes well under a second for 10,000 chunks, so no index file has to be shared between the
web server and the task worker (they may run on different machines with PostgreSQL).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Collection(models.Model):
    """A field of the knowledge base (人社, 政务服务, 政法, 社区, 民政, 市场监管, 惠企政策…)."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    # Whom to call when the assistant finds nothing in this field.
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="责任部门",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "知识库领域"
        verbose_name_plural = "知识库领域"

    def __str__(self) -> str:
        return self.name


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "待索引"
    INDEXING = "indexing", "索引中"
    INDEXED = "indexed", "已索引"
    FAILED = "failed", "索引失败"


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (DOCX)"
    TXT = "txt", "文本 (TXT)"
    HTML = "html", "网页 (HTML)"


class KnowledgeDocument(models.Model):
    """A document staff uploaded into a collection. Its text is extracted and chunked by a background task."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="documents", verbose_name="领域")
    title = models.CharField("标题", max_length=200)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    issuer = models.CharField("发文机关", max_length=100, blank=True)
    issued_on = models.DateField("发布日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    source_url = models.URLField("原文链接", max_length=500, blank=True)
    file = models.FileField(upload_to="assistant/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    file_kind = models.CharField("文件类型", max_length=8, choices=FileKind.choices)
    file_sha256 = models.CharField(max_length=64)
    text = models.TextField("正文", blank=True)
    status = models.CharField("状态", max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    failure_message = models.TextField("失败原因", blank=True)
    chunk_count = models.PositiveIntegerField("条款片段数", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    indexed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "知识库文档"
        verbose_name_plural = "知识库文档"

    def __str__(self) -> str:
        return self.title


class KnowledgeChunk(models.Model):
    """One clause-sized passage of a source document, with its provenance and its tokens (the persisted index)."""

    # Which source adapter produced it ("upload", "policy", "service") and the document's key within it.
    source = models.CharField(max_length=16)
    source_key = models.CharField(max_length=64)
    document = models.ForeignKey(
        KnowledgeDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="chunks"
    )
    collection_code = models.CharField(max_length=32, blank=True)
    seq = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    doc_number = models.CharField(max_length=100, blank=True)
    issuer = models.CharField(max_length=100, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    validity = models.CharField(max_length=100, blank=True)
    clause_path = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    tokens = models.TextField()
    source_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "source_key", "seq"]
        indexes = [models.Index(fields=["source", "source_key"], name="assistant_chunk_source")]

    def __str__(self) -> str:
        return f"{self.title} {self.clause_path}".strip()


class IndexState(models.Model):
    """A single row: the index version, bumped by every change of chunks, dictionary or synonyms."""

    version = models.PositiveBigIntegerField(default=1)
    # Changes with every bump; processes key their cached index on it (a version number alone can repeat when a
    # database is restored or a test transaction rolls back).
    token = models.CharField(max_length=32, default="")
    updated_at = models.DateTimeField(auto_now=True)
    last_full_build_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "索引状态"
        verbose_name_plural = "索引状态"

    def __str__(self) -> str:
        return f"索引版本 {self.version}"


class DictionaryTerm(models.Model):
    """A word jieba must keep whole (a department name, a policy term)."""

    word = models.CharField("词语", max_length=50, unique=True)
    note = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = "自定义词"
        verbose_name_plural = "自定义词"

    def __str__(self) -> str:
        return self.word


class SynonymGroup(models.Model):
    """Words that mean the same in a question (贴息 / 利息补贴); a question with one also searches the others."""

    words = models.CharField("同义词(用 / 分隔)", max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "同义词组"
        verbose_name_plural = "同义词组"

    def __str__(self) -> str:
        return self.words

    def word_list(self) -> list[str]:
        return [w.strip() for w in self.words.split("/") if w.strip()]


class FaqEntry(models.Model):
    question = models.CharField("问题", max_length=300)
    # The question reduced to its letters (see textproc.normalize_question); exact matches use it.
    normalized = models.CharField(max_length=300, db_index=True)
    answer = models.TextField("答案")
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="faqs", verbose_name="领域"
    )
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "常见问题"
        verbose_name_plural = "常见问题"

    def __str__(self) -> str:
        return self.question


class AnswerMode(models.TextChoices):
    FAQ = "faq", "常见问题"
    EXTRACTIVE = "extractive", "原文摘录"
    LLM = "llm", "大模型归纳(已核验)"
    REFUSED = "refused", "未找到依据"


class LlmOutcome(models.TextChoices):
    NOT_USED = "", "未调用"
    VERIFIED = "verified", "通过核验"
    REJECTED = "rejected", "未通过核验,已改为原文摘录"
    TIMEOUT = "timeout", "超时,已改为原文摘录"
    ERROR = "error", "调用失败,已改为原文摘录"


class Feedback(models.TextChoices):
    NONE = "", "未评价"
    UP = "up", "有帮助"
    DOWN = "down", "没帮助"


class Question(models.Model):
    """Every question asked, its answer and citations, kept for staff review (and to become FAQ)."""

    text = models.CharField("问题", max_length=500)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Anonymous visitors of the public page are recognised by their session, so only they can rate their answer.
    session_key = models.CharField(max_length=64, blank=True)
    asked_at = models.DateTimeField(auto_now_add=True)
    mode = models.CharField("回答方式", max_length=16, choices=AnswerMode.choices)
    answer = models.TextField("回答", blank=True)
    citations = models.JSONField("引用", default=list, blank=True)
    faq = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    llm_outcome = models.CharField(
        "大模型", max_length=16, choices=LlmOutcome.choices, default=LlmOutcome.NOT_USED, blank=True
    )
    llm_detail = models.CharField(max_length=300, blank=True)
    retrieval_ms = models.FloatField(default=0)
    feedback = models.CharField("评价", max_length=8, choices=Feedback.choices, default=Feedback.NONE, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = "提问记录"
        verbose_name_plural = "提问记录"

    def __str__(self) -> str:
        return self.text
