"""The streaming .xlsx writer: what openpyxl (and so Excel's format) reads back from it."""
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from core.xlsx_stream import DATE_TIME_FORMAT, MAX_TEXT, StreamingWorkbook


def written(*sheets):
    book = StreamingWorkbook()
    for title, headers, widths, rows in sheets:
        book.add_sheet(title, headers, widths, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def test_values_come_back_with_their_types():
    rows = [[1, 2.5, True, "Nguyễn Thị Lan", datetime(2026, 12, 7, 8, 30, 15), date(1990, 5, 17), None, "x"]]
    book = written(("Dữ liệu", ["Số", "Thực", "Đúng", "Tên", "Lúc", "Ngày", "Trống", "Cuối"], [5, 6], iter(rows)))
    sheet = book["Dữ liệu"]
    assert [cell.value for cell in sheet[2]] == [1, 2.5, True, "Nguyễn Thị Lan", datetime(2026, 12, 7, 8, 30, 15),
                                                 datetime(1990, 5, 17), None, "x"]
    assert sheet["E2"].number_format == DATE_TIME_FORMAT
    assert sheet["F2"].is_date
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (5, 6)


@pytest.mark.parametrize("text", ["=1+2", "+84912345678", "-5", "@SUM(A1)", '=HYPERLINK("http://x","y")'])
def test_formula_like_text_stays_text(text):
    sheet = written(("S", ["Giá trị"], [], [[text]]))["S"]
    assert sheet["A2"].value == text
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].quotePrefix


def test_markup_control_characters_spaces_and_length():
    rows = [["<b>&amp;</b> \"q\"", "a\x00b\x1fc", "  thụt lề  ", "x" * (MAX_TEXT + 10)]]
    sheet = written(("S", ["a", "b", "c", "d"], [], rows))["S"]
    assert sheet["A2"].value == "<b>&amp;</b> \"q\""
    assert sheet["B2"].value == "abc"
    assert sheet["C2"].value == "  thụt lề  "
    assert len(sheet["D2"].value) == MAX_TEXT


def test_many_sheets_many_columns_and_rows():
    wide = [[f"c{i}" for i in range(30)]]
    long = ([n, f"dòng {n}"] for n in range(2000))
    book = written(("Rộng", [f"H{i}" for i in range(30)], [], wide), ("Dài", ["Số", "Tên"], [], long))
    assert book.sheetnames == ["Rộng", "Dài"]
    assert book["Rộng"]["AD2"].value == "c29"
    assert book["Dài"].max_row == 2001
    assert book["Dài"]["B2001"].value == "dòng 1999"


@pytest.mark.parametrize("title", ["a" * 32, "Kết quả: tuần 1", "a/b"])
def test_invalid_sheet_titles_are_refused(title):
    with pytest.raises(ValueError):
        StreamingWorkbook().add_sheet(title, [], [], [])
