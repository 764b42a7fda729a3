"""xlsx exports: streamed row by row (write-only workbook) and safe against formula injection."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .audit import ACTION_LABELS
from .models import AuditLog, AuditResult

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store "=..." as a formula; data typed by users must stay text.
        cell.data_type = "s"
    return cell


def xlsx_bytes(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


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
