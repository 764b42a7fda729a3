"""The import's column spec and how a file's header row maps onto it.

One table (COLUMNS) drives everything a clerk sees: the template's headers, hints and examples, the accepted header
spellings (aliases, full-width punctuation, a trailing "*"), and which EnterpriseInput field each column fills.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from stdnum.cn import uscc as stdnum_uscc

from yingshang.core.errors import ApplicationError

from ..models import FourUpCategory
from .cells import is_blank, nfkc

HEADER_SEARCH_ROWS = 10  # some offices put a title row above the header

_EXAMPLE_BODY = "91420802MA0000001"
# The template's example row uses this code; a row carrying it is rejected so a forgotten example is never imported.
EXAMPLE_USCC = _EXAMPLE_BODY + stdnum_uscc.calc_check_digit(_EXAMPLE_BODY)

# How a cell is parsed: each kind has a `_parse_<kind>` method on parsing.RowChecker.
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
# 四上类别 by the label a clerk types (also the template's drop-down list and the column's hint).
FOUR_UP = {str(label): value for value, label in FourUpCategory.choices}
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
    Column("four_up_category", "四上类别", "four_up", hint="、".join(FOUR_UP), example="规上工业"),
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


class HeaderNotFoundError(ImportFileError):
    """A sheet has content but no row naming a known column: a workbook may still have the header on a later sheet."""


Row = tuple[int, Sequence[Any]]  # (row number as the spreadsheet shows it, cell values)


# --- header matching ----------------------------------------------------------------------------------------------


def _normalize_header(value: Any) -> str:
    return re.sub(r"\s+", "", nfkc(value)).strip("*")


_HEADER_INDEX = {_normalize_header(name): c for c in COLUMNS for name in (c.header, *c.aliases)}


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


def find_header(rows: Iterator[Row]) -> tuple[int, list[tuple[int, Column]]] | None:
    """Consume rows up to the header (the first row naming a known column); the rest stays in the iterator.

    None means the first rows were all blank (an empty sheet); rows without any known column raise.
    """
    seen_content = False
    for _ in range(HEADER_SEARCH_ROWS):
        row = next(rows, None)
        if row is None:
            break
        seen_content = seen_content or any(not is_blank(v) for v in row[1])
        columns = _header_columns(row[1])
        if columns:
            missing = [c.template_header for c in COLUMNS if c.required and all(c is not k for _, k in columns)]
            if missing:
                raise ImportFileError(f"文件缺少必填列:{'、'.join(missing)}。请下载导入模板,按模板表头填写")
            return row[0], columns
    if seen_content:
        raise HeaderNotFoundError(
            "未找到表头:第一行应为导入模板中的列名(如“统一社会信用代码*”“企业名称*”),请使用导入模板"
        )
    return None
