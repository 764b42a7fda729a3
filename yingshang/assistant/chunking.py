"""Chinese-aware chunking: a document's text split on its own structure (第X章 / 第X节 / 第X条, 一、, (一), 1.,
(1)), then on paragraphs and sentences, each chunk keeping the path of headings it sits under.

Framework-free: text in, `ChunkText` out. Clause-sized chunks are what an answer quotes, so they are kept whole
whenever they fit (a 第X条 is never split unless it is longer than MAX_CHARS)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textproc import split_sentences, to_halfwidth

# A chunk longer than this is split at sentence ends into pieces of about TARGET_CHARS.
MAX_CHARS = 420
TARGET_CHARS = 300
# Paragraphs shorter than this (captions, one-line leads) are merged with the next one.
MIN_CHARS = 40
# A line this short without a sentence ending, followed by text, is a run-in sub-heading of a news article.
SOFT_HEADING_MAX = 26
TITLE_MAX = 24

_CN_NUM = "一二三四五六七八九十百零〇两"
# (level, pattern): lower level = larger unit.
HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^第[{_CN_NUM}\d]+章")),
    (2, re.compile(rf"^第[{_CN_NUM}\d]+节")),
    (3, re.compile(rf"^第[{_CN_NUM}\d]+条")),
    (4, re.compile(rf"^[{_CN_NUM}]+[、.]")),
    (5, re.compile(rf"^[((][{_CN_NUM}]+[))]")),
    (6, re.compile(r"^\d{1,2}[、.](?!\d)")),
    (7, re.compile(r"^[((]\d{1,2}[))]")),
]
SOFT_LEVEL = 8
_SENTENCE_END = "。!?;!?;:"


@dataclass(frozen=True)
class ChunkText:
    seq: int
    clause_path: str
    text: str


def heading_level(line: str) -> int | None:
    for level, pattern in HEADING_PATTERNS:
        if pattern.match(line):
            return level
    return None


def _heading_title(line: str) -> str:
    """The heading's own words: up to its first sentence end, shortened for the clause path."""
    head = re.split(r"[。!?;!?;]", line, maxsplit=1)[0]
    if len(head) > TITLE_MAX:
        head = head[:TITLE_MAX] + "…"
    return head


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) > TARGET_CHARS:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    # A single sentence longer than MAX_CHARS is cut hard (rare: tables flattened into one line).
    out: list[str] = []
    for piece in pieces:
        out.extend(piece[i : i + MAX_CHARS] for i in range(0, len(piece), MAX_CHARS))
    return out


def _clean_lines(text: str) -> list[str]:
    text = to_halfwidth(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    return [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n") if line.strip()]


def _line_level(line: str, next_line: str) -> int | None:
    """The line's heading level; a short unnumbered line without a sentence end, followed by a long paragraph, is
    a soft heading (reports and news articles title their sections that way)."""
    level = heading_level(line)
    if (
        level is None
        and len(line) <= SOFT_HEADING_MAX
        and line[-1] not in _SENTENCE_END
        and len(next_line) > SOFT_HEADING_MAX
        and heading_level(next_line) is None
    ):
        return SOFT_LEVEL
    return level


def chunk_text(text: str, *, title: str = "") -> list[ChunkText]:
    lines = _clean_lines(text)
    if lines and title and to_halfwidth(title).strip() == lines[0]:
        lines = lines[1:]  # the document's own title repeated as its first line
    stack: list[tuple[int, str]] = []
    body: list[str] = []
    chunks: list[ChunkText] = []
    unused_heading: str | None = None
    paragraph_no = 0

    def path() -> str:
        return " > ".join(t for _, t in stack)

    def emit(parts: list[str]) -> None:
        joined = "\n".join(parts).strip()
        if not joined:
            return
        base = path() or f"第{paragraph_no}段"
        pieces = _split_long(joined)
        for i, piece in enumerate(pieces):
            label = base if len(pieces) == 1 else f"{base}(之{i + 1})"
            chunks.append(ChunkText(seq=len(chunks) + 1, clause_path=label, text=piece))

    def flush() -> None:
        nonlocal body, unused_heading
        if body:
            emit(body)
            unused_heading = None
        elif unused_heading:
            emit([unused_heading])
            unused_heading = None
        body = []

    for index, line in enumerate(lines):
        level = _line_level(line, lines[index + 1] if index + 1 < len(lines) else "")
        if level is not None:
            flush()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _heading_title(line)))
            title_only = _heading_title(line).rstrip("…")
            rest = re.sub(r"^[。!?;:!?;:\s]+", "", line[len(title_only) :])
            if level == 3 or len(rest) > 0:
                # An article, or a heading with its text on the same line: the line is the clause's text.
                body = [line]
            else:
                unused_heading = line
            continue
        paragraph_no += 1
        body.append(line)
        # Outside numbered structure, each paragraph is its own passage (news articles, reports).
        if not stack or stack[-1][0] == SOFT_LEVEL:
            if sum(len(b) for b in body) >= MIN_CHARS:
                flush()
        elif sum(len(b) for b in body) > TARGET_CHARS:
            flush()
    flush()
    return chunks
