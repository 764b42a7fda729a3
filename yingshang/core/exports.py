"""xlsx exports: streamed row by row (write-only workbook) and safe against formula injection."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .audit import ACTION_LABELS
from .models import AuditLog, AuditResult

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(sheet: Any, value: Any) -> Any:
    """A write-only cell that can never become a formula, with aware datetimes shown in local time.

    Control characters that xlsx cannot hold (they arrive in pasted or imported text) are dropped instead of failing
    the whole export.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else value
    result = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store "=..." as a formula; data typed by users must stay text.
        result.data_type = "s"
    return result


def write_xlsx(
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] | None = None,
    freeze: str | None = None,
) -> IO[bytes]:
    """Stream rows into a one-sheet workbook in a temporary file (memory stays flat however many rows)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths or []):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    if freeze:
        sheet.freeze_panes = freeze
    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=header)
        header_cell.font = Font(bold=True)
        header_cells.append(header_cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([cell(sheet, value) for value in row])
    file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(file)
    file.seek(0)
    return file


def xlsx_response(content: IO[bytes] | bytes, filename: str) -> HttpResponseBase:
    """A download: small workbooks built in memory go out whole, files written by write_xlsx are streamed."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response
    return FileResponse(content, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


AUDIT_EXPORT_HEADERS = (
    "序号",
    "时间",
    "用户",
    "IP",
    "操作",
    "操作代码",
    "对象类型",
    "对象ID",
    "对象",
    "结果",
    "详情",
    "本条哈希",
)


def audit_log_rows(rows: Iterable[AuditLog]) -> Iterable[list[Any]]:
    results = dict(AuditResult.choices)
    for row in rows:
        yield [
            row.seq,
            row.created_at,
            row.username,
            row.ip,
            ACTION_LABELS.get(row.action, row.action),
            row.action,
            row.object_type,
            row.object_id,
            row.object_repr,
            results.get(row.result, row.result),
            json.dumps(row.detail, ensure_ascii=False, sort_keys=True, default=str) if row.detail else "",
            row.row_hash,
        ]
