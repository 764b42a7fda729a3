"""Catalogue xlsx: export (two sheets, 事项 and 申请材料, the same layout the import reads) and import with a
row-by-row error report.

Why synchronous and all-or-nothing, unlike the enterprise import's background job: a district catalogue holds
hundreds to a couple of thousand items (the seeds' 1,806), which parses, validates and writes in seconds (docs/benchmarks.md), so a
job table, a worker and a progress page would add moving parts without sparing anyone a wait. Validation runs over
every row first; if any row is wrong, nothing is written and the page lists every error with sheet, row, column and
reason; otherwise all rows are applied in one transaction.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Prefetch
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from yingshang.accounts.models import Department
from yingshang.core.errors import ApplicationError
from yingshang.core.exports import cell

from .models import ItemKind, ItemLevel, ItemMaterial, MaterialForm, OnlineDepth, ServiceItem
from .services_catalogue import ItemInput, MaterialInput, validate_item, validate_material

ITEM_HEADERS = (
    "事项编码*",
    "事项名称*",
    "实施部门*",
    "层级",
    "事项类型",
    "法定时限(工作日)*",
    "承诺时限(工作日)*",
    "受理条件",
    "收费标准",
    "网办深度(1-4)",
    "跨省通办",
    "省内通办",
    "办理环节(每行一个)",
    "办理地点",
    "咨询电话",
    "在用",
)
MATERIAL_HEADERS = (
    "事项编码*",
    "材料名称*",
    "材料形式",
    "份数",
    "来源渠道",
    "必要",
    "可容缺",
    "可告知承诺",
    "填报说明",
)
ITEMS_SHEET = "事项"
MATERIALS_SHEET = "申请材料"
MAX_ROWS = 20_000

_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", "", "×"}


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


# ---------------------------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------------------------


def _sheet(workbook: Workbook, title: str, headers: Iterable[str], rows: Iterable[list[Any]]) -> None:
    sheet = workbook.create_sheet(title=title)
    head = []
    for header in headers:
        c = WriteOnlyCell(sheet, value=header)
        c.font = Font(bold=True)
        head.append(c)
    sheet.append(head)
    for row in rows:
        sheet.append([cell(sheet, v) for v in row])


def catalogue_workbook(items: Iterable[ServiceItem]) -> IO[bytes]:
    items = list(
        ServiceItem.objects.filter(pk__in=[i.pk for i in items])
        .select_related("department")
        .prefetch_related(Prefetch("materials", queryset=ItemMaterial.objects.order_by("sort_order", "id")))
        .order_by("code")
    )
    workbook = Workbook(write_only=True)
    _sheet(
        workbook,
        ITEMS_SHEET,
        ITEM_HEADERS,
        (
            [
                i.code,
                i.name,
                i.department.code,
                i.get_level_display(),
                i.get_kind_display(),
                i.legal_limit_days,
                i.committed_limit_days,
                i.conditions,
                i.fees,
                int(i.online_depth),
                _yes_no(i.cross_province),
                _yes_no(i.in_province),
                "\n".join(i.step_list),
                i.window_location,
                i.contact_phone,
                _yes_no(i.is_active),
            ]
            for i in items
        ),
    )
    _sheet(
        workbook,
        MATERIALS_SHEET,
        MATERIAL_HEADERS,
        (
            [
                i.code,
                m.name,
                m.get_form_display(),
                m.copies,
                m.source,
                _yes_no(m.required),
                _yes_no(m.may_be_missing),
                _yes_no(m.commitment_allowed),
                m.notes,
            ]
            for i in items
            for m in i.materials.all()
        ),
    )
    file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(file)
    file.seek(0)
    return file


# ---------------------------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class ImportPreview:
    rows: list[ItemInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    item_rows: int = 0
    material_rows: int = 0


class _RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any, column: str, *, default: int | None = None) -> int:
    text = _text(value)
    if not text:
        if default is not None:
            return default
        raise _RowProblem(column, "不能为空")
    try:
        number = float(text)
    except ValueError as exc:
        raise _RowProblem(column, f"应为整数,实际为“{text}”") from exc
    if not number.is_integer() or number < 0:
        raise _RowProblem(column, f"应为非负整数,实际为“{text}”")
    return int(number)


def _bool(value: Any, column: str, *, default: bool) -> bool:
    text = _text(value).lower()
    if not text:
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _RowProblem(column, f"应填“是”或“否”,实际为“{_text(value)}”")


def _choice(value: Any, column: str, choices: Any, *, default: str) -> str:
    text = _text(value)
    if not text:
        return default
    for choice_value, label in choices:
        if text in (choice_value, label) or label.startswith(text):
            return str(choice_value)
    labels = "、".join(label for _, label in choices)
    raise _RowProblem(column, f"“{text}”不是有效值,可选:{labels}")


def _rows(sheet: Any, headers: tuple[str, ...]) -> Iterable[tuple[int, dict[str, Any]]]:
    iterator = sheet.iter_rows(values_only=True)
    header_row = next(iterator, None)
    if header_row is None:
        return
    names = [_text(h) for h in header_row]
    index = {h: names.index(h) if h in names else None for h in headers}
    for number, values in enumerate(iterator, start=2):
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        yield number, {h: (values[i] if i is not None and i < len(values) else None) for h, i in index.items()}


def _department(value: Any, departments: dict[str, Department]) -> Department:
    text = _text(value)
    if not text:
        raise _RowProblem("实施部门*", "不能为空")
    found = departments.get(text)
    if found is None:
        raise _RowProblem("实施部门*", f"找不到部门“{text}”(填写部门编码或全称)")
    return found


def read_catalogue(file: Any) -> ImportPreview:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a readable xlsx
        raise ApplicationError("无法读取该文件:请上传 Excel(.xlsx)文件,且不要加密", field="file") from exc
    try:
        if ITEMS_SHEET not in workbook.sheetnames:
            raise ApplicationError(f"文件中没有名为“{ITEMS_SHEET}”的工作表,请使用导出的模板", field="file")
        departments: dict[str, Department] = {}
        for d in Department.objects.all():
            departments.setdefault(d.code, d)
            departments.setdefault(d.name, d)
        preview = ImportPreview()
        inputs: dict[str, ItemInput] = {}
        item_rows: dict[str, int] = {}
        for number, row in _rows(workbook[ITEMS_SHEET], ITEM_HEADERS):
            preview.item_rows += 1
            if preview.item_rows > MAX_ROWS:
                raise ApplicationError(f"一次最多导入 {MAX_ROWS} 个事项", field="file")
            try:
                code = _text(row["事项编码*"])
                if code in item_rows:
                    raise _RowProblem("事项编码*", f"与第 {item_rows[code]} 行重复")
                data = ItemInput(
                    code=code,
                    name=_text(row["事项名称*"]),
                    department=_department(row["实施部门*"], departments),
                    level=_choice(row["层级"], "层级", ItemLevel.choices, default=ItemLevel.DISTRICT),
                    kind=_choice(row["事项类型"], "事项类型", ItemKind.choices, default=ItemKind.ON_APPLICATION),
                    legal_limit_days=_int(row["法定时限(工作日)*"], "法定时限(工作日)*"),
                    committed_limit_days=_int(row["承诺时限(工作日)*"], "承诺时限(工作日)*"),
                    conditions=_text(row["受理条件"]),
                    fees=_text(row["收费标准"]) or "不收费",
                    online_depth=_choice(
                        _text(row["网办深度(1-4)"]), "网办深度(1-4)", OnlineDepth.choices, default=OnlineDepth.LEVEL3
                    ),
                    cross_province=_bool(row["跨省通办"], "跨省通办", default=False),
                    in_province=_bool(row["省内通办"], "省内通办", default=False),
                    steps=_text(row["办理环节(每行一个)"]).replace("→", "\n") or "受理\n审查\n决定\n办结",
                    window_location=_text(row["办理地点"]),
                    contact_phone=_text(row["咨询电话"]),
                    is_active=_bool(row["在用"], "在用", default=True),
                )
                validate_item(data, check_code=False)
            except _RowProblem as problem:
                preview.errors.append(RowError(ITEMS_SHEET, number, problem.column, problem.message))
                item_rows.setdefault(_text(row["事项编码*"]), number)
                continue
            except ApplicationError as exc:
                preview.errors.append(RowError(ITEMS_SHEET, number, _column_for(exc.field), exc.message))
                item_rows.setdefault(code, number)
                continue
            item_rows[code] = number
            inputs[code] = data
        materials: dict[str, list[MaterialInput]] = {}
        if MATERIALS_SHEET in workbook.sheetnames:
            for number, row in _rows(workbook[MATERIALS_SHEET], MATERIAL_HEADERS):
                preview.material_rows += 1
                try:
                    code = _text(row["事项编码*"])
                    if code not in item_rows:
                        raise _RowProblem("事项编码*", f"事项编码“{code}”不在“{ITEMS_SHEET}”工作表中")
                    material = MaterialInput(
                        name=_text(row["材料名称*"]),
                        form=_choice(row["材料形式"], "材料形式", MaterialForm.choices, default=MaterialForm.ORIGINAL),
                        copies=_int(row["份数"], "份数", default=1),
                        source=_text(row["来源渠道"]) or "申请人自备",
                        required=_bool(row["必要"], "必要", default=True),
                        may_be_missing=_bool(row["可容缺"], "可容缺", default=False),
                        commitment_allowed=_bool(row["可告知承诺"], "可告知承诺", default=False),
                        notes=_text(row["填报说明"]),
                    )
                    validate_material(material)
                    if any(m.name == material.name for m in materials.get(code, [])):
                        raise _RowProblem("材料名称*", f"事项 {code} 已有同名材料")
                except _RowProblem as problem:
                    preview.errors.append(RowError(MATERIALS_SHEET, number, problem.column, problem.message))
                    continue
                except ApplicationError as exc:
                    preview.errors.append(RowError(MATERIALS_SHEET, number, "材料名称*", exc.message))
                    continue
                materials.setdefault(code, []).append(material)
            preview.rows = [
                ItemInput(**{**_as_dict(data), "materials": materials.get(code, [])}) for code, data in inputs.items()
            ]
        else:
            # Without a materials sheet, the items' materials are left as they are.
            preview.rows = list(inputs.values())
        return preview
    finally:
        workbook.close()


def _as_dict(data: ItemInput) -> dict[str, Any]:
    return {name: getattr(data, name) for name in data.__dataclass_fields__}


_FIELD_COLUMNS = {
    "code": "事项编码*",
    "name": "事项名称*",
    "legal_limit_days": "法定时限(工作日)*",
    "committed_limit_days": "承诺时限(工作日)*",
    "level": "层级",
    "kind": "事项类型",
    "online_depth": "网办深度(1-4)",
}


def _column_for(field_name: str | None) -> str:
    return _FIELD_COLUMNS.get(field_name or "", "")
