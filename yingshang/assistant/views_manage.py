"""Staff pages of 智能问答 (capability manage_knowledge): documents, collections, vocabulary, FAQ and the question
log. Thin: forms in, services and selectors out."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.accounts.permissions import cap_required, signed_in_user
from yingshang.accounts.roles import Cap
from yingshang.core.errors import ApplicationError

from . import selectors, services
from .forms import CollectionForm, DocumentEditForm, DocumentUploadForm, FaqForm, SynonymForm, TermForm
from .index import index_token
from .models import Collection, DictionaryTerm, DocumentStatus, FaqEntry, KnowledgeDocument, Question, SynonymGroup

MANAGE = Cap.MANAGE_KNOWLEDGE


def _apply_error(form: object, exc: ApplicationError) -> None:
    field = exc.field if exc.field and exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)  # type: ignore[attr-defined]


@cap_required(MANAGE)
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest) -> HttpResponse:
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                document = services.document_upload(
                    collection=form.cleaned_data["collection"],
                    title=form.cleaned_data["title"],
                    file_name=upload.name,
                    data=upload.read(),
                    by=signed_in_user(request),
                    doc_number=form.cleaned_data["doc_number"],
                    issuer=form.cleaned_data["issuer"],
                    issued_on=form.cleaned_data["issued_on"],
                    valid_until=form.cleaned_data["valid_until"],
                    source_url=form.cleaned_data["source_url"],
                )
            except ApplicationError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, f"已上传《{document.title}》,正在后台建立索引")
                return redirect("assistant:documents")
        status = 400
    page = Paginator(
        selectors.document_list(collection=request.GET.get("collection", ""), status=request.GET.get("status", "")), 50
    ).get_page(request.GET.get("page"))
    busy = any(d.status in (DocumentStatus.PENDING, DocumentStatus.INDEXING) for d in page.object_list)
    context = {
        "form": form,
        "page": page,
        "collections": Collection.objects.all(),
        "statuses": DocumentStatus.choices,
        "busy": busy,
        "index_token": index_token(),
    }
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "assistant/_document_rows.html", context)
    return render(request, "assistant/documents.html", context, status=status)


@cap_required(MANAGE)
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(KnowledgeDocument, pk=pk)
    initial = {
        "collection": document.collection,
        "title": document.title,
        "doc_number": document.doc_number,
        "issuer": document.issuer,
        "issued_on": document.issued_on,
        "valid_until": document.valid_until,
        "source_url": document.source_url,
    }
    form = DocumentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(document=document, by=signed_in_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "已保存,正在重新索引")
            return redirect("assistant:documents")
    return render(
        request,
        "assistant/document_edit.html",
        {"form": form, "document": document, "chunks": selectors.document_chunks(document)},
        status=400 if request.method == "POST" else 200,
    )


@cap_required(MANAGE)
@require_POST
def document_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = get_object_or_404(KnowledgeDocument, pk=pk)
    title = document.title
    services.document_delete(document=document, by=signed_in_user(request))
    messages.success(request, f"已删除《{title}》,它不再出现在回答中")
    return redirect("assistant:documents")


@cap_required(MANAGE)
@require_POST
def document_reindex(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = get_object_or_404(KnowledgeDocument, pk=pk)
    services.document_reindex(document=document, by=signed_in_user(request))
    messages.success(request, f"《{document.title}》已重新排队索引")
    return redirect("assistant:documents")


@cap_required(MANAGE)
@require_http_methods(["GET", "POST"])
def collections(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=pk) if pk else None
    initial = (
        {
            "code": collection.code,
            "name": collection.name,
            "description": collection.description,
            "department": collection.department,
        }
        if collection
        else None
    )
    form = CollectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_save(collection=collection, by=signed_in_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "领域已保存")
            return redirect("assistant:collections")
    return render(
        request,
        "assistant/collections.html",
        {"form": form, "editing": collection, "collections": selectors.collections_with_counts()},
        status=400 if request.method == "POST" else 200,
    )


@cap_required(MANAGE)
@require_http_methods(["GET", "POST"])
def vocabulary(request: HttpRequest) -> HttpResponse:
    term_form = TermForm(request.POST if request.POST.get("kind") == "term" else None)
    synonym_form = SynonymForm(request.POST if request.POST.get("kind") == "synonym" else None)
    if request.method == "POST":
        user = signed_in_user(request)
        try:
            if request.POST.get("kind") == "term" and term_form.is_valid():
                services.dictionary_term_add(by=user, **term_form.cleaned_data)
                messages.success(request, "已加入词典,索引将在后台更新")
                return redirect("assistant:vocabulary")
            if request.POST.get("kind") == "synonym" and synonym_form.is_valid():
                services.synonym_group_add(by=user, words=synonym_form.cleaned_data["words"])
                messages.success(request, "已加入同义词,索引将在后台更新")
                return redirect("assistant:vocabulary")
        except ApplicationError as exc:
            _apply_error(term_form if request.POST.get("kind") == "term" else synonym_form, exc)
        if request.POST.get("kind") not in ("term", "synonym"):
            messages.error(request, "请填写词语或同义词组")
    return render(
        request,
        "assistant/vocabulary.html",
        {
            "term_form": term_form,
            "synonym_form": synonym_form,
            "terms": DictionaryTerm.objects.all(),
            "groups": SynonymGroup.objects.all(),
        },
        status=400 if request.method == "POST" else 200,
    )


@cap_required(MANAGE)
@require_POST
def term_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    services.dictionary_term_delete(term=get_object_or_404(DictionaryTerm, pk=pk), by=signed_in_user(request))
    messages.success(request, "已从词典删除")
    return redirect("assistant:vocabulary")


@cap_required(MANAGE)
@require_POST
def synonym_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    services.synonym_group_delete(group=get_object_or_404(SynonymGroup, pk=pk), by=signed_in_user(request))
    messages.success(request, "已删除同义词组")
    return redirect("assistant:vocabulary")


@cap_required(MANAGE)
@require_GET
def faqs(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.faq_list(), 50).get_page(request.GET.get("page"))
    return render(request, "assistant/faqs.html", {"page": page})


@cap_required(MANAGE)
@require_http_methods(["GET", "POST"])
def faq_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """New or edit; `?from=<question id>` turns a logged question and its answer into a draft FAQ."""
    faq = get_object_or_404(FaqEntry, pk=pk) if pk else None
    initial: dict[str, object] = {"is_active": True}
    source: Question | None = None
    if faq is not None:
        initial = {
            "question": faq.question,
            "answer": faq.answer,
            "collection": faq.collection,
            "is_active": faq.is_active,
        }
    elif request.GET.get("from", "").isdigit():
        source = Question.objects.filter(pk=int(request.GET["from"])).first()
        if source is not None:
            initial.update(question=source.text, answer=_answer_draft(source))
    form = FaqForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.faq_save(faq=faq, by=signed_in_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "常见问题已保存,相同的提问将直接得到此答案")
            return redirect("assistant:faqs")
    return render(
        request,
        "assistant/faq_edit.html",
        {"form": form, "faq": faq, "source": source},
        status=400 if request.method == "POST" else 200,
    )


def _answer_draft(question: Question) -> str:
    lines = [question.answer] if question.answer and question.mode != "refused" else []
    for citation in question.citations[:2]:
        ref = "《{}》{} {}".format(
            citation.get("title", ""), citation.get("doc_number", ""), citation.get("clause_path", "")
        )
        lines.append(f"依据:{ref.strip()}")
    return "\n".join(lines)


@cap_required(MANAGE)
@require_POST
def faq_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    services.faq_delete(faq=get_object_or_404(FaqEntry, pk=pk), by=signed_in_user(request))
    messages.success(request, "已删除常见问题")
    return redirect("assistant:faqs")


@cap_required(MANAGE)
@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    filter_by = request.GET.get("filter", "")
    page = Paginator(selectors.question_list(filter_by=filter_by), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assistant/questions.html",
        {"page": page, "filter_by": filter_by, "stats": selectors.question_stats()},
    )
