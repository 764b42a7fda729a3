"""Files the import pages offer for download: the blank templates (xlsx and CSV) and a job's error report.

The xlsx template carries the reference data of the day (drop-down lists and a 填写说明 sheet); the error report
keeps a cell like "=HYPERLINK(...)" copied from an upload as text (never a formula), shows phone numbers masked, and
is audited as an export.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import IO, Any

import openpyxl
from django.utils import timezone
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yingshang.core.audit import Action, audit_record
from yingshang.core.exports import write_xlsx

from ..models import ImportJob, IndustryChain, Park, Qualification, Township
from .columns import COLUMNS, EXAMPLE_USCC, FOUR_UP
from .selectors import import_errors


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
    example = _example_row(names, timezone.localdate())
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "企业信息"
    sheet.append([c.template_header for c in COLUMNS])
    sheet.append(example)
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
    list_columns = {
        "township": names["township"],
        "park": names["park"],
        "scale": ["规上", "规下"],
        "four_up_category": list(FOUR_UP),
        "boolean": ["是", "否"],
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
    for index, column in enumerate(COLUMNS):
        requirement = column.hint or (f"不超过{column.max_length}个字" if column.max_length else "")
        guide.append([column.template_header, "必填" if column.required else "选填", requirement, example[index]])
    guide.append([])
    notes = [
        "第1行为表头,请勿修改列名;列的顺序可以调整,不需要的选填列可以删除。",
        "第2行为示例,导入时会被拒绝,请删除后填写实际数据。",
        "留空的单元格表示不修改系统中已有的值。",
        "请不要合并单元格:每一行填写一家企业的完整信息,合并区域中除第一行外的行会被拒绝。",
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
        ("四上类别可选值", list(FOUR_UP)),
    ]:
        guide.append([label, "", "、".join(values) or "(系统中尚未设置)"])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 30

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def error_report_xlsx(job: ImportJob) -> IO[bytes]:
    return write_xlsx(
        title="错误明细",
        headers=["行号", "列", "值", "原因"],
        widths=[8, 16, 30, 60],
        rows=(
            (error.get("row"), error.get("column"), error.get("value"), error.get("message"))
            for error in import_errors(job)
        ),
    )


def import_error_report_export(*, job: ImportJob, by: Any) -> IO[bytes]:
    """The error report for download; the download is audited like any export of the registry's data."""
    content = error_report_xlsx(job)
    audit_record(
        action=Action.EXPORT,
        user=by,
        obj=job,
        detail={
            "object": "企业导入错误报告",
            "format": "xlsx",
            "rows": len(job.errors) if isinstance(job.errors, list) else 0,
            "unmasked": False,
            "job_id": job.pk,
            "file_name": job.original_name,
        },
    )
    return content
