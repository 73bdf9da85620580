"""Banks laid out as Word tables (issue 16, point 1): choices in one cell, one row per choice under
a merged question cell, choice columns, repeated headers, continued tables, topics; and what a
user is told when a table almost fits (point 7). Documents are built with python-docx."""
import io

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from question_bank.importers import parse_file
from tests.support import problems

HEADER = ["STT", "Nội dung câu hỏi", "Phương án trả lời", "Đáp án"]


def _fill(cell, value):
    """A cell's text: a string, lines joined by \\n become paragraphs; ("text", "bold") is bold."""
    bold = isinstance(value, tuple)
    text = value[0] if bold else value
    cell.paragraphs[0].text = ""
    for i, line in enumerate(text.split("\n")):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.add_run(line).bold = bold or None


def add_table(doc, rows, merges=(), repeat_header=False):
    """rows of cell values (None: an empty cell); merges: ((r1, c1), (r2, c2)) cells merged."""
    grid = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                _fill(grid.cell(r, c), value)
    for (r1, c1), (r2, c2) in merges:
        top = grid.cell(r1, c1)
        text = top.text
        merged = top.merge(grid.cell(r2, c2))
        for paragraph in merged.paragraphs[1:]:
            paragraph._p.getparent().remove(paragraph._p)  # merge() joins the emptied cells' paragraphs
        merged.paragraphs[0].text = text
    if repeat_header:
        grid.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    return grid


def document(*blocks) -> bytes:
    """Blocks: a string (a paragraph) or a (rows, options) pair for add_table."""
    doc, out = Document(), io.BytesIO()
    for block in blocks:
        _ = doc.add_paragraph(block) if isinstance(block, str) else add_table(doc, block[0], **block[1])
    doc.save(out)
    return out.getvalue()


def read(*blocks):
    return parse_file(document(*blocks), "bank.docx")


def summary(result):
    assert result.errors == [], problems(result)
    return [(q.where, q.text, q.choices, q.correct, q.topic) for q in result.questions]


def per_choice_rows(stt, stem, choices, marks, answer=None, first_row=1):
    """Layout (b): a question row, then one row per choice; STT and stem merged down."""
    rows = []
    for i, choice in enumerate(choices):
        rows.append([str(stt) if i == 0 else None, stem if i == 0 else None, choice,
                     marks[i] if marks else (answer if i == 0 else None)])
    merges = [((first_row, 0), (first_row + len(choices) - 1, 0)), ((first_row, 1), (first_row + len(choices) - 1, 1))]
    return rows, merges


# -- (a) choices on their own lines in one cell ---------------------------------------------------

def test_choices_in_one_cell_with_a_letter_key():
    result = read("CHỦ ĐỀ 1: CẢI CÁCH THỂ CHẾ", ([HEADER,
                   ["1", "Câu 1: Ai ban hành Nghị quyết 76/NQ-CP?", "A. Quốc hội\nB. Chính phủ\nC. Bộ Nội vụ", "B"],
                   ["2", "Năm nào?", "A. 2020\nB. 2021", "a"]], {}))
    assert summary(result) == [
        ("Câu 1 (Bảng 1, dòng 2)", "Ai ban hành Nghị quyết 76/NQ-CP?", ["Quốc hội", "Chính phủ", "Bộ Nội vụ"], [1],
         "CẢI CÁCH THỂ CHẾ"),
        ("Câu 2 (Bảng 1, dòng 3)", "Năm nào?", ["2020", "2021"], [0], "CẢI CÁCH THỂ CHẾ"),
    ]
    assert result.format == "docx"


def test_unlabelled_lines_in_the_choice_cell_are_choices_in_order():
    result = read(([HEADER, ["1", "Hỏi?", "Quốc hội\nChính phủ", "B. Chính phủ"]], {}))
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "Hỏi?", ["Quốc hội", "Chính phủ"], [1], None)]


def test_choices_in_the_question_cell_and_a_bold_choice_without_answer_column():
    result = read(([["STT", "Câu hỏi", "Ghi chú"], ["1", "Hỏi gì?\nA. một", ""]], {}),
                  ([["STT", "Câu hỏi", "Đáp án"], ["1", "Hỏi gì?\nA. một\nB. hai", "B"]], {}))
    assert [(q.text, q.choices, q.correct) for q in result.questions] == [("Hỏi gì?", ["một", "hai"], [1])]
    assert result.errors == []


# -- (b) one row per choice, question cell merged down -------------------------------------------

def test_one_row_per_choice_with_x_in_the_correct_column():
    rows, merges = per_choice_rows(1, "Cơ quan nào ban hành?", ["Quốc hội", "Chính phủ", "Bộ Nội vụ"], ["", "x", ""])
    rows2, merges2 = per_choice_rows(2, "Năm nào?", ["2020", "2021"], ["✓", ""], first_row=4)
    result = read(([["STT", "Câu hỏi", "Phương án", "Đúng"], *rows, *rows2], {"merges": merges + merges2}))
    assert summary(result) == [
        ("Câu 1 (Bảng 1, dòng 2)", "Cơ quan nào ban hành?", ["Quốc hội", "Chính phủ", "Bộ Nội vụ"], [1], None),
        ("Câu 2 (Bảng 1, dòng 5)", "Năm nào?", ["2020", "2021"], [0], None),
    ]


def test_one_row_per_choice_with_a_letter_on_the_question_row():
    rows, merges = per_choice_rows(7, "Câu 7: Hỏi?", ["A. Một", "B. Hai", "C. Ba"], None, answer="C")
    result = read(([HEADER, *rows], {"merges": merges}))
    assert summary(result) == [("Câu 7 (Bảng 1, dòng 2)", "Hỏi?", ["Một", "Hai", "Ba"], [2], None)]


def test_one_row_per_choice_without_merging_and_letter_on_a_later_row():
    rows = [["1", "Hỏi?", "Một", None], [None, None, "Hai", None], [None, None, "Ba", "b"]]
    result = read(([HEADER, *rows], {}))
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "Hỏi?", ["Một", "Hai", "Ba"], [1], None)]


KEY_DOUBTS = [
    pytest.param(["x", "", "X"], None, "Có 2 dòng được đánh dấu đúng (dòng 2, 4); chỉ được một.", id="two-marks"),
    pytest.param(None, "E", "Đáp án E không có trong các phương án.", id="no-such-letter"),
    pytest.param(["", "", ""], None, "Ô “Đúng” để trống và không phương án nào được in đậm, gạch chân, tô màu hay "
                 "đánh dấu *; không xác định được đáp án đúng.", id="no-key"),
    pytest.param(["x", "B", ""], None, "Cột đáp án vừa có dấu đánh dấu vừa ghi “B”; không xác định được đáp án đúng.",
                 id="mark-and-letter"),
    pytest.param(["A", "", "C"], None, "Cột đáp án ghi nhiều đáp án khác nhau (A, C).", id="two-letters"),
    pytest.param(None, "Tỉnh ủy", "Đáp án “Tỉnh ủy” không khớp với phương án nào.", id="unknown-text"),
]


@pytest.mark.parametrize("marks, answer, message", KEY_DOUBTS)
def test_key_doubts_are_errors_naming_the_row(marks, answer, message):
    rows, merges = per_choice_rows(3, "Hỏi?", ["Một", "Hai", "Ba"], marks, answer=answer)
    result = read(([["STT", "Câu hỏi", "Phương án", "Đúng"], *rows], {"merges": merges}))
    assert problems(result) == [("Câu 3 (Bảng 1, dòng 2)", message)]


def test_full_text_key_matches_a_choice():
    rows, merges = per_choice_rows(1, "Hỏi?", ["Một", "Hai"], None, answer="hai")
    result = read(([HEADER, *rows], {"merges": merges}))
    assert [q.correct for q in result.questions] == [[1]]


# -- (c) choice columns ---------------------------------------------------------------------------

def test_choice_columns_like_a_sheet_with_metadata():
    result = read(([["STT", "Câu hỏi", "A", "B", "C", "D", "Đáp án", "Lĩnh vực", "Mức độ", "Giải thích"],
                    ["1", "Câu 1. Hỏi?", "A. Một", "Hai", "Ba", "Bốn", "D", "Đất đai", "Khó", "Vì thế"]], {}))
    question = result.questions[0]
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "Hỏi?", ["Một", "Hai", "Ba", "Bốn"], [3], "Đất đai")]
    assert (question.difficulty, question.explanation) == ("hard", "Vì thế")


def test_two_row_header_with_choice_letters_under_a_spanning_cell():
    rows = [["STT", "Câu hỏi", "Phương án", None, None, "Đáp án"], [None, None, "A", "B", "C", "Đáp án"],
            ["1", "Hỏi?", "Một", "Hai", "Ba", "C"]]
    merges = [((0, 2), (0, 4)), ((0, 0), (1, 0)), ((0, 1), (1, 1))]
    result = read(([*rows], {"merges": merges}))
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 3)", "Hỏi?", ["Một", "Hai", "Ba"], [2], None)]


# -- (d) headers repeated, title rows, several tables, (e) topics ----------------------------------

def test_title_row_repeated_headers_and_continued_tables_with_topics():
    title = ["BỘ CÂU HỎI TRẮC NGHIỆM", None, None, None]
    result = read(
        "BỘ CÂU HỎI THI TÌM HIỂU CẢI CÁCH HÀNH CHÍNH",
        "Lĩnh vực: Đất đai",
        ([title, HEADER, ["1", "Một?", "A. x\nB. y", "A"], HEADER, ["2", "Hai?", "A. x\nB. y", "B"],
          ["PHẦN II. CÔNG VỤ", None, None, None], ["3", "Ba?", "A. x\nB. y", "A"]],
         {"merges": [((0, 0), (0, 3)), ((5, 0), (5, 3))], "repeat_header": True}),
        "",
        ([["4", "Bốn?", "A. x\nB. y", "B"]], {}),
        "Chủ đề 3: Tài chính công",
        ([HEADER, ["1", "Năm?", "A. x\nB. y", "B"]], {}),
    )
    assert [(q.where, q.text, q.correct, q.topic) for q in result.questions] == [
        ("Câu 1 (Bảng 1, dòng 3)", "Một?", [0], "Đất đai"),
        ("Câu 2 (Bảng 1, dòng 5)", "Hai?", [1], "Đất đai"),
        ("Câu 3 (Bảng 1, dòng 7)", "Ba?", [0], "CÔNG VỤ"),
        ("Câu 4 (Bảng 2, dòng 1)", "Bốn?", [1], "CÔNG VỤ"),
        ("Câu 1 (Bảng 3, dòng 2)", "Năm?", [1], "Tài chính công"),
    ]
    assert result.errors == []


def test_answer_key_table_after_a_question_table_without_answer_column():
    result = read(([["STT", "Câu hỏi", "Phương án"], ["1", "Một?", "A. x\nB. y"], ["2", "Hai?", "A. x\nB. y"]], {}),
                  "Bảng đáp án", ([["Câu", "1", "2"], ["Đáp án", "B", "A"]], {}))
    assert [q.correct for q in result.questions] == [[1], [0]]
    assert result.errors == []


def test_paragraph_layout_and_motto_table_still_read():
    result = read(([["ỦY BAN NHÂN DÂN TỈNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
                    ["Số: 12/KH-UBND", "Độc lập - Tự do - Hạnh phúc"]], {}),
                  "Câu 1: Hỏi?", "A. x", "B. y", "Đáp án: B")
    assert [(q.where, q.correct) for q in result.questions] == [("Câu 1", [1])]


# -- point 7: a table that almost fits -------------------------------------------------------------

ALMOST = [
    pytest.param([["STT", "Nội dung", "Lựa chọn 1", "Kết luận"], ["1", "Hỏi?", "x", "y"], ["2", "Hỏi?", "x", "y"]],
                 "Tệp có 1 bảng; bảng 1 có các cột: STT, Nội dung, Lựa chọn 1, Kết luận — không nhận ra cột đáp án "
                 "(“Đáp án”, “Đúng”) hay cột phương án (“Phương án”, hoặc A, B, C, D).", id="no-answer-column"),
    pytest.param([["STT", "Văn bản", "Phương án", "Đáp án"], ["1", "Hỏi?", "A. x", "A"], ["2", "Hỏi?", "x", "y"]],
                 "Tệp có 1 bảng; bảng 1 có các cột: STT, Văn bản, Phương án, Đáp án — không nhận ra cột câu hỏi "
                 "(“Câu hỏi”, “Nội dung”).", id="no-question-column"),
    pytest.param([["1", "Hỏi gì?", "x", "y"], ["2", "Hỏi?", "x", "y"], ["3", "Hỏi?", "x", "y"]],
                 "Tệp có 1 bảng nhưng không bảng nào có dòng tiêu đề (bảng 1 bắt đầu ngay bằng dòng "
                 "“1, Hỏi gì?, x, y”).", id="no-header"),
]


@pytest.mark.parametrize("rows, start", ALMOST)
def test_a_table_that_almost_fits_says_what_was_seen_and_expected(rows, start):
    result = read("BỘ CÂU HỎI", ([*rows], {}))
    assert result.questions == []
    [(where, message)] = problems(result)
    assert where == "Tệp"
    assert message.startswith(start)
    assert "Hãy đặt ở đầu bảng một dòng tiêu đề có cột “Câu hỏi”" in message


def test_header_without_choices_anywhere_is_one_error_for_the_table():
    result = read(([["STT", "Nội dung", "Đáp án"], ["1", "Hỏi?", "A"], ["2", "Hỏi nữa?", "B"]], {}))
    assert problems(result) == [("Bảng 1", "Dòng tiêu đề có các cột STT, Nội dung, Đáp án nhưng không có cột phương "
                                          "án (“Phương án”, hoặc A, B, C, D) và không ô nào chứa các phương án "
                                          "“A. …”, “B. …”; không đọc được câu hỏi nào.")]


def test_a_choice_merged_across_the_key_column_is_a_choice_not_a_section():
    rows, merges = per_choice_rows(1, "Hỏi?", ["Một", "Hai", "Ba"], ["", "x", None])
    result = read(([["STT", "Câu hỏi", "Phương án", "Đúng"], *rows], {"merges": merges + [((3, 2), (3, 3))]}))
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "Hỏi?", ["Một", "Hai", "Ba"], [1], None)]


def test_choices_one_per_row_in_the_question_column_under_a_numbered_row():
    rows = [["1", "Hỏi?", None], [None, "Quốc hội", None], [None, "Chính phủ", "x"]]
    result = read(([["STT", "Nội dung", "Đáp án đúng"], *rows], {}))
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "Hỏi?", ["Quốc hội", "Chính phủ"], [1], None)]


def test_an_unrelated_table_of_the_same_width_after_the_bank_is_not_read_as_questions():
    result = read(([HEADER, ["1", "Hỏi?", "A. x\nB. y", "B"]], {}),
                  ([["Người lập", "", "Người duyệt", ""], ["Nguyễn Văn A", "", "Trần Văn B", ""]], {}))
    assert [(q.where, q.correct) for q in result.questions] == [("Câu 1 (Bảng 1, dòng 2)", [1])]
    assert result.errors == []


def test_choices_listed_under_a_dap_an_header_with_a_bold_key():
    result = read(([["STT", "Câu hỏi", "Đáp án"], ["1", "Hỏi?", "A. Một\nB. Hai"]], {}))
    assert problems(result) == [("Câu 1 (Bảng 1, dòng 2)", "Bảng không có cột “Đáp án” (hoặc “Đúng”), không có "
                                 "bảng đáp án và không phương án nào được in đậm, gạch chân, tô màu hay đánh dấu *; "
                                 "không xác định được đáp án đúng.")]
    doc, out = Document(), io.BytesIO()
    grid = add_table(doc, [["STT", "Câu hỏi", "Đáp án"], ["1", "Hỏi?", "A. Một"]])
    grid.cell(1, 2).add_paragraph().add_run("B. Hai").bold = True
    doc.save(out)
    result = parse_file(out.getvalue(), "bank.docx")
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "Hỏi?", ["Một", "Hai"], [1], None)]


def test_a_data_row_of_single_letters_is_not_a_second_header_row():
    result = read(([["STT", "Nội dung", "Phương án", "Đáp án"], ["1", "a", "b\nc", "B"], ["2", "Hỏi?", "x\ny", "A"]], {}))
    assert summary(result) == [("Câu 1 (Bảng 1, dòng 2)", "a", ["b", "c"], [1], None),
                               ("Câu 2 (Bảng 1, dòng 3)", "Hỏi?", ["x", "y"], [0], None)]


def test_an_empty_choice_row_keeps_its_letter_so_the_key_is_not_shifted():
    rows = [["1", "Hỏi?", "Một", "C"], [None, None, "", None], [None, None, "Ba", None], [None, None, "", None]]
    result = read(([HEADER, *rows], {}))
    assert problems(result) == [("Câu 1 (Bảng 1, dòng 2)", "Phương án B để trống.")]
    assert result.questions[0].choices == ["Một", "", "Ba"]


# -- the key cell: a choice's text, a merged cell, a mark word that is also a choice ---------------

H4 = ["STT", "Câu hỏi", "Phương án", "Đáp án"]


def _keys(result):
    return [(q.where, q.correct) for q in result.questions], problems(result)


def test_a_merged_key_cell_holding_a_choice_text_is_that_choice_not_a_mark():
    result = read(([H4, ["1", "Nhận định X là?", "A. Sai", "Đúng"], [None, None, "B. Đúng", None]],
                   {"merges": [((1, 0), (2, 0)), ((1, 1), (2, 1)), ((1, 3), (2, 3))]}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [1])], [])
    result = read(([H4, ["1", "Có bao nhiêu?", "A. 0", "1"], [None, None, "B. 1", None], [None, None, "C. 2", None]],
                   {"merges": [((1, 3), (3, 3))]}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [1])], [])


def test_a_mark_word_beside_one_choice_that_is_another_choice_text_is_refused():
    result = read(([H4, ["1", "Nhận định X là?", "A. Sai", "Đúng"], ["", "", "B. Đúng", ""]], {}))
    assert [(q.where, q.correct, q.answer_problem) for q in result.questions] == [
        ("Câu 1 (Bảng 1, dòng 2)", [], "Ô đáp án ở dòng 2 ghi “Đúng”: có thể là dấu đúng/sai cho phương án A cạnh nó, cũng có "
                                 "thể là nội dung phương án B; không xác định được đáp án đúng.")]


def test_a_merged_mark_spanning_two_choices_is_refused():
    result = read(([H4, ["1", "Thủ đô?", "A. Huế", ""], [None, None, "B. Hà Nội", "x"], [None, None, "C. Vinh", None]],
                   {"merges": [((1, 0), (3, 0)), ((1, 1), (3, 1)), ((2, 3), (3, 3))]}))
    assert [(q.where, q.correct, q.answer_problem) for q in result.questions] == [
        ("Câu 1 (Bảng 1, dòng 2)", [], "Dấu đánh dấu ở dòng 3 nằm cạnh 2 phương án; cần đúng một.")]


def test_a_key_word_that_is_a_choice_text_in_one_cell_is_that_choice():
    result = read(([H4, ["1", "X đúng?", "A. Đúng\nB. Sai", "Đúng"], ["2", "Số nào?", "A. 0\nB. 1", "1"]], {}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [0]), ("Câu 2 (Bảng 1, dòng 3)", [1])], [])


def test_a_false_word_on_one_row_that_is_a_choice_text_is_that_choice():
    result = read(([H4, ["1", "Nhận định: X?", "A. Đúng", "Sai"], [None, None, "B. Sai", None]], {}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [1])], [])


def test_a_key_equal_to_a_choice_text_that_starts_with_letters_is_that_choice():
    result = read(([H4, ["1", "Chọn?", "A. 1\nB. 2\nC. 3\nD. A. B. C. đều đúng", "A. B. C. đều đúng"]], {}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [3])], [])


def test_unlabelled_choice_lines_where_one_starts_in_lower_case_are_refused():
    result = read(([H4, ["1", "Thủ đô?", "Thành phố Huế\nThủ đô Hà Nội, trung tâm\nchính trị của cả nước\n"
                         "Thành phố Vinh", "C"]], {}))
    assert [(q.where, q.correct, q.answer_problem) for q in result.questions] == [
        ("Câu 1 (Bảng 1, dòng 2)", [], "Các phương án không có nhãn “A.”, “B.”… và dòng “chính trị của cả nước” "
         "bắt đầu bằng chữ thường: có thể là phần tiếp của phương án trên hay một phương án riêng; hãy ghi nhãn "
         "“A.”, “B.”, “C.”… trước mỗi phương án.")]


def test_unlabelled_choice_lines_all_capitalised_are_one_choice_each():
    result = read(([H4, ["1", "Thủ đô?", "Huế\nHà Nội\nVinh", "B"]], {}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [1])], [])


def test_a_mark_merged_down_over_an_empty_row_under_the_last_choice_stays_beside_one_choice():
    result = read(([H4, ["1", "Thủ đô?", "A. Huế", ""], [None, None, "B. Hà Nội", "x"], [None, None, "", None]],
                   {"merges": [((1, 0), (3, 0)), ((1, 1), (3, 1)), ((2, 3), (3, 3))]}))
    assert _keys(result) == ([("Câu 1 (Bảng 1, dòng 2)", [1])], [])
