"""Reading an uploaded file into validated rows.

Opens xlsx (first sheet with a recognisable header, skipping the template's helper sheets) or CSV (UTF-8, UTF-16 or
GB18030, comma or tab), converts each cell into the value an EnterpriseInput field expects, and reports every cell
it rejects with a reason a clerk can act on. Both phases of an import read files only through `read_table` and
`checked_rows`, so validation and apply always agree on what a row means.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar, get_args

import openpyxl
from django.db import connection
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel

from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_phone

from ..models import IndustryChain, Park, Qualification, Scale, Township
from ..services import EnterpriseInput
from ..validators import normalize_industry_code, normalize_phone, normalize_uscc
from .cells import cell_text, is_blank, nfkc
from .columns import (
    COLUMN_BY_KEY,
    EXAMPLE_USCC,
    FOUR_UP,
    Column,
    HeaderNotFoundError,
    ImportFileError,
    Kind,
    Row,
    find_header,
)

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
MAX_DATA_ROWS = 200_000  # guards the worker against runaway (or zip-bomb) sheets
# On the embedded SQLite database an import holds the only write lock while it saves (~1 ms a row), and other users
# wait for it; 20,000 rows keep that wait well under the 20-second busy timeout.
SQLITE_MAX_DATA_ROWS = 20_000


def max_data_rows() -> int:
    return SQLITE_MAX_DATA_ROWS if connection.vendor == "sqlite" else MAX_DATA_ROWS


def _choices_text(names: Sequence[str]) -> str:
    shown = "、".join(names[:30])
    return f"{shown}等{len(names)}项" if len(names) > 30 else shown


def _shown(text: str, limit: int = 30) -> str:
    """A cell echoed in a message, cut short: a pasted paragraph must not make every stored message a paragraph."""
    return text if len(text) <= limit else f"{text[:limit]}…"


_SPLIT_RE = re.compile(r"[、,，;；\n]+")
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_SCALES = {
    "规上": Scale.ABOVE.value,
    "规模以上": Scale.ABOVE.value,
    "规下": Scale.BELOW.value,
    "规模以下": Scale.BELOW.value,
}
_BOOLEANS = {"是": True, "否": False}
_FOUR_UP_ALLOWED = "、".join(FOUR_UP)
_MAX_INTEGER = 2_147_483_647

_T = TypeVar("_T")


class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MergedCell:
    """Stands for a cell a merged range covers: xlsx keeps the value only in the range's first cell, so this row's
    value is unknown (not blank) and the row is rejected rather than imported without it."""

    ref: str  # the merged range, e.g. "C3:C8"


def _validated(normalize: Callable[..., str], column: Column, raw: Any) -> str | None:
    """A cell checked by one of the registry's validators (which return "" for blank)."""
    try:
        return normalize(cell_text(raw), label=column.label) or None
    except ApplicationError as exc:
        raise _CellError(exc.message) from exc


def _chosen(text: str, choices: Mapping[str, _T], message: str) -> _T | None:
    """The value the text names; None if blank; otherwise the cell is rejected with the message."""
    if not text:
        return None
    if text not in choices:
        raise _CellError(message)
    return choices[text]


class RowChecker:
    """Turns the cells of one row into EnterpriseInput values, or reasons a clerk can act on.

    Reference data (townships, parks, chains, qualifications) is read once, when the checker is made for a file.
    """

    def __init__(self, *, today: date) -> None:
        self.today = today
        self.lookups: dict[str, dict[str, Any]] = {
            "township": {t.name: t for t in Township.objects.all()},
            "park": {p.name: p for p in Park.objects.all()},
            "chains": {c.name: c for c in IndustryChain.objects.all()},
            "qualifications": {q.name: q for q in Qualification.objects.all()},
        }
        self.allowed = {kind: _choices_text(list(known)) for kind, known in self.lookups.items()}
        self.parsers: dict[str, Callable[[Column, Any], Any]] = {
            kind: getattr(self, f"_parse_{kind}") for kind in get_args(Kind)
        }

    def check(self, cells: Mapping[Column, Any]) -> tuple[dict[str, Any], list[tuple[Column, str]]]:
        data: dict[str, Any] = {}
        problems: list[tuple[Column, str]] = []
        for column, raw in cells.items():
            try:
                value = self._parse(column, raw)
            except _CellError as exc:
                problems.append((column, exc.message))
                continue
            if value is None:
                if column.required:
                    problems.append((column, f"{column.label}不能为空"))
            else:
                data[column.key] = value
        return data, problems

    def _parse(self, column: Column, raw: Any) -> Any:
        if isinstance(raw, MergedCell):
            raise _CellError(
                f"{column.label}在合并单元格 {raw.ref} 中,本行读不到值;请取消合并,把值填到每一行后重新上传"
            )
        if isinstance(raw, str) and raw in ERROR_CODES:
            # A formula that failed in Excel: the file holds only the error text.
            raise _CellError(f"{column.label}是公式错误值 {raw},请修正公式或直接填写")
        return self.parsers[column.kind](column, raw)

    def _parse_uscc(self, column: Column, raw: Any) -> str:
        try:
            code = normalize_uscc(cell_text(raw))
        except ApplicationError as exc:
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                raise _CellError(
                    f"{exc.message}(该单元格被 Excel 存成了数字,请把此列设为“文本”格式后重新填写)"
                ) from exc
            raise _CellError(exc.message) from exc
        if code == EXAMPLE_USCC:
            raise _CellError("这是导入模板中的示例行,请删除后再导入")
        return code

    def _parse_text(self, column: Column, raw: Any) -> str | None:
        text = cell_text(raw)
        if not text:
            return None
        if column.max_length and len(text) > column.max_length:
            raise _CellError(f"{column.label}不能超过{column.max_length}个字(当前{len(text)}个)")
        return text

    # The enterprise form checks these two with the same validators.
    @staticmethod
    def _parse_phone(column: Column, raw: Any) -> str | None:
        return _validated(normalize_phone, column, raw)

    @staticmethod
    def _parse_industry_code(column: Column, raw: Any) -> str | None:
        return _validated(normalize_industry_code, column, raw)

    def _parse_date(self, column: Column, raw: Any) -> date | None:
        if isinstance(raw, datetime):
            value = raw.date()
        elif isinstance(raw, date):
            value = raw
        else:
            text = nfkc(raw)
            if not text:
                return None
            value = self._date_from_text(column, raw, text)
        if value.year < 1900:
            raise _CellError(f"{column.label}不是有效的日期")
        if value > self.today:
            raise _CellError(f"{column.label}不能晚于今天")
        return value

    @staticmethod
    def _date_from_text(column: Column, raw: Any, text: str) -> date:
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return date(*(int(g) for g in match.groups()))
                except ValueError as exc:
                    raise _CellError(f"{column.label}不是有效的日期") from exc
        if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
            # A date cell that lost its format: Excel's serial day number.
            try:
                return from_excel(raw).date()
            except (ValueError, OverflowError):
                pass
        raise _CellError(f"{column.label}格式不正确,应为 2024-05-01、2024/5/1 或 2024年5月1日")

    def _number(self, column: Column, raw: Any, *, what: str) -> Decimal | None:
        if isinstance(raw, bool):
            raise _CellError(f"{column.label}应为{what}")
        if isinstance(raw, int | Decimal):
            value = Decimal(raw)
        elif isinstance(raw, float):
            value = Decimal(repr(raw))
        else:
            text = re.sub(r"[\s,]", "", nfkc(raw)).removesuffix("万元").removesuffix("万")
            if not text:
                return None
            try:
                value = Decimal(text)
            except InvalidOperation as exc:
                raise _CellError(f"{column.label}应为{what}") from exc
        if not value.is_finite():
            raise _CellError(f"{column.label}应为{what}")
        if value < 0:
            raise _CellError(f"{column.label}不能为负数")
        return value

    def _parse_decimal(self, column: Column, raw: Any) -> Decimal | None:
        value = self._number(column, raw, what="数字")
        if value is None:
            return None
        if value >= Decimal(10) ** column.max_int_digits:
            raise _CellError(f"{column.label}数值过大,请确认单位为万元")
        return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    def _parse_integer(self, column: Column, raw: Any) -> int | None:
        value = self._number(column, raw, what="整数")
        if value is None:
            return None
        if value != value.to_integral_value():
            raise _CellError(f"{column.label}应为整数")
        if value > _MAX_INTEGER:
            raise _CellError(f"{column.label}数值过大")
        return int(value)

    def _parse_year(self, column: Column, raw: Any) -> int | None:
        text = nfkc(raw).removesuffix("年")
        if not text:
            return None
        if not re.match(r"^\d{4}(\.0+)?$", text) or not 1900 <= int(float(text)) <= self.today.year + 1:
            raise _CellError(f"{column.label}应为四位年份,如 {self.today.year - 1}")
        return int(float(text))

    def _parse_boolean(self, column: Column, raw: Any) -> bool | None:
        if isinstance(raw, bool):
            return raw
        return _chosen(nfkc(raw), _BOOLEANS, f"{column.label}应填写“是”或“否”")

    def _lookup_one(self, column: Column, raw: Any) -> Any:
        name = cell_text(raw)
        if not name:
            return None
        known = self.lookups[column.kind]
        if name not in known:
            if not known:
                raise _CellError(f"系统中尚未设置任何{column.label},请先维护后再导入,或将此列留空")
            raise _CellError(f"{column.label}“{_shown(name)}”不存在,可选值:{self.allowed[column.kind]}")
        return known[name]

    _parse_township = _lookup_one
    _parse_park = _lookup_one

    def _lookup_many(self, column: Column, raw: Any) -> list[Any] | None:
        names = list(dict.fromkeys(n.strip() for n in _SPLIT_RE.split(cell_text(raw)) if n.strip()))
        if not names:
            return None
        known = self.lookups[column.kind]
        unknown = [n for n in names if n not in known]
        if unknown:
            allowed = self.allowed[column.kind] if known else f"(系统中尚未设置任何{column.label})"
            raise _CellError(f"{column.label}“{_shown('、'.join(unknown))}”不存在,可选值:{allowed}")
        return [known[n] for n in names]

    _parse_chains = _lookup_many
    _parse_qualifications = _lookup_many

    def _parse_scale(self, column: Column, raw: Any) -> str | None:
        return _chosen(nfkc(raw), _SCALES, f"{column.label}应填写“规上”或“规下”")

    def _parse_four_up(self, column: Column, raw: Any) -> str | None:
        text = nfkc(raw)
        return _chosen(text, FOUR_UP, f"{column.label}“{_shown(text)}”无效,可选值:{_FOUR_UP_ALLOWED}")


# --- reading files ------------------------------------------------------------------------------------------------


@dataclass
class Table:
    columns: list[tuple[int, Column]]  # (index in the row, column) for each column the header names
    rows: Iterator[Row]  # the rows below the header
    estimated_rows: int


@dataclass(frozen=True)
class CheckedRow:
    row_number: int
    values: dict[str, Any]  # the cells that passed, by EnterpriseInput field
    errors: list[dict[str, Any]]  # one per rejected cell: row, column, value (as the report shows it), message

    def to_input(self) -> EnterpriseInput:
        return EnterpriseInput(**self.values)


_EMPTY_FILE = "文件是空的,没有可导入的数据"
_TEMPLATE_AUX_SHEETS = frozenset({"填写说明", "可选值"})
_BAD_XLSX = "文件已损坏或不是有效的 Excel(.xlsx)文件,请在 Excel 中“另存为”.xlsx 后重新上传"
_XLSX_MAGIC = b"PK\x03\x04"
# The Compound File format of legacy .xls, and the wrapper Office puts around any file saved with a password.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # stream names are stored in UTF-16
_OLD_XLS = "文件实际是旧版 Excel(.xls)格式,请在 Excel 中“另存为”Excel 工作簿(.xlsx)后重新上传"


def _not_an_xlsx(fh: Any, head: bytes) -> ImportFileError:
    if head.startswith(_OLE2_MAGIC):
        fh.seek(0)
        if _ENCRYPTED_STREAM in fh.read():
            return ImportFileError(
                "文件设置了打开密码,系统无法读取;请在 Excel 中取消密码(文件 → 信息 → 保护工作簿 → 用密码进行加密,"
                "清空密码)并保存后重新上传"
            )
        return ImportFileError(_OLD_XLS)
    return ImportFileError(_BAD_XLSX)


_MERGE_CELL_RE = re.compile(rb'mergeCell\s+ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
_Merge = tuple[int, int, int, int, str]  # first column, first row, last column, last row (1-based), "C3:C8"


def _merged_ranges(sheet: Any) -> list[_Merge]:
    """The sheet's merged ranges. Read-only worksheets skip <mergeCells>, so the sheet's XML is scanned for them: one
    more pass over the compressed sheet, cheap next to parsing its cells."""
    found: list[_Merge] = []
    tail = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            end = 0
            for match in _MERGE_CELL_RE.finditer(data):
                first_col, first_row, last_col, last_row = (g.decode() for g in match.groups())
                ref = f"{first_col}{first_row}:{last_col}{last_row}"
                columns = column_index_from_string(first_col), column_index_from_string(last_col)
                found.append((columns[0], int(first_row), columns[1], int(last_row), ref))
                end = match.end()
            tail = data[max(end, len(data) - 64) :]  # a reference cut in two by the chunk boundary
    return found


_Spans = dict[int, list[tuple[int, int, str]]]


def _merged_spans(sheet: Any, header_row: int, indexes: Sequence[int]) -> _Spans:
    """For each imported column (by index in the row), the data rows a merged range hides: (first, last, range)."""
    spans: _Spans = {}
    for first_col, first_row, last_col, last_row, ref in _merged_ranges(sheet):
        for index in indexes:
            if first_col - 1 <= index < last_col:
                # The range's first cell keeps the value; the others read as empty.
                start = max(first_row + 1 if index == first_col - 1 else first_row, header_row + 1)
                if start <= last_row:
                    spans.setdefault(index, []).append((start, last_row, ref))
    for ranges in spans.values():
        ranges.sort()
    return spans


def _mark_merged(rows: Iterator[Row], spans: _Spans) -> Iterator[Row]:
    starts = {index: [start for start, _, _ in ranges] for index, ranges in spans.items()}
    for number, values in rows:
        marked: list[Any] | None = None
        for index, ranges in spans.items():
            at = bisect_right(starts[index], number) - 1
            if at >= 0 and number <= ranges[at][1]:
                if marked is None:
                    marked = list(values)
                marked.extend([None] * (index + 1 - len(marked)))
                marked[index] = MergedCell(ranges[at][2])
        yield number, values if marked is None else marked


@contextmanager
def _xlsx_table(fh: Any) -> Iterator[Table]:
    head = fh.read(len(_OLE2_MAGIC))
    if not head.startswith(_XLSX_MAGIC):
        raise _not_an_xlsx(fh, head)
    fh.seek(0)
    try:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken archives
        raise ImportFileError(_BAD_XLSX) from exc
    try:
        no_header: ImportFileError | None = None
        for sheet in workbook.worksheets:
            if sheet.title in _TEMPLATE_AUX_SHEETS:
                continue
            estimated = sheet.max_row or 0
            # Some generators write a wrong <dimension>; reading without it is the only reliable way.
            sheet.reset_dimensions()
            rows: Iterator[Row] = enumerate(sheet.iter_rows(values_only=True), start=1)
            try:
                found = find_header(rows)
            except HeaderNotFoundError as exc:
                no_header = no_header or exc
                continue
            if found is not None:
                header_row, columns = found
                spans = _merged_spans(sheet, header_row, [index for index, _ in columns])
                yield Table(columns, _mark_merged(rows, spans) if spans else rows, max(0, estimated - header_row))
                return
        raise no_header or ImportFileError(_EMPTY_FILE)
    finally:
        workbook.close()


def _decode_csv(raw: bytes) -> str:
    if raw.startswith(_XLSX_MAGIC):
        raise ImportFileError("文件内容是 Excel 格式,请把扩展名改为 .xlsx 后上传")
    if raw.startswith(_OLE2_MAGIC):
        raise ImportFileError(_OLD_XLS)
    # Excel on Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page, GBK; GB18030 is its superset.
    encodings = ("utf-16",) if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别文件编码,请在 Excel 中另存为“CSV UTF-8(逗号分隔)”后上传")
    if "\x00" in text:
        raise ImportFileError("文件中含有空字符(NUL),不是有效的 CSV 文本文件;请用 Excel 打开后另存为 CSV 再上传")
    return text


@contextmanager
def _csv_table(fh: Any) -> Iterator[Table]:
    text = _decode_csv(fh.read())
    if not text.strip():
        raise ImportFileError(_EMPTY_FILE)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterator[Row]:
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                yield number, record
        except csv.Error as exc:
            where = f"CSV 文件第{number + 1}行附近"
            if "field larger than field limit" in str(exc):
                raise ImportFileError(
                    f"{where}有一个超过{csv.field_size_limit():,}个字符的单元格,常见原因是引号没有成对;"
                    "请用 Excel 打开检查后另存为 CSV 再上传"
                ) from exc
            raise ImportFileError(f"{where}格式错误,请用 Excel 另存为 CSV 后重新上传") from exc

    rows = records()
    found = find_header(rows)
    if found is None:
        raise ImportFileError(_EMPTY_FILE)
    header_row, columns = found
    yield Table(columns, rows, max(0, text.count("\n") - header_row))


@contextmanager
def read_table(fh: Any, name: str) -> Iterator[Table]:
    """The table in an open upload; `name`, the file name the clerk uploaded, says whether it is xlsx or CSV."""
    extension = Path(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError("仅支持 .xlsx 和 .csv 文件")
    reader = _xlsx_table if extension == ".xlsx" else _csv_table
    with reader(fh) as table:
        yield table


def _error_value(column: Column, raw: Any) -> str:
    """The cell as the error report shows it: phone numbers masked, like everywhere outside the enterprise's page."""
    if isinstance(raw, MergedCell):
        return ""
    text = cell_text(raw)[:200]
    return mask_phone(text) if column.kind == "phone" else text


def checked_rows(table: Table, checker: RowChecker) -> Iterator[CheckedRow]:
    """Each non-blank data row, validated; a USCC seen in an earlier row is a duplicate."""
    seen: dict[str, int] = {}
    uscc_column = COLUMN_BY_KEY["uscc"]
    limit = max_data_rows()
    count = 0
    for row_number, values in table.rows:
        cells = {column: (values[i] if i < len(values) else None) for i, column in table.columns}
        if all(is_blank(v) or isinstance(v, MergedCell) for v in cells.values()):
            continue
        count += 1
        if count > limit:
            hint = (
                ";内置数据库(SQLite)为保证他人正常使用限制单次行数,大批量导入请部署 PostgreSQL"
                if limit < MAX_DATA_ROWS
                else ""
            )
            raise ImportFileError(f"单个文件最多{limit:,}行企业数据,请拆分后分批导入{hint}")
        data, problems = checker.check(cells)
        uscc = data.get("uscc")
        if uscc:
            first = seen.setdefault(uscc, row_number)
            if first != row_number:
                problems.append((uscc_column, f"与第{first}行重复"))
        errors = [
            {"row": row_number, "column": c.header, "value": _error_value(c, cells[c]), "message": message}
            for c, message in problems
        ]
        yield CheckedRow(row_number, data, errors)
