"""Text out of an uploaded file (PDF, DOCX, TXT, HTML), with a Chinese message for every file we cannot read.

Checks run on upload (so the user hears about a bad file at once) and again in the indexing task."""

from __future__ import annotations

import io
import time
import zipfile
from html.parser import HTMLParser
from pathlib import PurePath

from yingshang.core.errors import ApplicationError

from .models import FileKind

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A DOCX is a zip: a few kilobytes can unpack to gigabytes (a "zip bomb") and exhaust the worker's memory.
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
# A PDF is read page by page; a hostile or broken one can take very long, and the worker has other files to do.
MAX_PDF_PAGES = 1000
PDF_SECONDS = 60.0
# No policy document is longer than this; more is a generated or corrupt file.
MAX_TEXT_CHARS = 3_000_000
# A document with less text than this is most likely a scanned image (no text layer) or empty.
MIN_TEXT_CHARS = 8

_EXTENSIONS = {
    ".pdf": FileKind.PDF,
    ".docx": FileKind.DOCX,
    ".txt": FileKind.TXT,
    ".html": FileKind.HTML,
    ".htm": FileKind.HTML,
}


def file_kind_for(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".doc":
        raise ApplicationError("暂不支持旧版 Word(.doc)文件,请另存为 .docx 后上传", field="file")
    kind = _EXTENSIONS.get(suffix)
    if kind is None:
        raise ApplicationError("只支持 PDF、DOCX、TXT、HTML 文件", field="file")
    return kind


def check_upload(*, name: str, data: bytes) -> str:
    """The file's kind, or ApplicationError explaining in Chinese why it cannot be used."""
    kind = file_kind_for(name)
    if not data:
        raise ApplicationError("文件是空的", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError(f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="file")
    # The content must match the extension: a renamed file is refused rather than indexed as garbage.
    if kind == FileKind.PDF and not data.startswith(b"%PDF"):
        raise ApplicationError("文件扩展名为 .pdf,但内容不是 PDF", field="file")
    if kind == FileKind.DOCX:
        _check_docx_archive(data)
    return kind


def _check_docx_archive(data: bytes) -> None:
    """Reads only the zip directory: refuses a file that is not a Word archive or unpacks to too much."""
    not_word = ApplicationError("文件扩展名为 .docx,但内容不是 Word 文档", field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_word from exc
    if "word/document.xml" not in {m.filename for m in members}:
        raise not_word
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise ApplicationError(
            f"Word 文档解压后超过 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB,可能已损坏,请另存后重新上传", field="file"
        )


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError("无法识别文本文件的编码,请另存为 UTF-8 后上传", field="file")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ApplicationError("PDF 文件已加密,请上传未加密的版本", field="file")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ApplicationError(f"PDF 超过 {MAX_PDF_PAGES} 页,请拆分后上传", field="file")
        deadline = time.monotonic() + PDF_SECONDS
        texts = []
        for page in reader.pages:
            # Checked between pages: one page cannot be interrupted in-process, but a long file stops here.
            if time.monotonic() > deadline:
                raise ApplicationError("PDF 解析超时(文件过大或结构异常),请另存为较小的文件后上传", field="file")
            texts.append(page.extract_text() or "")
        return "\n".join(texts)
    except ApplicationError:
        raise
    except Exception as exc:  # hostile input: any parser failure means "cannot read", not a crash
        raise ApplicationError("PDF 文件已损坏,无法读取", field="file") from exc


def _docx_text(data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # hostile input: broken XML (lxml), missing part, bad zip: all unreadable
        raise ApplicationError("Word 文档已损坏,无法读取", field="file") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


class _HtmlText(HTMLParser):
    """Visible text of a page; block elements become line breaks so headings stay on their own lines."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "td"})
    SKIP = frozenset({"script", "style", "head", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(data: bytes) -> str:
    parser = _HtmlText()
    parser.feed(_decode_text(data))
    parser.close()
    return "".join(parser.parts)


def extract_text(*, kind: str, data: bytes) -> str:
    if kind == FileKind.PDF:
        text = _pdf_text(data)
    elif kind == FileKind.DOCX:
        text = _docx_text(data)
    elif kind == FileKind.HTML:
        text = _html_text(data)
    else:
        text = _decode_text(data)
    text = text.replace("\x00", "")
    if len(text) > MAX_TEXT_CHARS:
        raise ApplicationError("文件中的文字过多(超过 300 万字),请拆分后上传", field="file")
    if len("".join(text.split())) < MIN_TEXT_CHARS:
        raise ApplicationError("未能从文件中读出文字(可能是扫描件或空文档),请上传带文字层的文件", field="file")
    return text
