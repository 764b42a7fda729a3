"""Answering a question without a model: curated FAQ first, then the best clause(s) quoted exactly with the key
sentence marked, or an honest "未找到政策依据" with whom to call and a pre-filled appeal.

Nothing here paraphrases: every sentence shown as the answer is a sentence of a cited passage, so amounts, rates,
dates and conditions are exactly as the document wrote them."""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from .index import retrieval_index
from .models import AnswerMode, Collection, FaqEntry
from .retrieval import MIN_COVERAGE, Hit, RetrievalIndex
from .textproc import QueryTerm, normalize_question, split_sentences

# A FAQ question this similar (after normalisation) counts as the same question.
FAQ_SIMILARITY = 0.8
MAX_CITATIONS = 3
# A second clause joins the answer when it scores at least this share of the best one.
SECOND_CLAUSE_RATIO = 0.75
REFUSAL_TEXT = "未找到政策依据"

_ELIGIBILITY_RE = re.compile(
    r"我(?:们)?(?:公司|企业|单位|厂|司)?.{0,6}(?:能(?:否|不能)?享受|可以享受|能不能享受|符合|够条件|能申请|可以申请|能不能申请|有资格)"
)


@dataclass
class Citation:
    n: int
    chunk_id: int
    title: str
    doc_number: str
    issuer: str
    issued_on: str
    validity: str
    clause_path: str
    url: str
    text: str
    key_sentence: str
    collection_code: str

    def as_json(self) -> dict[str, object]:
        return asdict(self)

    def segments(self) -> list[tuple[str, bool]]:
        """The passage split around its key sentence, for highlighting without marking up user-supplied text."""
        if self.key_sentence and self.key_sentence in self.text:
            before, _, after = self.text.partition(self.key_sentence)
            return [(before, False), (self.key_sentence, True), (after, False)]
        return [(self.text, False)]


@dataclass
class Contact:
    field: str
    department: str
    person: str
    phone: str


@dataclass
class AnswerResult:
    question: str
    mode: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    faq: FaqEntry | None = None
    contacts: list[Contact] = field(default_factory=list)
    appeal_url: str = ""
    eligibility_links: list[tuple[str, str]] = field(default_factory=list)
    retrieval_ms: float = 0.0
    # How many of the citations the answer quotes in full (the rest are further reading).
    shown: int = 0

    @property
    def refused(self) -> bool:
        return self.mode == AnswerMode.REFUSED


def _first_url(names: list[str]) -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def appeal_url(question: str) -> str:
    """The appeals intake form, pre-filled with the question (企业诉求); empty when the appeals app has none."""
    base = _first_url(["appeals:new"])
    if not base:
        return ""
    # Field names of the appeals intake form (AppealFileForm: title, description).
    return f"{base}?{urlencode({'title': question[:100], 'description': question})}"


def eligibility_links() -> list[tuple[str, str]]:
    links = []
    pack = _first_url(["policies:package"])
    if pack:
        links.append(("查看我的政策礼包", pack))
    calculator = _first_url(["policies:calculator"])
    if calculator:
        links.append(("用政策计算器测算", calculator))
    return links


def asks_own_eligibility(question: str) -> bool:
    return bool(_ELIGIBILITY_RE.search(question))


# Characters a rephrasing may add, drop or swap without changing what is asked (能/可以, 吗/呢, 请问…).
_FILLER = frozenset("请问我们您你的了吗呢呀啊吧么可以能够会要想是否有没有一下具体到底究竟哪些什么怎么样如何")


def _same_question(a: str, b: str) -> bool:
    """Near-exact: highly similar, and every difference is filler. 个人/企业 differ in substance, so never match."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < FAQ_SIMILARITY:
        return False
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal" and not set(a[i1:i2] + b[j1:j2]) <= _FILLER:
            return False
    return True


def faq_match(question: str) -> FaqEntry | None:
    normalized = normalize_question(question)
    if not normalized:
        return None
    exact = FaqEntry.objects.filter(is_active=True, normalized=normalized).order_by("-updated_at").first()
    if exact is not None:
        return exact
    low, high = int(len(normalized) * 0.7), int(len(normalized) * 1.4) + 1
    for entry in FaqEntry.objects.filter(is_active=True).order_by("-updated_at"):
        if low <= len(entry.normalized) <= high and _same_question(normalized, entry.normalized):
            return entry
    return None


_QUANTITY_RE = re.compile(r"多少|几|多大|多高|多长|多久|比例|额度|上限|最高|最低|标准|金额|时限|期限|比率|率")
_DIGIT_RE = re.compile(r"\d")


def key_sentence(text: str, terms: list[QueryTerm], index: RetrievalIndex, *, question: str = "") -> str:
    """The sentence of the passage that carries most of the question's weighted terms (first one on ties). When
    the question asks for an amount, a rate or a limit, a sentence stating a number is preferred."""
    wants_number = bool(_QUANTITY_RE.search(question))
    bonus = max((index.idf(t.word) for t in terms), default=0.0)
    best = ("", -1.0)
    for sentence in split_sentences(text):
        lowered = sentence.lower()
        found = [t.word for t in terms if any(form in lowered for form in t.forms())]
        # A part of a long word found whole (担保 of 创业担保贷款) adds nothing: the long word already counts.
        score = sum(index.idf(w) for w in found if not any(w != o and w in o for o in found))
        if wants_number and _DIGIT_RE.search(sentence):
            score += bonus
        if score > best[1]:
            best = (sentence, score)
    return best[0]


def _citations(hits: list[Hit], terms: list[QueryTerm], index: RetrievalIndex, question: str) -> list[Citation]:
    citations = []
    for n, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        citations.append(
            Citation(
                n=n,
                chunk_id=chunk.id,
                title=chunk.title,
                doc_number=chunk.doc_number,
                issuer=chunk.issuer,
                issued_on=chunk.issued_on.isoformat() if chunk.issued_on else "",
                validity=chunk.validity,
                clause_path=chunk.clause_path,
                url=f"{chunk.url}#c{chunk.id}" if chunk.url else "",
                text=chunk.text,
                key_sentence=key_sentence(chunk.text, terms, index, question=question),
                collection_code=chunk.collection_code,
            )
        )
    return citations


def _contacts(weak_hits: list[Hit]) -> list[Contact]:
    """Whom to call: the department of the field the nearest (too weak) passages came from, else every field's."""
    codes = [h.chunk.collection_code for h in weak_hits if h.chunk.collection_code]
    collections = list(Collection.objects.select_related("department").filter(department__isnull=False))
    chosen = [c for c in collections if c.code in codes[:1]] or collections
    return [
        Contact(c.name, c.department.name, c.department.contact_person, c.department.contact_phone)
        for c in chosen
        if c.department is not None
    ]


def retrieve(question: str, *, k: int = 5) -> tuple[list[Hit], list[QueryTerm], RetrievalIndex, float]:
    index = retrieval_index()
    started = time.perf_counter()
    hits = index.search(question, k=k)
    elapsed = (time.perf_counter() - started) * 1000
    return hits, index.tokenizer.query_terms(question), index, elapsed


@dataclass
class Extract:
    """What the retrieval found, before FAQ and refusal wording: pure, so the benchmark measures the same logic."""

    refused: bool
    citations: list[Citation]
    shown: int
    text: str


def extract_answer(hits: list[Hit], terms: list[QueryTerm], index: RetrievalIndex, question: str) -> Extract:
    relevant = [h for h in hits if h.coverage >= MIN_COVERAGE][:MAX_CITATIONS]
    if not relevant:
        return Extract(True, [], 0, REFUSAL_TEXT)
    citations = _citations(relevant, terms, index, question)
    shown = [citations[0]]
    if len(relevant) > 1 and relevant[1].score >= SECOND_CLAUSE_RATIO * relevant[0].score:
        shown.append(citations[1])
    text = "\n".join(f"{c.key_sentence}[{c.n}]" for c in shown if c.key_sentence)
    return Extract(False, citations, len(shown), text)


def answer_question(question: str) -> AnswerResult:
    question = question.strip()
    links = eligibility_links() if asks_own_eligibility(question) else []
    faq = faq_match(question)
    if faq is not None:
        return AnswerResult(question, AnswerMode.FAQ, faq.answer, faq=faq, eligibility_links=links)
    hits, terms, index, elapsed = retrieve(question)
    extract = extract_answer(hits, terms, index, question)
    if extract.refused:
        return AnswerResult(
            question,
            AnswerMode.REFUSED,
            REFUSAL_TEXT,
            contacts=_contacts(hits),
            appeal_url=appeal_url(question),
            eligibility_links=links,
            retrieval_ms=elapsed,
        )
    return AnswerResult(
        question,
        AnswerMode.EXTRACTIVE,
        extract.text,
        citations=extract.citations,
        eligibility_links=links,
        retrieval_ms=elapsed,
        shown=extract.shown,
    )


def answer_passages(text: str, citations: list[Citation], shown: int) -> str:
    """The text a reader sees as the answer: the key sentences and the clauses they come from (what the key-fact
    benchmark checks)."""
    return "\n".join([text, *(c.text for c in citations[:shown])])
