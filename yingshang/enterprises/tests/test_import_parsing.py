"""How one cell, one header row and one file are read: the rules a clerk meets when filling the template."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from yingshang.enterprises.imports.columns import COLUMN_BY_KEY, EXAMPLE_USCC, ImportFileError
from yingshang.enterprises.imports.parsing import MergedCell, RowChecker, read_table
from yingshang.enterprises.tests.fixtures.sample_import import (
    ensure_reference_data,
    legacy_xls,
    password_protected_workbook,
)
from yingshang.enterprises.validators import generate_uscc

TODAY = date(2026, 3, 15)


@pytest.fixture
def checker(db):
    ensure_reference_data()
    return RowChecker(today=TODAY)


def parse(checker, key, raw):
    """(value, None) or (None, message) for one cell."""
    data, problems = checker.check({COLUMN_BY_KEY[key]: raw})
    return data.get(key), (problems[0][1] if problems else None)


@pytest.mark.parametrize(
    "raw",
    ["2024-05-01", "2024/5/1", "2024年5月1日", "2024.05.01", "20240501", "２０２４-０５-０１", 20240501,
     datetime(2024, 5, 1), date(2024, 5, 1), 45413, "2024-05-01 00:00:00"],
)  # fmt: skip
def test_dates_are_accepted_in_the_forms_offices_use(checker, raw):
    assert parse(checker, "registration_date", raw) == (date(2024, 5, 1), None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2024-02-30", "成立日期不是有效的日期"),
        ("去年五月", "成立日期格式不正确,应为 2024-05-01、2024/5/1 或 2024年5月1日"),
        ("2027-01-01", "成立日期不能晚于今天"),
        ("1800-01-01", "成立日期不是有效的日期"),
    ],
)
def test_bad_dates_are_explained(checker, raw, message):
    assert parse(checker, "registration_date", raw) == (None, message)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("5000", Decimal("5000")), ("1,200.5", Decimal("1200.5")), (200.25, Decimal("200.25")), (300, Decimal("300")),
     ("５００", Decimal("500")), ("500万", Decimal("500")), ("  80 ", Decimal("80")), ("0.123456", Decimal("0.1235"))],
)  # fmt: skip
def test_numbers_are_read_as_clerks_type_them(checker, raw, value):
    assert parse(checker, "registered_capital", raw) == (value, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("五百万", "注册资本应为数字"),
        ("-5", "注册资本不能为负数"),
        (True, "注册资本应为数字"),
        ("NaN", "注册资本应为数字"),
        ("1e20", "注册资本数值过大,请确认单位为万元"),
    ],
)
def test_bad_numbers_are_explained(checker, raw, message):
    assert parse(checker, "registered_capital", raw) == (None, message)


def test_employees_must_be_a_whole_number(checker):
    assert parse(checker, "employees", "120") == (120, None)
    assert parse(checker, "employees", 35.0) == (35, None)
    assert parse(checker, "employees", "12.5") == (None, "从业人数应为整数")
    assert parse(checker, "employees", "-3") == (None, "从业人数不能为负数")


def test_lowercase_uscc_is_upper_cased(checker):
    code = generate_uscc(random.Random(3))
    assert parse(checker, "uscc", f" {code.lower()} ") == (code, None)


def test_uscc_errors_use_the_validator_message(checker):
    assert parse(checker, "uscc", "") == (None, "统一社会信用代码不能为空")
    assert parse(checker, "uscc", "9142") == (None, "统一社会信用代码应为18位,当前为4位")


def test_a_uscc_mangled_into_a_number_by_excel_gets_a_hint(checker):
    _, message = parse(checker, "uscc", 9.14208020000000e17)
    assert "被 Excel 存成了数字" in message


def test_the_template_example_row_is_never_imported(checker):
    assert parse(checker, "uscc", EXAMPLE_USCC) == (None, "这是导入模板中的示例行,请删除后再导入")


def test_required_name_cannot_be_blank(checker):
    assert parse(checker, "name", "   ") == (None, "企业名称不能为空")


def test_text_longer_than_the_field_is_rejected(checker):
    assert parse(checker, "legal_representative", "张" * 51) == (None, "法定代表人不能超过50个字(当前51个)")


def test_township_and_park_are_looked_up_by_name(checker):
    township, _ = parse(checker, "township", "子陵铺镇")
    assert township.name == "子陵铺镇"
    value, message = parse(checker, "park", "火星园区")
    assert value is None
    assert message.startswith("园区“火星园区”不存在,可选值:荆门高新区、东宝工业园")


def test_chains_and_qualifications_accept_several_separators(checker):
    chains, _ = parse(checker, "industry_chains", "新能源、装备制造;新材料,新能源")
    assert [c.name for c in chains] == ["新能源", "装备制造", "新材料"]
    quals, _ = parse(checker, "qualifications", "高新技术企业；科技型中小企业")
    assert [q.name for q in quals] == ["高新技术企业", "科技型中小企业"]


def test_unknown_chain_or_qualification_is_an_error(checker):
    _, message = parse(checker, "industry_chains", "新能源、元宇宙")
    assert message.startswith("产业链“元宇宙”不存在,可选值:新能源")
    _, message = parse(checker, "qualifications", "瞪羚企业")
    assert message.startswith("资质“瞪羚企业”不存在")


def test_yes_no_columns(checker):
    assert parse(checker, "is_dishonest_executee", "是") == (True, None)
    assert parse(checker, "is_abnormal_operation", "否") == (False, None)
    assert parse(checker, "is_abnormal_operation", False) == (False, None)
    assert parse(checker, "is_abnormal_operation", "不是") == (None, "经营异常应填写“是”或“否”")


def test_scale_and_four_up_category(checker):
    assert parse(checker, "scale", "规上") == ("above", None)
    assert parse(checker, "scale", "规模以下") == ("below", None)
    assert parse(checker, "scale", "大型") == (None, "规模应填写“规上”或“规下”")
    assert parse(checker, "four_up_category", "限上批零住餐") == ("trade", None)
    assert parse(checker, "four_up_category", "非四上") == ("", None)
    assert parse(checker, "four_up_category", "规上商业")[1].startswith("四上类别“规上商业”无效,可选值:")


@pytest.mark.parametrize("raw", ["0724-2345678", "13912345678", 13912345678, "139 1234 5678", "400-800-1234"])
def test_phone_numbers_are_checked_loosely(checker, raw):
    assert parse(checker, "contact_phone", raw)[1] is None
    assert parse(checker, "contact_phone", raw)[0] == str(raw).replace(" ", "")  # stored without the spaces


@pytest.mark.parametrize("raw", ["123456", "0724-2345678/13912345678", "电话待定", "1" * 21])
def test_bad_phone_numbers_are_rejected(checker, raw):
    assert parse(checker, "contact_phone", raw) == (None, "联系电话格式不正确(只能包含数字和“-”,7至20位)")


def test_phone_and_industry_code_read_from_number_cells_as_excel_shows_them(checker):
    assert parse(checker, "contact_phone", 13912345678.0) == ("13912345678", None)
    assert parse(checker, "industry_code", 3985.0) == ("3985", None)
    assert parse(checker, "contact_phone", " ") == (None, None)


def test_a_formula_error_is_rejected_instead_of_imported_as_text(checker):
    assert parse(checker, "name", "#N/A") == (None, "企业名称是公式错误值 #N/A,请修正公式或直接填写")
    assert parse(checker, "registered_capital", "#DIV/0!")[1] == "注册资本是公式错误值 #DIV/0!,请修正公式或直接填写"


def test_a_pasted_paragraph_is_cut_short_in_the_message(checker):
    _, message = parse(checker, "township", "很长的乡镇名" * 10_000)
    assert message.startswith("乡镇/街道“很长的乡镇名很长的乡镇名")
    assert "…”不存在,可选值:" in message
    assert len(message) < 400
    _, message = parse(checker, "industry_chains", "元宇宙" * 10_000)
    assert len(message) < 400


def test_industry_code_and_data_year(checker):
    assert parse(checker, "industry_code", "c3985") == ("C3985", None)
    assert parse(checker, "industry_code", 3985) == ("3985", None)
    assert parse(checker, "industry_code", "制造业")[1].startswith("行业代码应为国民经济行业分类代码")
    assert parse(checker, "fact_year", "2025") == (2025, None)
    assert parse(checker, "fact_year", "2025年") == (2025, None)
    assert parse(checker, "fact_year", "25") == (None, "数据年度应为四位年份,如 2025")


# --- headers and files ---------------------------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.worksheets[0].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _read(content: bytes, suffix: str):
    with io.BytesIO(content) as fh, read_table(fh, f"企业名单{suffix}") as table:
        return [c.key for _, c in table.columns], list(table.rows)


def test_headers_are_matched_by_name_in_any_order_with_spaces_and_stars():
    keys, rows = _read(
        _xlsx([["备注", " 企业 名称 ＊", "注册资本（万元）", "统一社会信用代码*"], ["x", "甲", 1, "c"]]), ".xlsx"
    )
    assert keys == ["name", "registered_capital", "uscc"]
    assert rows == [(2, ("x", "甲", 1, "c"))]


def test_a_title_row_above_the_header_is_skipped_and_row_numbers_stay_true():
    keys, rows = _read(_xlsx([["2026年东宝区企业名单"], [], ["统一社会信用代码", "企业名称"], ["c", "甲"]]), ".xlsx")
    assert keys == ["uscc", "name"]
    assert rows[0][0] == 4


def test_missing_required_headers_fail_the_file():
    with pytest.raises(ImportFileError, match="文件缺少必填列:统一社会信用代码\\*"):
        _read(_xlsx([["企业名称", "乡镇/街道"], ["甲", "乙"]]), ".xlsx")


def test_a_header_given_twice_fails_the_file():
    with pytest.raises(ImportFileError, match="出现了不止一次"):
        _read(_xlsx([["统一社会信用代码", "企业名称", "企业名称*"]]), ".xlsx")


def test_a_sheet_without_known_headers_fails_the_file():
    with pytest.raises(ImportFileError, match="未找到表头"):
        _read(_xlsx([["名称", "代码"], ["甲", "1"]]), ".xlsx")


def test_an_empty_workbook_fails_the_file():
    with pytest.raises(ImportFileError, match="文件是空的"):
        _read(_xlsx([]), ".xlsx")


def test_a_file_that_is_not_a_workbook_fails_the_file():
    with pytest.raises(ImportFileError, match="不是有效的 Excel"):
        _read(b"%PDF-1.7 this is not a spreadsheet", ".xlsx")
    with pytest.raises(ImportFileError, match="不是有效的 Excel"):
        _read(b"PK\x03\x04broken zip", ".xlsx")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_encodings_chinese_excel_produces(encoding):
    content = "统一社会信用代码*,企业名称*\r\n91420802MA00000013,荆门东宝食品有限公司\r\n".encode(encoding)
    keys, rows = _read(content, ".csv")
    assert keys == ["uscc", "name"]
    assert rows == [(2, ["91420802MA00000013", "荆门东宝食品有限公司"])]


def test_tab_separated_text_is_read_too():
    content = "统一社会信用代码\t企业名称\r\nc\t荆门甲公司\r\n".encode("utf-16")
    assert _read(content, ".csv")[1] == [(2, ["c", "荆门甲公司"])]


def test_an_xlsx_renamed_to_csv_is_explained():
    with pytest.raises(ImportFileError, match=r"扩展名改为 \.xlsx"):
        _read(_xlsx([["统一社会信用代码", "企业名称"]]), ".csv")


def test_a_header_only_csv_has_no_rows():
    assert _read("统一社会信用代码,企业名称\r\n".encode(), ".csv")[1] == []


def test_a_password_protected_workbook_is_explained():
    with pytest.raises(ImportFileError, match="文件设置了打开密码"):
        _read(password_protected_workbook(), ".xlsx")


def test_an_old_xls_renamed_to_xlsx_or_csv_is_explained():
    with pytest.raises(ImportFileError, match=r"旧版 Excel\(\.xls\)格式"):
        _read(legacy_xls(), ".xlsx")
    with pytest.raises(ImportFileError, match=r"旧版 Excel\(\.xls\)格式"):
        _read(legacy_xls(), ".csv")


def test_a_csv_with_a_nul_byte_anywhere_is_refused():
    content = ("统一社会信用代码,企业名称\r\n" + "c,荆门甲公司\r\n" * 1000 + "c,荆门\x00乙公司\r\n").encode()
    with pytest.raises(ImportFileError, match="空字符"):
        _read(content, ".csv")


def test_a_truncated_utf16_csv_is_an_encoding_problem():
    content = "统一社会信用代码,企业名称".encode("utf-16") + b"\x00"
    with pytest.raises(ImportFileError, match="无法识别文件编码"):
        _read(content, ".csv")


def test_a_csv_cell_beyond_the_reader_limit_points_at_the_quotes():
    content = ('统一社会信用代码,企业名称\r\nc,"没有闭合的引号' + "甲" * 200_000 + "\r\n").encode()
    limit = f"{csv.field_size_limit():,}"
    with pytest.raises(ImportFileError, match=rf"第2行附近有一个超过{limit}个字符的单元格,常见原因是引号没有成对"):
        _read(content, ".csv")


def test_a_sheet_as_wide_as_excel_allows_is_read():
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["统一社会信用代码", "企业名称"])
    sheet.cell(row=1, column=16384, value="备注")
    sheet.append(["c", "甲"])
    sheet.cell(row=2, column=16384, value="最后一列")
    out = io.BytesIO()
    workbook.save(out)

    keys, rows = _read(out.getvalue(), ".xlsx")

    assert keys == ["uscc", "name"]
    assert [(number, values[:2], len(values)) for number, values in rows] == [(2, ("c", "甲"), 16384)]


def _merged_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["2026年东宝区企业名单"])
    sheet.merge_cells("A1:D1")  # a title above the header: harmless
    sheet.append(["统一社会信用代码", "企业名称", "乡镇/街道", "备注"])
    sheet.append(["c1", "甲", "龙泉街道", "x"])
    sheet.append(["c2", "乙"])
    sheet.append(["c3", "丙"])
    sheet.append(["c4", "丁", "栗溪镇"])
    sheet.merge_cells("C3:C5")  # the township typed once for three enterprises
    sheet.merge_cells("D3:D6")  # a column the import does not read
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_cells_hidden_by_a_merged_range_are_marked_not_read_as_blank():
    keys, rows = _read(_merged_workbook(), ".xlsx")

    assert keys == ["uscc", "name", "township"]
    townships = {number: values[2] for number, values in rows}
    assert townships == {3: "龙泉街道", 4: MergedCell("C3:C5"), 5: MergedCell("C3:C5"), 6: "栗溪镇"}


def test_a_row_with_a_merged_cell_is_rejected_with_the_range(checker):
    data, problems = checker.check({COLUMN_BY_KEY["township"]: MergedCell("C3:C5")})

    assert data == {}
    assert [(c.key, m) for c, m in problems] == [
        ("township", "乡镇/街道在合并单元格 C3:C5 中,本行读不到值;请取消合并,把值填到每一行后重新上传")
    ]
