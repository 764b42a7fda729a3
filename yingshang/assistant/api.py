"""智能问答 API, mounted under /api/v1/assistant/: the same answers as the page, for the 12345 agents' desk and
other intranet systems (signed-in callers; the public page is the portal's entry)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from . import services
from .answers import answer_question
from .forms import MAX_QUESTION_CHARS

router = Router(tags=["智能问答"])


class AskIn(Schema):
    question: str


class CitationOut(Schema):
    n: int
    title: str
    doc_number: str
    issuer: str
    issued_on: str
    validity: str
    clause_path: str
    url: str
    text: str
    key_sentence: str


class ContactOut(Schema):
    field: str
    department: str
    person: str
    phone: str


class AnswerOut(Schema):
    question_id: int
    mode: str
    answer: str
    citations: list[CitationOut]
    contacts: list[ContactOut]
    appeal_url: str
    eligibility_links: list[str]


class ErrorOut(Schema):
    detail: str


@router.post("/ask", response={200: AnswerOut, 400: ErrorOut, 401: ErrorOut}, summary="提问(原文摘录回答,附引用)")
def ask(request: HttpRequest, payload: AskIn) -> Status:
    text = " ".join(payload.question.split())
    if len(text) < 2 or len(text) > MAX_QUESTION_CHARS:
        return Status(400, {"detail": f"问题应为 2 到 {MAX_QUESTION_CHARS} 个字"})
    result = answer_question(text)
    question = services.question_record(result=result, user=request.user, session_key="")
    return Status(
        200,
        {
            "question_id": question.pk,
            "mode": result.mode,
            "answer": result.text,
            "citations": [c.as_json() for c in result.citations],
            "contacts": [c.__dict__ for c in result.contacts],
            "appeal_url": result.appeal_url,
            "eligibility_links": [url for _, url in result.eligibility_links],
        },
    )
