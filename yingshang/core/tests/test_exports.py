"""The one xlsx writer every export uses: text stays text, control characters cannot break a download."""

from __future__ import annotations

from datetime import UTC, datetime

from openpyxl import load_workbook

from yingshang.core.exports import write_xlsx


def test_a_value_that_looks_like_a_formula_is_written_as_text():
    sheet = load_workbook(write_xlsx(title="t", headers=["名称"], rows=[['=HYPERLINK("http://x")']])).worksheets[0]
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"


def test_control_characters_from_pasted_text_are_dropped_instead_of_failing_the_export():
    sheet = load_workbook(write_xlsx(title="t", headers=["名称"], rows=[["荆门\x07协进\x1b有限公司"]])).worksheets[0]
    assert sheet["A2"].value == "荆门协进有限公司"


def test_times_are_shown_in_local_time_and_numbers_stay_numbers():
    rows = [[datetime(2026, 11, 22, 1, 30, tzinfo=UTC), 42]]
    sheet = load_workbook(
        write_xlsx(title="t", headers=["时间", "数"], rows=rows, widths=[20, 8], freeze="A2")
    ).worksheets[0]
    assert sheet["A2"].value == "2026-11-22 09:30:00"
    assert sheet["B2"].value == 42
    assert sheet.freeze_panes == "A2"
