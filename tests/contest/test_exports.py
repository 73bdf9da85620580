"""The judge's workbook: sheets, headers, values, dates in the contest's zone, no formulas."""
from datetime import datetime

import pytest
from openpyxl import load_workbook

from contest.services.results import exports, prizes
from tests.factories import finish, make_bank, make_contest, make_round, make_unit, make_user


@pytest.fixture
def round_(db):
    make_bank(4, topic="Cải cách thủ tục hành chính")
    contest = make_contest(name="=HYPERLINK(\"http://x\")")
    round_ = make_round(contest, questions=3, title="Tuần 1", prediction_prompt="Bao nhiêu người đạt điểm tối đa?")
    unit = make_unit(code="SNV", name="Sở Nội vụ", headcount=4, group="Sở, ngành")
    finish(round_, make_user(full_name="=1+2", username="hacker", unit_id=unit.id), 9, prediction=1, duration=125)
    finish(round_, make_user(full_name="Nguyễn Thị Lan", username="lan", unit_id=unit.id), 10, prediction=3,
           submitted=30)
    prizes.set_quotas(db, round_, "individual", {"first": 1})
    prizes.set_quotas(db, round_, "unit", {"first": 1})
    return round_


def test_workbook_sheets_headers_values(db, round_, tmp_path):
    path = tmp_path / "ket-qua.xlsx"
    exports.write_results(db, round_, path)
    book = load_workbook(path)
    assert book.sheetnames == ["Xếp hạng cá nhân", "Xếp hạng đơn vị", "Thống kê câu hỏi", "Thông tin"]
    people = book["Xếp hạng cá nhân"]
    rows = list(people.values)
    assert rows[0][:5] == ("Hạng", "Họ và tên", "Tên đăng nhập", "Đơn vị", "Điểm") and rows[0][-1] == "Cảnh báo"
    assert rows[1][:7] == (1, "Nguyễn Thị Lan", "lan", "Sở Nội vụ", 10, 10, 3)
    assert rows[1][-2:] == ("Giải Nhất", None)  # prize, no flag (Cảnh báo)
    assert rows[2][1] == "=1+2" and rows[2][-2] is None
    # 2026-12-07 01:30 UTC is 08:30 in Asia/Ho_Chi_Minh; a real date, not text.
    assert rows[1][9] == datetime(2026, 12, 7, 8, 30)
    assert people["J2"].number_format == exports.DATE_FORMAT
    assert people.freeze_panes == "A2"
    assert people["A1"].font.bold
    assert people.column_dimensions["B"].width == 28
    units = list(book["Xếp hạng đơn vị"].values)
    assert units[1][:8] == ("Sở, ngành", 1, "SNV", "Sở Nội vụ", None, 2, 4, 50.0)
    assert units[1][-1] == "Giải Nhất"
    info = dict(book["Thông tin"].values)
    assert info["Đợt thi"] == "Tuần 1"
    assert info["Cuộc thi"] == '=HYPERLINK("http://x")'
    assert info["Giá trị thực của câu dự đoán"] == 1
    assert info["Múi giờ"] == "Asia/Ho_Chi_Minh"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"


def test_item_sheet_lists_drawn_questions(db, round_, tmp_path):
    path = tmp_path / "ket-qua.xlsx"
    exports.write_results(db, round_, path)
    rows = list(load_workbook(path)["Thống kê câu hỏi"].values)
    assert rows[0][:8] == ("Mã câu hỏi", "Nội dung", "Chủ đề", "Số lần rút", "Số lần trả lời", "Số lần đúng",
                           "Tỷ lệ đúng (%)", "Độ phân biệt")
    assert len(rows) == 1  # the factory attempts drew no questions: only the header


def test_csv_has_bom_and_neutralises_formulas(db, round_):
    text = "".join(exports.csv_lines(db, round_, "individuals"))
    assert text.startswith("\ufeffHạng,Họ và tên")
    assert "'=1+2" in text
    assert "07/12/2026 08:30:00" in text


def test_empty_round_still_exports(db, tmp_path):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    path = tmp_path / "trong.xlsx"
    exports.write_results(db, round_, path)
    assert len(list(load_workbook(path)["Xếp hạng cá nhân"].values)) == 1
