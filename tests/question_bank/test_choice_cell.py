"""Banks with every choice in one cell (`A. …⏎B. …`) beside the question and the key (issue 16, point 3),
and what a sheet that almost fits is told (point 7)."""
import pytest

from core.files import FILE_WHERE
from question_bank.importers import parse_file
from question_bank.importers.choice_cell import split_choices, split_stem

from .sheets import csv_text, rewrite_member, with_shared_strings, xlsx

CHOICES = "A. Cổng Dịch vụ công quốc gia\nB. Báo Nhân dân\nC. Đài truyền hình\nD. Bảng tin xã"
EXPECTED = ["Cổng Dịch vụ công quốc gia", "Báo Nhân dân", "Đài truyền hình", "Bảng tin xã"]
NO_CHOICES = ("Dòng tiêu đề có %s nhưng không có cột A, B, C… và không có cột nào chứa các phương án. "
              "Hãy đặt mỗi phương án vào một cột “A”, “B”, “C”, “D”, hoặc đặt tiêu đề “Phương án” cho cột chứa "
              "cả các phương án, mỗi phương án một dòng trong ô (“A. …”, “B. …”).")


def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


@pytest.mark.parametrize(
    "cell, expected",
    [
        pytest.param(CHOICES, EXPECTED, id="dot"),
        pytest.param("A) Một\r\nB) Hai\r\nC) Ba", ["Một", "Hai", "Ba"], id="paren-crlf"),
        pytest.param("a. Một\n\nb. Hai", ["Một", "Hai"], id="lower-case-blank-line"),
        pytest.param("A/ Một dòng\n   nối tiếp\nB: Hai", ["Một dòng nối tiếp", "Hai"], id="continuation"),
        pytest.param("A. Một; B. Hai; C. Ba", None, id="one-line"),
        pytest.param("Chọn:\nA. Một\nB. Hai", None, id="text-before-A"),
        pytest.param("A. Một\nC. Hai", None, id="letter-skipped"),
        pytest.param("A. Một\nB. Hai\nB. Ba", None, id="letter-twice"),
        pytest.param("A. Các trường hợp:\na) thứ nhất\nB. Hai", None, id="lettered-line-inside-choice"),
        pytest.param("A. Một", None, id="single-choice"),
    ],
)
def test_split_choices(cell, expected):
    assert split_choices(cell) == expected


@pytest.mark.parametrize("header", ["Phương án", "Các phương án", "Phương án trả lời", "Đáp án lựa chọn",
                                    "PHƯƠNG ÁN (A, B, C, D)"])
def test_xlsx_choices_in_one_cell_with_topic_column(header):
    rows = [
        ["NGÂN HÀNG CÂU HỎI CẢI CÁCH HÀNH CHÍNH"],
        ["STT", "Hạng mục", "Nội dung", header, "Đáp án"],
        [1, "Thủ tục hành chính", "Thủ tục hành chính được công bố ở đâu?", CHOICES, "A"],
        [2, "Một cửa", "Câu 2: Ai tiếp nhận hồ sơ?", "A. Bộ phận một cửa\nB. Văn thư", "b"],
    ]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [] and problems(result, "warnings") == []
    assert [(q.where, q.text, q.choices, q.correct, q.topic) for q in result.questions] == [
        ("Sheet1, dòng 3", "Thủ tục hành chính được công bố ở đâu?", EXPECTED, [0], "Thủ tục hành chính"),
        ("Sheet1, dòng 4", "Ai tiếp nhận hồ sơ?", ["Bộ phận một cửa", "Văn thư"], [1], "Một cửa"),
    ]


def test_csv_choices_in_one_quoted_cell():
    text = csv_text([["Câu hỏi", "Phương án", "Đáp án", "Chủ đề"],
                     ["Thủ tục hành chính được công bố ở đâu?", CHOICES, "Cổng Dịch vụ công quốc gia", "TTHC"]])
    result = parse_file(text.encode(), "bank.csv")
    assert result.format == "csv"
    assert problems(result) == []
    [question] = result.questions
    assert (question.where, question.choices, question.correct, question.topic) == (
        "CSV, dòng 2", EXPECTED, [0], "TTHC")


def test_a_cell_that_does_not_split_is_an_error_naming_the_row_and_nothing_is_guessed():
    rows = [["Nội dung", "Phương án", "Đáp án"],
            ["Câu một?", "A. Một\nB. Hai", "A"],
            ["Câu hai?", "A. Một; B. Hai; C. Ba", "B"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [
        ("Sheet1, dòng 3", "Không tách được ô phương án “A. Một; B. Hai; C. Ba”: mỗi phương án phải nằm trên một "
                           "dòng riêng trong ô, bắt đầu bằng “A.”, “B.”, “C.”… theo thứ tự."),
    ]
    assert [q.where for q in result.questions] == ["Sheet1, dòng 2"]


def test_key_letter_beyond_the_cell_choices_is_an_error():
    rows = [["Nội dung", "Phương án", "Đáp án"], ["Câu một?", "A. Một\nB. Hai", "C"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [("Sheet1, dòng 2", "Đáp án C không có trong các phương án.")]


def test_phuong_an_merged_over_letter_columns_is_a_two_row_header():
    rows = [["STT", "Câu hỏi", "Phương án", None, None, "Đáp án"],
            [None, None, "A", "B", "C", None],
            [1, "Câu một?", "Một", "Hai", "Ba", "C"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == []
    assert [(q.where, q.choices, q.correct) for q in result.questions] == [
        ("Sheet1, dòng 3", ["Một", "Hai", "Ba"], [2])]


def test_xlsx_header_without_choices_says_what_it_saw_and_how_to_fix_it():
    rows = [["STT", "Nội dung", "Đáp án"], [1, "Câu một?", "A"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [("Sheet1, dòng 1", NO_CHOICES % "“STT”, “Nội dung”, “Đáp án”")]


def test_csv_header_without_choices_says_what_it_saw_and_how_to_fix_it():
    result = parse_file("Nội dung;Lời giải;Đáp án\r\nCâu một?;A. Một B. Hai;A\r\n".encode(), "bank.csv")
    assert problems(result) == [("CSV, dòng 1", NO_CHOICES % "“Nội dung”, “Lời giải”, “Đáp án”")]


def test_answer_list_sheet_beside_a_question_sheet_is_only_a_warning():
    questions = [["Nội dung", "Phương án", "Đáp án"], ["Câu một?", "A. Một\nB. Hai", "A"]]
    answers = [["Câu hỏi", "Đáp án"], ["Câu một?", "A"]]
    result = parse_file(xlsx(("Câu hỏi", questions), ("Đáp án", answers)), "bank.xlsx")
    assert problems(result) == []
    assert problems(result, "warnings") == [("Đáp án, dòng 1", NO_CHOICES % "“Câu hỏi”, “Đáp án”")]


def test_no_header_at_all_keeps_the_general_message():
    result = parse_file(xlsx([["Mã", "Tên"], ["DV1", "Sở Nội vụ"]]), "units.xlsx")
    [(where, message)] = problems(result)
    assert where == FILE_WHERE and message.startswith("Không tìm thấy dòng tiêu đề")


@pytest.mark.parametrize(
    "cell, expected",
    [
        pytest.param("Câu hỏi?\nA. Một\nB. Hai", ("Câu hỏi?", ["Một", "Hai"]), id="stem-then-choices"),
        pytest.param("Dòng một\ndòng hai:\na) Một\nb) Hai", ("Dòng một dòng hai:", ["Một", "Hai"]), id="two-lines"),
        pytest.param("A. Một\nB. Hai", None, id="no-stem"),
        pytest.param("Câu hỏi? A. Một B. Hai", None, id="one-line"),
        pytest.param("Câu hỏi?\nA. Một\nC. Hai", None, id="letter-skipped"),
    ],
)
def test_split_stem(cell, expected):
    assert split_stem(cell) == expected


def test_question_cell_holding_its_choices_under_a_header_without_choice_columns():
    rows = [["STT", "Nội dung", "Đáp án", "Chủ đề"],
            [1, f"Thủ tục hành chính được công bố ở đâu?\n{CHOICES}", "A", "TTHC"],
            [2, "Câu 2: Ai tiếp nhận hồ sơ?\nA. Văn thư\nB. Bộ phận một cửa", "B", "TTHC"],
            [3, "Câu hỏi không tách được? A. x B. y", "A", "TTHC"],
            ["STT", "Nội dung", "Đáp án", "Chủ đề"],
            [4, "Câu bốn?\nA. Có\nB. Không", "b", "Khác"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [
        ("Sheet1, dòng 4", "Không tách được câu hỏi và các phương án trong ô “Câu hỏi không tách được? A. x B. y”: "
                           "sau nội dung câu hỏi, mỗi phương án phải nằm trên một dòng riêng, bắt đầu bằng “A.”, "
                           "“B.”, “C.”… theo thứ tự."),
    ]
    assert [(q.where, q.text, q.choices, q.correct, q.topic) for q in result.questions] == [
        ("Sheet1, dòng 2", "Thủ tục hành chính được công bố ở đâu?", EXPECTED, [0], "TTHC"),
        ("Sheet1, dòng 3", "Ai tiếp nhận hồ sơ?", ["Văn thư", "Bộ phận một cửa"], [1], "TTHC"),
        ("Sheet1, dòng 6", "Câu bốn?", ["Có", "Không"], [1], "Khác"),
    ]


def test_csv_question_cell_holding_its_choices():
    text = csv_text([["Câu hỏi", "Đáp án"], [f"Công bố ở đâu?\n{CHOICES}", "D"]])
    result = parse_file(text.encode(), "bank.csv")
    assert problems(result) == []
    assert [(q.text, q.choices, q.correct) for q in result.questions] == [("Công bố ở đâu?", EXPECTED, [3])]


def test_miss_suggests_renaming_a_column_whose_cells_hold_the_choices():
    rows = [["Nội dung", "Lựa chọn trả lời", "Đáp án"], ["Câu một?", "A. Một\nB. Hai", "A"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [(
        "Sheet1, dòng 1",
        NO_CHOICES % "“Nội dung”, “Lựa chọn trả lời”, “Đáp án”"
        + " Cột “Lựa chọn trả lời” có vẻ chứa các phương án: hãy đổi tiêu đề cột đó thành “Phương án”.",
    )]


def test_header_without_question_column_says_so():
    rows = [["Câu", "A", "B", "C", "Đáp án"], [1, "Một", "Hai", "Ba", "A"]]
    result = parse_file(xlsx(rows), "bank.xlsx")
    assert problems(result) == [(
        "Sheet1, dòng 1",
        "Dòng tiêu đề có “Câu”, “A”, “B”, “C”, “Đáp án” nhưng không có cột nội dung câu hỏi. Hãy đặt tiêu đề "
        "“Câu hỏi” hoặc “Nội dung” cho cột chứa nội dung câu hỏi.",
    )]


def test_excel_escaped_carriage_returns_in_a_choices_cell():
    """Excel writes a cell pasted from Word as "A. x_x000D_⏎B. y"; _x005F_ is an escaped underscore."""
    data = with_shared_strings(xlsx([["Nội dung", "Phương án", "Đáp án"],
                                     ["Q_x005F_x000D_?", "A. Một\r\nB. Hai", "B"]]))
    data = rewrite_member(data, "xl/sharedStrings.xml", lambda xml: xml.replace(b"\r\n", b"_x000D_\n")
                          .replace(b"&#13;\n", b"_x000D_\n").replace(b"\r", b"_x000D_"))
    result = parse_file(data, "bank.xlsx")
    assert problems(result) == []
    assert [(q.text, q.choices, q.correct) for q in result.questions] == [("Q_x000D_?", ["Một", "Hai"], [1])]
