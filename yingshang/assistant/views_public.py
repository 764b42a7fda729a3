"""The question page (public: the portal's 7×24 Q&A robot), the answer stream, feedback and the reading page.

Asking posts the question; with `Accept: text/event-stream` the answer streams back as server-sent events (the
extractive answer at once, then, when a model is configured, its answer as it is written and the verdict of the
checks). Without JavaScript the same POST renders the page with the answer."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yingshang.core.errors import ApplicationError
from yingshang.core.request_context import client_ip_from_request

from . import llm, selectors, services
from .answers import AnswerResult, answer_question
from .forms import AskForm
from .models import AnswerMode, Collection, LlmOutcome, Question

EXAMPLES = [
    "个人创业担保贷款最高能贷多少?",
    "技术改造设备购置补助比例是多少?",
    "容缺受理后补齐资料有什么要求?",
    "电商企业贴息贷款的条件是什么?",
]


# Questions per minute: an account, or one address of anonymous visitors (generous: offices share a NAT address).
RATE_PER_USER = 30
RATE_PER_ADDRESS = 120
RATE_MESSAGE = "提问太频繁,请稍后再试"


def _over_rate(request: HttpRequest) -> bool:
    """The public page writes a row per question; a simple per-minute budget keeps a script from flooding it."""
    if request.user.is_authenticated:
        ident, limit = f"u{request.user.pk}", RATE_PER_USER
    else:
        # Behind nginx every REMOTE_ADDR is the proxy's: without the forwarded client address all visitors would
        # share one budget, and one script could lock the whole public out.
        ident, limit = f"a{client_ip_from_request(request)}", RATE_PER_ADDRESS
    key = f"assistant:rate:{ident}:{int(time.time() // 60)}"
    # add + incr: atomic on Redis (SET NX, INCR); on the file cache incr is read-then-write, so parallel requests
    # may undercount a little, which a per-minute budget tolerates.
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired (or culled by the file cache) between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > limit


def _session_key(request: HttpRequest) -> str:
    """Anonymous askers are recognised by their session, created on their first question."""
    if request.user.is_authenticated:
        return ""
    if not request.session.session_key:
        request.session["assistant_asked"] = True
        request.session.save()
    return request.session.session_key or ""


def _context(request: HttpRequest, form: AskForm, result: AnswerResult | None, question: Question | None) -> dict:
    return {
        "form": form,
        "result": result,
        "question": question,
        "examples": EXAMPLES,
        "collections": Collection.objects.all(),
        "llm_enabled": llm.llm_config() is not None,
    }


def _sse(event: str, payload: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


_CITE_RE = re.compile(r"\[(\d{1,2})\]")


def llm_answer_html(text: str) -> SafeString:
    """The model's verified answer, escaped, with [n] turned into links to the citation cards."""
    escaped = str(escape(text))
    linked = _CITE_RE.sub(r'<a href="#cite-\1" class="ys-cite">[\1]</a>', escaped)
    return mark_safe(linked.replace("\n", "<br>"))  # noqa: S308 - built from escaped text only


def _llm_events(result: AnswerResult, question: Question) -> Iterator[str]:
    config = llm.llm_config()
    if config is None or result.mode != AnswerMode.EXTRACTIVE:
        return
    yield _sse("llm_start", {})
    parts: list[str] = []
    try:
        for delta in llm.stream_completion(config, llm.build_messages(result.question, result.citations)):
            parts.append(delta)
            yield _sse("llm_delta", {"text": delta})
    except llm.LlmTimeout:
        services.question_llm_outcome(question=question, outcome=LlmOutcome.TIMEOUT, detail="超时")
        yield _sse("llm_done", {"ok": False, "reason": "大模型回答超时,以上为政策原文摘录"})
        return
    except llm.LlmError as exc:
        services.question_llm_outcome(question=question, outcome=LlmOutcome.ERROR, detail=str(exc))
        yield _sse("llm_done", {"ok": False, "reason": "大模型暂不可用,以上为政策原文摘录"})
        return
    answer = "".join(parts).strip()
    problem = llm.verify_answer(answer, result.citations)
    if problem is not None:
        services.question_llm_outcome(question=question, outcome=LlmOutcome.REJECTED, detail=problem)
        yield _sse("llm_done", {"ok": False, "reason": f"大模型回答未通过核验({problem}),以上为政策原文摘录"})
        return
    services.question_llm_outcome(question=question, outcome=LlmOutcome.VERIFIED, answer=answer)
    yield _sse("llm_done", {"ok": True, "html": str(llm_answer_html(answer))})


def _stream(request: HttpRequest, result: AnswerResult, question: Question) -> Iterator[str]:
    html = render_to_string(
        "assistant/_answer.html", {"result": result, "question": question, "streaming": True}, request=request
    )
    yield _sse("answer", {"html": html, "question_id": question.pk, "mode": result.mode})
    yield from _llm_events(result, question)
    yield _sse("done", {})


def _run_llm_blocking(result: AnswerResult, question: Question) -> tuple[SafeString | None, str]:
    """The no-JavaScript path: the model's whole answer, checked, or the reason it is not shown."""
    html: SafeString | None = None
    reason = ""
    for event in _llm_events(result, question):
        if event.startswith("event: llm_done"):
            payload = json.loads(event.split("data: ", 1)[1])
            if payload["ok"]:
                html = mark_safe(payload["html"])  # noqa: S308 - produced by llm_answer_html
            else:
                reason = payload["reason"]
    return html, reason


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponseBase:
    if request.method == "GET":
        return render(request, "assistant/ask.html", _context(request, AskForm(), None, None))
    form = AskForm(request.POST)
    wants_stream = "text/event-stream" in request.headers.get("Accept", "")
    if not form.is_valid():
        if wants_stream:
            message = "；".join(str(e) for e in form.errors.get("q", ["请输入问题"]))
            return HttpResponse(_sse("error", {"message": message}), status=400, content_type="text/event-stream")
        return render(request, "assistant/ask.html", _context(request, form, None, None), status=400)
    if _over_rate(request):
        if wants_stream:
            return HttpResponse(_sse("error", {"message": RATE_MESSAGE}), status=429, content_type="text/event-stream")
        form.add_error("q", RATE_MESSAGE)
        return render(request, "assistant/ask.html", _context(request, form, None, None), status=429)
    session_key = _session_key(request)
    result = answer_question(form.cleaned_data["q"])
    question = services.question_record(result=result, user=request.user, session_key=session_key)
    if wants_stream:
        response = StreamingHttpResponse(_stream(request, result, question), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx must pass events through as they come
        return response
    context = _context(request, form, result, question)
    context["llm_html"], context["llm_reason"] = _run_llm_blocking(result, question)
    return render(request, "assistant/ask.html", context)


@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_for_asker(pk=pk, user=request.user, session_key=request.session.session_key)
    try:
        services.question_feedback(question=question, value=request.POST.get("value", ""))
    except ApplicationError as exc:
        return HttpResponse(escape(exc.message), status=400)
    label = "有帮助" if question.feedback == "up" else "没帮助"
    return HttpResponse(f'<span class="text-success" data-testid="feedback-done">已记录您的评价:{label},谢谢!</span>')


@require_GET
def document_read(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_public(pk)
    return render(
        request,
        "assistant/document_read.html",
        {"document": document, "chunks": selectors.document_chunks(document)},
    )
