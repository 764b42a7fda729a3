"""Uploads are read whatever their format, and a file we cannot use is refused with a Chinese reason."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from pypdf import PdfWriter

from yingshang.assistant import parsing
from yingshang.assistant.parsing import check_upload, extract_text
from yingshang.core.errors import ApplicationError


def test_html_keeps_visible_text_and_line_structure():
    html = "<html><head><style>p{}</style><script>var a=1;</script></head><body><h1>第一条 适用范围</h1><p>本办法适用于小微企业。</p></body></html>"
    text = extract_text(kind="html", data=html.encode())
    assert "var a" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines == ["第一条 适用范围", "本办法适用于小微企业。"]


def test_docx_paragraphs_and_tables_are_read():
    doc = Document()
    doc.add_paragraph("第一条 贷款额度最高30万元。")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "贴息比例"
    table.rows[0].cells[1].text = "50%"
    buffer = io.BytesIO()
    doc.save(buffer)
    data = buffer.getvalue()
    assert check_upload(name="细则.docx", data=data) == "docx"
    text = extract_text(kind="docx", data=data)
    assert "贷款额度最高30万元" in text and "贴息比例 50%" in text


def test_gbk_text_files_are_decoded():
    data = "第一条 个体工商户可申请一次性创业补贴。".encode("gbk")
    assert "一次性创业补贴" in extract_text(kind="txt", data=data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("旧文件.doc", b"x" * 100, "另存为 .docx"),
        ("图片.png", b"x" * 100, "只支持 PDF、DOCX、TXT、HTML"),
        ("空.txt", b"", "文件是空的"),
        ("假的.pdf", b"hello world" * 10, "内容不是 PDF"),
        ("假的.docx", b"hello world" * 10, "内容不是 Word"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(name, data, message):
    with pytest.raises(ApplicationError) as caught:
        check_upload(name=name, data=data)
    assert message in caught.value.message


def test_a_pdf_without_a_text_layer_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ApplicationError) as caught:
        extract_text(kind="pdf", data=buffer.getvalue())
    assert "扫描件" in caught.value.message


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_docx_that_unpacks_to_too_much_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    bomb = _zip({"word/document.xml": b"<w:document/>", "word/media/zeros.bin": b"\0" * (2 * 1024 * 1024)})
    assert len(bomb) < 10_000  # a few kilobytes on the wire
    with pytest.raises(ApplicationError) as caught:
        check_upload(name="细则.docx", data=bomb)
    assert "解压后超过 1 MB" in caught.value.message


def test_a_zip_that_is_not_a_word_document_is_refused():
    with pytest.raises(ApplicationError) as caught:
        check_upload(name="细则.docx", data=_zip({"readme.txt": b"hello"}))
    assert "内容不是 Word" in caught.value.message


def test_a_docx_with_broken_xml_is_refused_in_chinese():
    broken = _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"})
    with pytest.raises(ApplicationError) as caught:
        extract_text(kind="docx", data=broken)
    assert "Word 文档已损坏" in caught.value.message


def _pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_with_too_many_pages_is_refused(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_PDF_PAGES", 3)
    with pytest.raises(ApplicationError) as caught:
        extract_text(kind="pdf", data=_pdf(4))
    assert "超过 3 页" in caught.value.message


def test_a_pdf_that_takes_too_long_is_given_up(monkeypatch):
    monkeypatch.setattr(parsing, "PDF_SECONDS", -1.0)
    with pytest.raises(ApplicationError) as caught:
        extract_text(kind="pdf", data=_pdf(2))
    assert "PDF 解析超时" in caught.value.message


def test_a_broken_pdf_is_refused_in_chinese():
    with pytest.raises(ApplicationError) as caught:
        extract_text(
            kind="pdf", data=b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 9 0 R>> endobj\ntrailer <</Root 1 0 R>>"
        )
    assert "PDF 文件已损坏" in caught.value.message
