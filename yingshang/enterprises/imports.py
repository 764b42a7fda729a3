"""Enterprise import from xlsx/csv: the column spec, templates, parsing, and the two phases of an ImportJob.

Validation streams the file and writes only to the ImportJob (progress committed every few hundred rows, so the page
can poll it). Apply re-reads the same file, checked against its SHA-256, re-validates it against the current reference
data and saves every valid row in one transaction: an import is all or nothing. Its progress goes through the cache,
because nobody outside the transaction can see the rows it is writing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import time as clock
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import openpyxl
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from stdnum.cn import uscc as stdnum_uscc

from yingshang.accounts.roles import Cap, Role
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError
from yingshang.core.models import AuditResult
from yingshang.core.notifications import notify

from .models import (
    Enterprise,
    FourUpCategory,
    ImportJob,
    ImportStatus,
    IndustryChain,
    Park,
    Qualification,
    Scale,
    Township,
)
from .services import EnterpriseInput, enterprise_save
from .validators import normalize_uscc

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
PROGRESS_EVERY = 200  # rows between committed progress updates while validating
APPLY_PROGRESS_EVERY = 25  # rows between cache updates while applying (cheap, so more often)
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 10_000  # beyond this the counts stay exact but the report lists only the first ones
MAX_DATA_ROWS = 200_000  # guards the worker against runaway (or zip-bomb) sheets
HEADER_SEARCH_ROWS = 10  # some offices put a title row above the header
PROGRESS_TIMEOUT = 24 * 3600
STALL_SECONDS = 300  # a running phase silent this long lost its worker (crash, deploy, or no worker running)

_EXAMPLE_BODY = "91420802MA0000001"
# The template's example row uses this code; a row carrying it is rejected so a forgotten example is never imported.
EXAMPLE_USCC = _EXAMPLE_BODY + stdnum_uscc.calc_check_digit(_EXAMPLE_BODY)

# How a cell is parsed: each kind has a `_parse_<kind>` method on _RowChecker.
# fmt: off
Kind = Literal["uscc", "text", "phone", "industry_code", "date", "decimal", "integer", "year", "boolean",
               "township", "park", "chains", "qualifications", "scale", "four_up"]
# fmt: on


@dataclass(frozen=True)
class Column:
    key: str  # an EnterpriseInput field
    header: str
    kind: Kind
    required: bool = False
    max_length: int = 0  # text columns: the model field's max_length
    max_int_digits: int = 0  # decimal columns: max_digits - decimal_places of the model field
    hint: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def template_header(self) -> str:
        return f"{self.header}*" if self.required else self.header

    @property
    def label(self) -> str:
        """The header without its unit, for messages: 注册资本(万元) → 注册资本."""
        return self.header.split("(")[0]


_MULTI = "多个用顿号“、”、逗号或分号分隔"
_PICK = "须为系统中已有的名称,见下方可选值"
_WAN = "数字,单位万元"
_FOUR_UP_HINT = "、".join(str(label) for _, label in FourUpCategory.choices)
# The spec reads best as a table, so the formatter leaves it alone.
# fmt: off
COLUMNS: list[Column] = [
    Column("uscc", "统一社会信用代码", "uscc", required=True, hint="18位,大小写均可;同一代码再次导入会更新该企业",
           aliases=("社会信用代码", "信用代码")),
    Column("name", "企业名称", "text", required=True, max_length=200, example="荆门示例新材料有限公司",
           aliases=("单位名称",)),
    Column("legal_representative", "法定代表人", "text", max_length=50, example="王五"),
    Column("registered_address", "注册地址", "text", max_length=255, example="湖北省荆门市东宝区示例大道1号"),
    Column("township", "乡镇/街道", "township", hint=_PICK, aliases=("乡镇街道", "乡镇", "所属乡镇")),
    Column("park", "园区", "park", hint=_PICK, aliases=("所属园区",)),
    Column("registration_date", "成立日期", "date", hint="如 2024-05-01、2024/5/1、2024年5月1日", example="2018-06-15"),
    Column("registered_capital", "注册资本(万元)", "decimal", max_int_digits=12, hint=_WAN, example="5000",
           aliases=("注册资本",)),
    Column("industry_code", "行业代码", "industry_code", hint="国民经济行业分类代码,如 C3985 或 3985",
           example="C3985", aliases=("国民经济行业代码",)),
    Column("industry_name", "行业名称", "text", max_length=100, example="电子专用材料制造"),
    Column("industry_chains", "产业链", "chains", hint=f"须为系统中已有的产业链,{_MULTI}"),
    Column("scale", "规模", "scale", hint="规上 或 规下", example="规上"),
    Column("four_up_category", "四上类别", "four_up", hint=_FOUR_UP_HINT, example="规上工业"),
    Column("qualifications", "资质", "qualifications", hint=f"须为系统中已有的资质名称,{_MULTI}"),
    Column("employees", "从业人数", "integer", hint="整数", example="120"),
    Column("annual_revenue", "营业收入(万元)", "decimal", max_int_digits=14, hint=_WAN, example="23500.5",
           aliases=("营业收入",)),
    Column("tax_paid", "纳税额(万元)", "decimal", max_int_digits=14, hint=_WAN, example="860", aliases=("纳税额",)),
    Column("rd_spend", "研发投入(万元)", "decimal", max_int_digits=14, hint=_WAN, example="1200",
           aliases=("研发投入",)),
    Column("fact_year", "数据年度", "year", hint="从业人数、营业收入、纳税额、研发投入所属年度;留空为数据日期的上一年"),
    Column("is_dishonest_executee", "失信被执行人", "boolean", hint="是 或 否", example="否"),
    Column("is_abnormal_operation", "经营异常", "boolean", hint="是 或 否", example="否"),
    Column("contact_person", "联系人", "text", max_length=50, example="赵六"),
    Column("contact_phone", "联系电话", "phone", hint="数字和“-”,7至20位", example="0724-2345678",
           aliases=("电话", "手机号")),
]
# fmt: on
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (format, encoding, headers); the message tells the clerk why."""


# --- cell helpers -------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u3000", " ").strip()


def _nfkc(value: Any) -> str:
    """Full-width digits, letters and punctuation as typed by Chinese IMEs, folded to ASCII."""
    return unicodedata.normalize("NFKC", _cell_text(value)).strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _normalize_header(value: Any) -> str:
    return re.sub(r"\s+", "", _nfkc(value)).strip("*")


_HEADER_INDEX = {_normalize_header(name): c for c in COLUMNS for name in (c.header, *c.aliases)}


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
_FOUR_UP = {str(label): value for value, label in FourUpCategory.choices}
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

Row = tuple[int, Sequence[Any]]  # (row number as the spreadsheet shows it, cell values)


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


def _header_columns(values: Sequence[Any]) -> list[tuple[int, Column]]:
    found: list[tuple[int, Column]] = []
    for index, value in enumerate(values):
        column = _HEADER_INDEX.get(_normalize_header(value))
        if column is None:
            continue
        if any(c is column for _, c in found):
            raise ImportFileError(f"列“{column.header}”出现了不止一次,请删除重复的列")
        found.append((index, column))
    return found


def _find_header(rows: Iterator[Row]) -> tuple[int, list[tuple[int, Column]]] | None:
    """Consume rows up to the header (the first row naming a known column); the rest stays in the iterator.

    None means the first rows were all blank (an empty sheet); rows without any known column raise.
    """
    seen_content = False
    for _ in range(HEADER_SEARCH_ROWS):
        row = next(rows, None)
        if row is None:
            break
        seen_content = seen_content or any(not _is_blank(v) for v in row[1])
        columns = _header_columns(row[1])
        if columns:
            missing = [c.template_header for c in COLUMNS if c.required and all(c is not k for _, k in columns)]
            if missing:
                raise ImportFileError(f"文件缺少必填列:{'、'.join(missing)}。请下载导入模板,按模板表头填写")
            return row[0], columns
    if seen_content:
        raise ImportFileError(_NO_HEADER)
    return None


_NO_HEADER = "未找到表头:第一行应为导入模板中的列名(如“统一社会信用代码*”“企业名称*”),请使用导入模板"
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
        if count > MAX_DATA_ROWS:
            raise ImportFileError(f"单个文件最多{MAX_DATA_ROWS}行企业数据,请拆分后分批导入")
        data, problems = checker.check(cells)
        uscc = data.get("uscc")
        if uscc:
            first = seen.setdefault(uscc, row_number)
            if first != row_number:
                problems.append((uscc_column, f"与第{first}行重复"))
        errors = [
            {"row": row_number, "column": c.header, "value": _cell_text(cells[c])[:200], "message": message}
            for c, message in problems
        ]
        yield CheckedRow(row_number, None if errors else EnterpriseInput(**data), errors, data)


def _display(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "scale":
        return str(Scale(value).label)
    if column.kind == "four_up":
        return str(FourUpCategory(value).label)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return _cell_text(value)


def _existing_usccs(usccs: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(usccs), 500):
        chunk = usccs[start : start + 500]
        found.update(Enterprise.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    return found


def _file_sha256(fh: Any) -> str:
    digest = hashlib.sha256()
    for chunk in fh.chunks() if hasattr(fh, "chunks") else iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


# --- jobs: create, validate, confirm, apply, cancel ---------------------------------------------------------------


def import_job_create(*, upload: UploadedFile, source: str, as_of: date, by: Any) -> ImportJob:
    """Store the upload; the caller enqueues validation once this row is committed."""
    original_name = Path(upload.name or "import").name[:255]
    extension = Path(original_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ApplicationError("仅支持 .xlsx 和 .csv 文件", field="file")
    job = ImportJob(
        created_by=by, original_name=original_name, file_sha256=_file_sha256(upload), source=source, as_of=as_of
    )
    # A random stored name: the original may hold characters some storages reject, and names must not collide.
    job.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    job.save()
    return job


def import_job_fail(*, job: ImportJob, message: str, from_statuses: Iterable[str]) -> bool:
    return bool(
        ImportJob.objects.filter(pk=job.pk, status__in=list(from_statuses)).update(
            status=ImportStatus.FAILED, failure_message=message, finished_at=timezone.now()
        )
    )


def import_validate(*, job: ImportJob) -> None:
    """Parse the whole file and store the error report, counts and preview. Runs once: it claims the job first."""
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.VALIDATING, processed_rows=0
    ):
        return
    try:
        result = _validate_file(job)
    except ImportFileError as exc:
        import_job_fail(job=job, message=exc.message, from_statuses=[ImportStatus.VALIDATING])
        return
    except Exception:
        logger.exception("Validation of enterprise import %s failed", job.pk)
        message = "读取文件时出错,请确认文件未损坏、内容与导入模板一致后重新上传"
        import_job_fail(job=job, message=message, from_statuses=[ImportStatus.VALIDATING])
        return
    if result is not None:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
            status=ImportStatus.PREVIEW, **result
        )


def _validate_file(job: ImportJob) -> dict[str, Any] | None:
    checker = _RowChecker(today=timezone.localdate())
    errors: list[dict[str, Any]] = []
    preview: list[dict[str, Any]] = []
    valid_usccs: list[str] = []
    processed = rejected = 0
    with _open_table(job) as table:
        present = [c for _, c in table.columns]
        estimate = table.estimated_rows
        ImportJob.objects.filter(pk=job.pk).update(total_rows=estimate)
        _beat(job.pk)
        for row in _checked_rows(table, checker):
            processed += 1
            if row.errors:
                rejected += 1
                errors.extend(row.errors[: max(0, MAX_STORED_ERRORS - len(errors))])
            else:
                valid_usccs.append(row.values["uscc"])
                if len(preview) < PREVIEW_ROWS:
                    values = {c.key: _display(row.values.get(c.key), c) for c in present}
                    preview.append({"row": row.row_number, "uscc": row.values["uscc"], "values": values})
            if processed % PROGRESS_EVERY == 0:
                still_running = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
                    processed_rows=processed, total_rows=max(estimate, processed)
                )
                if not still_running:  # cancelled meanwhile
                    return None
                _beat(job.pk)
    if processed == 0:
        raise ImportFileError("文件中只有表头,没有企业数据")
    existing = _existing_usccs(valid_usccs)
    for item in preview:
        item["action"] = "update" if item["uscc"] in existing else "create"
    return {
        "total_rows": processed,
        "processed_rows": processed,
        "valid_rows": len(valid_usccs),
        "rejected_rows": rejected,
        "errors": errors,
        "preview": preview,
        # While the job awaits confirmation these two hold the forecast; apply overwrites them with the outcome.
        "created_count": len(valid_usccs) - len(existing),
        "updated_count": len(existing),
        "failure_message": "",
    }


def import_job_confirm(*, job: ImportJob, by: Any) -> ImportJob:
    """PREVIEW → IMPORTING. The caller enqueues the apply task."""
    if job.status != ImportStatus.PREVIEW:
        raise ApplicationError(f"当前状态为“{job.get_status_display()}”,不能确认导入")
    if not job.valid_rows:
        raise ApplicationError("没有可导入的有效行")
    # Conditional, so a double click cannot start two imports.
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(status=ImportStatus.IMPORTING):
        raise ApplicationError("该导入已被确认或取消,请刷新页面")
    cache.set(progress_cache_key(job.pk), 0, PROGRESS_TIMEOUT)
    _beat(job.pk)
    job.refresh_from_db()
    return job


def import_job_restart(*, job: ImportJob, by: Any) -> str:
    """Put a stalled job back in the queue; returns the phase to enqueue ("validate" or "apply").

    Both phases are safe to run again: validation only rewrites the job, and an interrupted apply left nothing behind
    because its transaction never committed.
    """
    if not import_job_stalled(job):
        raise ApplicationError("后台任务仍在进行,请稍候")
    if job.status == ImportStatus.VALIDATING:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
            status=ImportStatus.UPLOADED, processed_rows=0
        )
    _beat(job.pk)
    return "apply" if job.status == ImportStatus.IMPORTING else "validate"


def import_job_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    cancellable = [ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.PREVIEW]
    if not ImportJob.objects.filter(pk=job.pk, status__in=cancellable).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now()
    ):
        raise ApplicationError("导入已开始或已结束,不能取消")
    job.refresh_from_db()
    return job


class _ApplyAborted(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def progress_cache_key(job_pk: int) -> str:
    return f"enterprises:import:{job_pk}:applied"


def _beat(job_pk: int) -> None:
    """The worker's sign of life, shared with the web process through the cache."""
    cache.set(f"enterprises:import:{job_pk}:beat", clock.time(), PROGRESS_TIMEOUT)


def import_job_stalled(job: ImportJob) -> bool:
    if job.status not in RUNNING_STATUSES:
        return False
    last = cache.get(f"enterprises:import:{job.pk}:beat")
    silent = clock.time() - last if last else (timezone.now() - job.created_at).total_seconds()
    return silent > STALL_SECONDS


def import_apply(*, job: ImportJob, by: Any = None) -> ImportJob:
    """Save every valid row in one transaction; on any failure roll everything back and mark the job FAILED."""
    key = progress_cache_key(job.pk)
    started = False
    try:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.IMPORTING:  # already applied, failed or cancelled: run-twice safe
                return locked
            started = True
            _beat(job.pk)
            created, updated = _apply_rows(locked, by=by, progress_key=key)
            locked.status = ImportStatus.DONE
            locked.created_count = created
            locked.updated_count = updated
            locked.processed_rows = created + updated
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "created_count", "updated_count", "processed_rows", "finished_at"])
            audit_record(action=Action.IMPORT, user=by, obj=locked, detail=_audit_detail(locked))
            notify(
                recipients=[locked.created_by],
                title="企业导入完成",
                body=f"文件“{locked.original_name}”已导入:新增 {created} 家企业,更新 {updated} 家企业。",
                link=reverse("enterprises:import_detail", args=[locked.pk]),
                category="import",
            )
    except _ApplyAborted as exc:
        message = exc.message
    except Exception:
        logger.exception("Enterprise import %s failed while applying", job.pk)
        if not started:
            # We never held the job (e.g. a second run timed out waiting for the first one's lock): not our failure.
            job.refresh_from_db()
            return job
        message = "导入时发生系统错误"
    else:
        cache.delete(key)
        return locked
    cache.delete(key)
    message = f"{message}。本次导入已全部撤销,没有保存任何企业数据"
    if import_job_fail(job=job, message=message, from_statuses=[ImportStatus.IMPORTING]):
        audit_record(
            action=Action.IMPORT,
            user=by,
            obj=job,
            result=AuditResult.FAILURE,
            detail={**_audit_detail(job), "reason": message},
        )
        notify(
            recipients=[job.created_by],
            title="企业导入失败",
            body=f"文件“{job.original_name}”导入失败:{message}。",
            link=reverse("enterprises:import_detail", args=[job.pk]),
            category="import",
        )
    job.refresh_from_db()
    return job


def _apply_rows(job: ImportJob, *, by: Any, progress_key: str) -> tuple[int, int]:
    with job.file.open("rb") as fh:
        if _file_sha256(fh) != job.file_sha256:
            raise _ApplyAborted("文件内容与上传时不一致")
    checker = _RowChecker(today=timezone.localdate())
    saved = created = rejected = 0
    try:
        with _open_table(job) as table:
            for row in _checked_rows(table, checker):
                if row.data is None:
                    rejected += 1
                    continue
                try:
                    _, was_created, _ = enterprise_save(
                        data=row.data, source=job.source, as_of=job.as_of, by=by, audit=False
                    )
                except ApplicationError as exc:
                    raise _ApplyAborted(f"第{row.row_number}行:{exc.message}") from exc
                except Exception as exc:
                    logger.exception("Import %s: saving row %s failed", job.pk, row.row_number)
                    raise _ApplyAborted(f"第{row.row_number}行保存失败(系统错误)") from exc
                saved += 1
                created += int(was_created)
                if saved % APPLY_PROGRESS_EVERY == 0:
                    cache.set(progress_key, saved, PROGRESS_TIMEOUT)
                    _beat(job.pk)
    except ImportFileError as exc:
        raise _ApplyAborted(exc.message) from exc
    if saved != job.valid_rows or rejected != job.rejected_rows:
        raise _ApplyAborted("文件的校验结果与预览时不一致(乡镇、园区、产业链或资质等基础数据可能已调整),请重新上传校验")
    return created, saved - created


def _audit_detail(job: ImportJob) -> dict[str, Any]:
    return {
        "job_id": job.pk,
        "file_name": job.original_name,
        "file_sha256": job.file_sha256,
        "source": job.source,
        "as_of": job.as_of.isoformat(),
        "valid_rows": job.valid_rows,
        "rejected_rows": job.rejected_rows,
        "created": job.created_count if job.status == ImportStatus.DONE else 0,
        "updated": job.updated_count if job.status == ImportStatus.DONE else 0,
    }


# --- reads for the pages ------------------------------------------------------------------------------------------

RUNNING_STATUSES = frozenset({ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.IMPORTING})


@dataclass(frozen=True)
class ImportProgress:
    running: bool
    phase: str
    processed: int
    total: int
    stalled: bool = False

    @property
    def percent(self) -> int:
        if not self.running:
            return 100
        if not self.total:
            return 0
        return min(100, self.processed * 100 // self.total)


def import_progress(job: ImportJob) -> ImportProgress:
    stalled = import_job_stalled(job)
    if job.status == ImportStatus.UPLOADED:
        return ImportProgress(True, "排队等待校验", 0, 0, stalled)
    if job.status == ImportStatus.VALIDATING:
        return ImportProgress(True, "正在校验", job.processed_rows, job.total_rows, stalled)
    if job.status == ImportStatus.IMPORTING:
        done = int(cache.get(progress_cache_key(job.pk)) or 0)
        return ImportProgress(True, "正在导入", min(done, job.valid_rows), job.valid_rows, stalled)
    return ImportProgress(False, job.get_status_display(), job.processed_rows, job.total_rows)


def import_job_visible_to(job: ImportJob, user: Any) -> bool:
    """The creator, or any coordinator; and only while the account may import at all."""
    if not getattr(user, "is_authenticated", False) or not user.has_cap(Cap.IMPORT_ENTERPRISES):
        return False
    return job.created_by_id == user.pk or user.role == Role.COORDINATOR


def import_jobs_for(user: Any) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by").defer("errors", "preview")
    if user.role == Role.COORDINATOR:
        return jobs
    return jobs.filter(created_by=user)


def preview_table(job: ImportJob) -> tuple[list[str], list[dict[str, Any]]]:
    """Headers and rows of the preview, in template column order, for the columns the file had."""
    items = job.preview if isinstance(job.preview, list) else []
    keys = {k for item in items for k in item.get("values", {})}
    columns = [c for c in COLUMNS if c.key in keys]
    rows = [
        {
            "row": item.get("row"),
            "action": item.get("action", ""),
            "cells": [item["values"].get(c.key, "") for c in columns],
        }
        for item in items
    ]
    return [c.header for c in columns], rows


def previous_import_of_same_file(job: ImportJob) -> ImportJob | None:
    return (
        ImportJob.objects.filter(file_sha256=job.file_sha256, status=ImportStatus.DONE)
        .exclude(pk=job.pk)
        .order_by("-finished_at")
        .first()
    )


# --- generated files: templates and the error report --------------------------------------------------------------


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _reference_names() -> dict[str, list[str]]:
    return {
        "township": list(Township.objects.values_list("name", flat=True)),
        "park": list(Park.objects.values_list("name", flat=True)),
        "chains": list(IndustryChain.objects.values_list("name", flat=True)),
        "qualifications": list(Qualification.objects.values_list("name", flat=True)),
    }


def _example_row(names: dict[str, list[str]], today: date) -> list[str]:
    dynamic = {
        "uscc": EXAMPLE_USCC,
        "township": (names["township"] or [""])[0],
        "park": (names["park"] or [""])[0],
        "industry_chains": "、".join(names["chains"][:2]),
        "qualifications": "、".join(names["qualifications"][:1]),
        "fact_year": str(today.year - 1),
    }
    return [dynamic.get(c.key, c.example) for c in COLUMNS]


def template_csv() -> bytes:
    """UTF-8 with BOM, so Excel opens it with the Chinese headers intact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.template_header for c in COLUMNS])
    writer.writerow(_example_row(_reference_names(), timezone.localdate()))
    return out.getvalue().encode("utf-8-sig")


_TEXT_COLUMNS = {"uscc", "industry_code", "contact_phone"}  # long digit strings Excel would otherwise mangle


def template_xlsx() -> bytes:
    names = _reference_names()
    today = timezone.localdate()
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "企业信息"
    sheet.append([c.template_header for c in COLUMNS])
    sheet.append(_example_row(names, today))
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = header_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.template_header) * 2 + 2)
        if column.key in _TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    lists = workbook.create_sheet("可选值")
    fixed = {"scale": ["规上", "规下"], "four_up_category": list(_FOUR_UP), "boolean": ["是", "否"]}
    list_columns = {
        "township": names["township"],
        "park": names["park"],
        "scale": fixed["scale"],
        "four_up_category": fixed["four_up_category"],
        "boolean": fixed["boolean"],
    }
    for list_index, (key, values) in enumerate(list_columns.items(), start=1):
        lists.cell(row=1, column=list_index, value=key)
        for row_index, value in enumerate(values, start=2):
            lists.cell(row=row_index, column=list_index, value=value)
        if not values:
            continue
        letter = get_column_letter(list_index)
        formula = f"'可选值'!${letter}$2:${letter}${len(values) + 1}"
        targets = [c for c in COLUMNS if c.key == key or (key == "boolean" and c.kind == "boolean")]
        for column in targets:
            col_letter = get_column_letter(COLUMNS.index(column) + 1)
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.error = f"请从下拉列表中选择{column.label}"
            validation.add(f"{col_letter}2:{col_letter}5000")
            sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"

    guide = workbook.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    example = _example_row(names, today)
    for index, column in enumerate(COLUMNS):
        requirement = column.hint or (f"不超过{column.max_length}个字" if column.max_length else "")
        guide.append([column.template_header, "必填" if column.required else "选填", requirement, example[index]])
    guide.append([])
    notes = [
        "第1行为表头,请勿修改列名;列的顺序可以调整,不需要的选填列可以删除。",
        "第2行为示例,导入时会被拒绝,请删除后填写实际数据。",
        "留空的单元格表示不修改系统中已有的值。",
        "同一统一社会信用代码再次导入会更新该企业,不会重复新增。",
        "统一社会信用代码、行业代码、联系电话三列请保持“文本”格式,避免 Excel 把长数字改成科学计数法。",
        "有任何一行校验不通过时,可以先导入其余有效行;被拒绝的行及原因可在预览页下载。",
    ]
    for note in notes:
        guide.append(["说明", "", note])
    guide.append([])
    for label, values in [
        ("乡镇/街道可选值", names["township"]),
        ("园区可选值", names["park"]),
        ("产业链可选值", names["chains"]),
        ("资质可选值", names["qualifications"]),
        ("四上类别可选值", list(_FOUR_UP)),
    ]:
        guide.append([label, "", "、".join(values) or "(系统中尚未设置)"])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 30

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def error_report_xlsx(job: ImportJob) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("错误明细")
    sheet.append(["行号", "列", "值", "原因"])
    for error in job.errors or []:
        row = []
        for value in (error.get("row"), error.get("column"), error.get("value"), error.get("message")):
            cell = WriteOnlyCell(sheet, value=_safe_cell(value))
            if isinstance(value, str):
                cell.data_type = "s"  # a value like "=HYPERLINK(...)" stays text, never a formula
            row.append(cell)
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
