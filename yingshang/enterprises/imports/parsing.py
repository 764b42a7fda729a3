"""Reading an uploaded file into validated rows.

Opens xlsx (first sheet with a recognisable header, skipping the template's helper sheets) or CSV (UTF-8, UTF-16 or
GB18030, comma or tab), converts each cell into the value an EnterpriseInput field expects, and reports every cell
it rejects with a reason a clerk can act on. Both phases of an import read files only through `_open_table` and
`_checked_rows`, so validation and apply always agree on what a row means.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
from django.db import connection
from openpyxl.utils.datetime import from_excel

from yingshang.core.errors import ApplicationError
from yingshang.core.masking import mask_phone

from ..models import ImportJob, IndustryChain, Park, Qualification, Scale, Township
from ..services import EnterpriseInput
from ..validators import normalize_uscc
from .cells import _cell_text, _is_blank, _nfkc
from .columns import _FOUR_UP, _NO_HEADER, COLUMN_BY_KEY, EXAMPLE_USCC, Column, ImportFileError, Row, _find_header

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


_SPLIT_RE = re.compile(r"[、,，;；\n]+")
_PHONE_RE = re.compile(r"^[0-9-]{7,20}$")
_INDUSTRY_CODE_RE = re.compile(r"^(?:[A-T](?:\d{2,4})?|\d{2,4})$")
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_SCALES = {"规上": Scale.ABOVE, "规模以上": Scale.ABOVE, "规下": Scale.BELOW, "规模以下": Scale.BELOW}
_BOOLEANS = {"是": True, "否": False}
_MAX_INTEGER = 2_147_483_647


class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _RowChecker:
    """Turns the cells of one row into EnterpriseInput values, or reasons a clerk can act on."""

    def __init__(self, *, today: date) -> None:
        self.today = today
        self.lookups: dict[str, dict[str, Any]] = {
            "township": {t.name: t for t in Township.objects.all()},
            "park": {p.name: p for p in Park.objects.all()},
            "chains": {c.name: c for c in IndustryChain.objects.all()},
            "qualifications": {q.name: q for q in Qualification.objects.all()},
        }

    def check(self, cells: dict[Column, Any]) -> tuple[dict[str, Any], list[tuple[Column, str]]]:
        data: dict[str, Any] = {}
        problems: list[tuple[Column, str]] = []
        for column, raw in cells.items():
            try:
                value = getattr(self, f"_parse_{column.kind}")(column, raw)
            except _CellError as exc:
                problems.append((column, exc.message))
                continue
            if value is None:
                if column.required:
                    problems.append((column, f"{column.label}不能为空"))
            else:
                data[column.key] = value
        return data, problems

    def _parse_uscc(self, column: Column, raw: Any) -> str:
        try:
            code = normalize_uscc(_cell_text(raw))
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
        text = _cell_text(raw)
        if not text:
            return None
        if column.max_length and len(text) > column.max_length:
            raise _CellError(f"{column.label}不能超过{column.max_length}个字(当前{len(text)}个)")
        return text

    def _parse_phone(self, column: Column, raw: Any) -> str | None:
        text = re.sub(r"\s+", "", _nfkc(raw))
        if not text:
            return None
        if not _PHONE_RE.match(text):
            raise _CellError(f"{column.label}格式不正确(只能包含数字和“-”,7至20位)")
        return text

    def _parse_industry_code(self, column: Column, raw: Any) -> str | None:
        text = _nfkc(raw).upper()
        if not text:
            return None
        if not _INDUSTRY_CODE_RE.match(text):
            raise _CellError(f"{column.label}应为国民经济行业分类代码,如 C3985 或 3985")
        return text

    def _parse_date(self, column: Column, raw: Any) -> date | None:
        if isinstance(raw, datetime):
            value = raw.date()
        elif isinstance(raw, date):
            value = raw
        else:
            text = _nfkc(raw)
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
            text = re.sub(r"[\s,]", "", _nfkc(raw)).removesuffix("万元").removesuffix("万")
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
        text = _nfkc(raw).removesuffix("年")
        if not text:
            return None
        if not re.match(r"^\d{4}(\.0+)?$", text) or not 1900 <= int(float(text)) <= self.today.year + 1:
            raise _CellError(f"{column.label}应为四位年份,如 {self.today.year - 1}")
        return int(float(text))

    def _parse_boolean(self, column: Column, raw: Any) -> bool | None:
        if isinstance(raw, bool):
            return raw
        text = _nfkc(raw)
        if not text:
            return None
        if text not in _BOOLEANS:
            raise _CellError(f"{column.label}应填写“是”或“否”")
        return _BOOLEANS[text]

    def _lookup_one(self, column: Column, raw: Any) -> Any:
        name = _cell_text(raw)
        if not name:
            return None
        known = self.lookups[column.kind]
        if name not in known:
            if not known:
                raise _CellError(f"系统中尚未设置任何{column.label},请先维护后再导入,或将此列留空")
            raise _CellError(f"{column.label}“{name}”不存在,可选值:{_choices_text(list(known))}")
        return known[name]

    _parse_township = _lookup_one
    _parse_park = _lookup_one

    def _lookup_many(self, column: Column, raw: Any) -> list[Any] | None:
        names = list(dict.fromkeys(n.strip() for n in _SPLIT_RE.split(_cell_text(raw)) if n.strip()))
        if not names:
            return None
        known = self.lookups[column.kind]
        unknown = [n for n in names if n not in known]
        if unknown:
            allowed = _choices_text(list(known)) if known else f"(系统中尚未设置任何{column.label})"
            raise _CellError(f"{column.label}“{'、'.join(unknown)}”不存在,可选值:{allowed}")
        return [known[n] for n in names]

    _parse_chains = _lookup_many
    _parse_qualifications = _lookup_many

    def _parse_scale(self, column: Column, raw: Any) -> str | None:
        text = _nfkc(raw)
        if not text:
            return None
        if text not in _SCALES:
            raise _CellError(f"{column.label}应填写“规上”或“规下”")
        return str(_SCALES[text])

    def _parse_four_up(self, column: Column, raw: Any) -> str | None:
        text = _nfkc(raw)
        if not text:
            return None
        if text not in _FOUR_UP:
            raise _CellError(f"{column.label}“{text}”无效,可选值:{'、'.join(_FOUR_UP)}")
        return _FOUR_UP[text]


# --- reading files ------------------------------------------------------------------------------------------------


@dataclass
class _Table:
    columns: list[tuple[int, Column]]
    rows: Iterator[Row]
    estimated_rows: int


@dataclass
class CheckedRow:
    row_number: int
    data: EnterpriseInput | None
    errors: list[dict[str, Any]]
    values: dict[str, Any] = field(default_factory=dict)


_EMPTY_FILE = "文件是空的,没有可导入的数据"
_TEMPLATE_AUX_SHEETS = frozenset({"填写说明", "可选值"})
_BAD_XLSX = "文件已损坏或不是有效的 Excel(.xlsx)文件,请在 Excel 中“另存为”.xlsx 后重新上传"


@contextmanager
def _xlsx_table(fh: Any) -> Iterator[_Table]:
    if fh.read(4) != b"PK\x03\x04":
        raise ImportFileError(_BAD_XLSX)
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
                found = _find_header(rows)
            except ImportFileError as exc:
                if exc.message != _NO_HEADER:
                    raise
                no_header = no_header or exc
                continue
            if found is not None:
                header_row, columns = found
                yield _Table(columns, rows, max(0, estimated - header_row))
                return
        raise no_header or ImportFileError(_EMPTY_FILE)
    finally:
        workbook.close()


def _decode_csv(raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raise ImportFileError("文件内容是 Excel 格式,请把扩展名改为 .xlsx 后上传")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise ImportFileError("文件不是有效的 CSV 文本文件")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page, GBK; GB18030 is its superset.
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError("无法识别文件编码,请在 Excel 中另存为“CSV UTF-8(逗号分隔)”后上传") from exc


@contextmanager
def _csv_table(fh: Any) -> Iterator[_Table]:
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
            raise ImportFileError(f"CSV 文件第{number + 1}行附近格式错误,请用 Excel 另存为 CSV 后重新上传") from exc

    rows = records()
    found = _find_header(rows)
    if found is None:
        raise ImportFileError(_EMPTY_FILE)
    header_row, columns = found
    yield _Table(columns, rows, max(0, text.count("\n") - header_row))


@contextmanager
def _open_table(job: ImportJob) -> Iterator[_Table]:
    extension = Path(job.original_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError("仅支持 .xlsx 和 .csv 文件")
    with job.file.open("rb") as fh:
        reader = _xlsx_table if extension == ".xlsx" else _csv_table
        with reader(fh) as table:
            yield table


def _error_value(column: Column, raw: Any) -> str:
    """The cell as the error report shows it: phone numbers masked, like everywhere outside the enterprise's page."""
    text = _cell_text(raw)[:200]
    return mask_phone(text) if column.kind == "phone" else text


def _checked_rows(table: _Table, checker: _RowChecker) -> Iterator[CheckedRow]:
    """Each non-blank data row, validated; a USCC seen in an earlier row is a duplicate."""
    seen: dict[str, int] = {}
    uscc_column = COLUMN_BY_KEY["uscc"]
    count = 0
    for row_number, values in table.rows:
        cells = {column: (values[i] if i < len(values) else None) for i, column in table.columns}
        if all(_is_blank(v) for v in cells.values()):
            continue
        count += 1
        if count > (limit := max_data_rows()):
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
        yield CheckedRow(row_number, None if errors else EnterpriseInput(**data), errors, data)
