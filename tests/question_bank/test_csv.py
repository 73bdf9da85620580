"""The CSV importer: encodings, delimiters, quoted cells and the shared row rules."""
import pytest

from core import sheets
from core.files import FILE_WHERE
from question_bank.importers import parse_file

from .sheets import HEADER, ROW, cp1258, csv_text

SECOND = ["Cơ quan nào chủ trì cải cách hành chính?", "Bộ Nội vụ", "Bộ Tư pháp", "", "", "Bộ Nội vụ", "", "khó", "", ""]


def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


def check_two_questions(result):
    assert result.format == "csv"
    assert problems(result) == []
    first, second = result.questions
    assert first.where == "CSV, dòng 2"
    assert first.text == ROW[0]
    assert first.choices == ROW[1:5]
    assert (first.correct, first.topic, first.difficulty, first.source, first.explanation) == (
        [0], "Thủ tục hành chính", "easy", "Nghị định 63/2010/NĐ-CP", "Điều 15 quy định việc công bố.",
    )
    assert (second.where, second.choices, second.correct, second.difficulty, second.topic) == (
        "CSV, dòng 3", ["Bộ Nội vụ", "Bộ Tư pháp"], [0], "hard", None,
    )


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(cp1258, id="windows-1258"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_encodings_and_delimiters(encode, delimiter):
    data = encode(csv_text([HEADER, ROW, SECOND], delimiter))
    check_two_questions(parse_file(data, "bank.csv"))


def test_windows_1252_without_vietnamese_letters():
    data = csv_text([["Question", "A", "B", "Answer"], ["Café or thé?", "Café", "Thé", "Café"]]).encode("cp1252")
    result = parse_file(data, "bank.csv")
    assert problems(result) == []
    assert [(q.text, q.correct) for q in result.questions] == [("Café or thé?", [0])]


def test_semicolon_file_with_commas_inside_cells():
    rows = [["Câu hỏi", "A", "B", "Đáp án (A, B)"], ["Hỏi, rồi trả lời?", "Có, đúng", "Không, sai", "a"]]
    result = parse_file(csv_text(rows, ";").encode(), "bank.csv")
    assert problems(result) == []
    assert [(q.text, q.choices, q.correct) for q in result.questions] == [
        ("Hỏi, rồi trả lời?", ["Có, đúng", "Không, sai"], [0]),
    ]


def test_quoted_multi_line_cells_count_as_one_row():
    text = (
        "Câu hỏi,A,B,Đáp án\r\n"
        '"Dòng đầu\nvà dòng sau của câu hỏi?","Có\n(đúng)",Không,A\r\n'
        'Câu sau?,"Một ""trích dẫn""",Hai,B\r\n'
    )
    result = parse_file(text.encode(), "bank.csv")
    assert problems(result) == []
    assert [(q.where, q.text, q.choices) for q in result.questions] == [
        ("CSV, dòng 2", "Dòng đầu và dòng sau của câu hỏi?", ["Có (đúng)", "Không"]),
        ("CSV, dòng 3", "Câu sau?", ['Một "trích dẫn"', "Hai"]),
    ]


def test_title_rows_and_blank_rows():
    rows = [["DANH SÁCH CÂU HỎI"], [], HEADER, [], ROW, ["", "", ""], SECOND]
    result = parse_file(csv_text(rows).encode("utf-8-sig"), "bank.csv")
    assert problems(result) == []
    assert [q.where for q in result.questions] == ["CSV, dòng 5", "CSV, dòng 7"]


def test_english_headers_in_lower_case():
    rows = [["no.", "question", "option a", "option b", "answer", "difficulty"], ["1", "Q?", "Yes", "No", "B", "2"]]
    result = parse_file(csv_text(rows).encode(), "bank.csv")
    assert problems(result) == []
    assert [(q.text, q.correct, q.difficulty) for q in result.questions] == [("Q?", [1], "medium")]


@pytest.mark.parametrize(
    "row, message",
    [
        (["", "Có", "Không", "A"], "Câu hỏi không có nội dung."),
        (["Hỏi?", "Có", "", "A"], "Câu hỏi cần ít nhất 2 phương án, tệp có 1."),
        (["Hỏi?", "Có", "Không", "E"], "Đáp án E không có trong các phương án."),
        (["Hỏi?", "Có", "Không", "Chưa rõ"], "Đáp án “Chưa rõ” không khớp với phương án nào."),
        (["Hỏi?", "Có", "Không", ""], "Thiếu đáp án (ô “Đáp án” để trống)."),
        (["Hỏi?", "Có", "Không", "A", "4"], "Mức độ “4” không hợp lệ (dùng Dễ, Trung bình, Khó hoặc 1, 2, 3)."),
    ],
)
def test_row_errors_name_the_row(row, message):
    rows = [["Câu hỏi", "A", "B", "Đáp án", "Mức độ"], ["Đúng?", "Có", "Không", "A"], row]
    result = parse_file(csv_text(rows).encode(), "bank.csv")
    assert problems(result) == [("CSV, dòng 3", message)]


def test_no_header_row():
    result = parse_file("Mã,Tên,Số lượng\r\nDV1,Sở Nội vụ,20\r\n".encode(), "units.csv")
    [(where, message)] = problems(result)
    assert where == FILE_WHERE
    assert "Không tìm thấy dòng tiêu đề" in message and "“Câu hỏi”" in message and "“Đáp án”" in message


def test_header_without_questions():
    result = parse_file("Câu hỏi,A,B,Đáp án\r\n,,,\r\n".encode(), "bank.csv")
    assert problems(result) == [(FILE_WHERE, "Tệp CSV có dòng tiêu đề nhưng không có câu hỏi nào.")]


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    rows = [["Câu hỏi", "A", "B", "Đáp án"]] + [[f"Hỏi {n}?", "x", "y", "A"] for n in range(6)]
    result = parse_file(csv_text(rows).encode(), "bank.csv")
    assert result.questions == []
    assert problems(result) == [(FILE_WHERE, "Tệp CSV có hơn 5 dòng; hãy chia nhỏ tệp.")]


def test_oversized_cell_is_a_clean_error():
    text = "Câu hỏi,A,B,Đáp án\r\nHỏi?,x,y,A\r\n" + "Hỏi?," + "x" * 200_000 + ",y,A\r\n"
    result = parse_file(text.encode(), "bank.csv")
    assert result.questions == []
    assert problems(result) == [
        (FILE_WHERE, "Tệp CSV bị lỗi ở dòng 3: ô quá dài hoặc dấu ngoặc kép không đóng."),
    ]
