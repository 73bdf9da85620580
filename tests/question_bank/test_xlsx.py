"""The .xlsx importer: headers, rows, places of errors, hostile workbooks."""
import unicodedata
from datetime import date, datetime

import pytest

from core import xlsx_reader
from core.files import FILE_WHERE
from question_bank.importers import parse_file

from .binary_files import encrypted_package
from .sheets import HEADER, ROW, add_member, rewrite_member, set_dimension, with_shared_strings, xlsx



def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


def only_question(result):
    assert problems(result) == []
    assert len(result.questions) == 1
    return result.questions[0]


@pytest.fixture(params=["inline", "shared"])
def storage(request):
    """openpyxl writes inline strings; Excel writes shared strings. Both must read the same."""
    return (lambda data: data) if request.param == "inline" else with_shared_strings


def test_reads_every_column_of_a_row(storage):
    result = parse_file(storage(xlsx([HEADER, ROW])), "bank.xlsx")
    assert result.format == "xlsx"
    question = only_question(result)
    assert question.where == "Sheet1, dòng 2"
    assert question.text == "Thủ tục hành chính được công bố ở đâu?"
    assert question.choices == ["Cổng Dịch vụ công quốc gia", "Báo Nhân dân", "Đài truyền hình", "Bảng tin xã"]
    assert question.correct == [0]
    assert question.topic == "Thủ tục hành chính"
    assert question.difficulty == "easy"
    assert question.source == "Nghị định 63/2010/NĐ-CP"
    assert question.explanation == "Điều 15 quy định việc công bố."
    assert question.status == "active"
    assert result.warnings == []


@pytest.mark.parametrize(
    "header",
    [
        ["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích"],
        ["CÂU HỎI", "a", "b", "c", "d", "ĐÁP ÁN", "CHỦ ĐỀ", "MỨC ĐỘ", "NGUỒN", "GIẢI THÍCH"],
        ["Cau hoi", "Phuong an A", "Phuong an B", "Phuong an C", "Phuong an D", "Dap an", "Chu de", "Muc do",
         "Van ban", "Giai thich"],
        ["Nội dung", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án đúng", "Chủ đề",
         "Mức độ", "Văn bản", "Giải thích"],
        ["Nội dung câu hỏi", "Đáp án A", "Đáp án B", "Đáp án C", "Đáp án D", "Đáp án", "Chủ đề", "Mức độ",
         "Nguồn", "Giải thích"],
        ["Question", "Option A", "Option B", "Option C", "Option D", "Answer", "Topic", "Difficulty", "Source",
         "Explanation"],
        ["question", "Choice A", "Choice B", "Choice C", "Choice D", "ANSWER", "topic", "difficulty", "source",
         "explanation"],
        ["Câu hỏi:", "PA A", "PA B", "PA.C", "PA D", "Đáp án đúng (A/B/C/D)", "Chủ đề", "Mức độ (1-3)", "Nguồn",
         "Giải thích"],
        ["Câu hỏi/Nội dung", "A.", "B.", "C.", "D.", "Phương án đúng", "Chủ đề:", "Mức độ", "Nguồn văn bản",
         "Giải thích"],
        # Decomposed (NFD) headers, as some Mac and web tools write them.
        [unicodedata.normalize("NFD", h) for h in HEADER],
    ],
)
def test_header_variants(header):
    question = only_question(parse_file(xlsx([header, ROW]), "bank.xlsx"))
    assert question.text == ROW[0]
    assert question.choices == ROW[1:5]
    assert question.correct == [0]
    assert (question.topic, question.difficulty, question.source, question.explanation) == (
        "Thủ tục hành chính", "easy", "Nghị định 63/2010/NĐ-CP", "Điều 15 quy định việc công bố.",
    )


def test_stt_column_is_ignored_and_columns_may_come_in_any_order():
    header = ["STT", "Đáp án", "Câu hỏi", "B", "A"]
    result = parse_file(xlsx([header, [1, "b", "Câu hỏi?", "Đúng", "Sai"]]), "x.xlsx")
    question = only_question(result)
    assert (question.text, question.choices, question.correct) == ("Câu hỏi?", ["Sai", "Đúng"], [1])
    assert result.warnings == []


def test_unknown_column_is_a_warning_naming_it():
    result = parse_file(xlsx([["Câu hỏi", "A", "B", "Đáp án", "Người soạn"], ["Hỏi?", "x", "y", "A", "Lan"]]), "x")
    only_question(result)
    assert problems(result, "warnings") == [("Sheet1, dòng 1", "Không nhận ra cột “Người soạn”; đã bỏ qua.")]


def test_title_rows_above_header_and_blank_rows_are_skipped():
    rows = [
        ["BỘ CÂU HỎI THI TÌM HIỂU CẢI CÁCH HÀNH CHÍNH NĂM 2025"],
        ["(Kèm theo Kế hoạch số 12/KH-UBND)"],
        [],
        HEADER,
        ROW,
        [None, None, None],
        [],
        ["Câu hỏi thứ hai?", "Có", "Không", None, None, "B"],
    ]
    result = parse_file(xlsx(rows), "x.xlsx")
    assert problems(result) == []
    assert [q.where for q in result.questions] == ["Sheet1, dòng 5", "Sheet1, dòng 8"]
    assert result.questions[1].choices == ["Có", "Không"]
    assert result.questions[1].correct == [1]


def test_header_beyond_the_scanned_rows_is_not_found():
    rows = [[f"Ghi chú {n}"] for n in range(25)] + [HEADER, ROW]
    result = parse_file(xlsx(rows), "x.xlsx")
    assert result.questions == []
    [(where, message)] = problems(result)
    assert where == FILE_WHERE
    assert "Không tìm thấy dòng tiêu đề" in message and "“Câu hỏi”" in message and "“Đáp án”" in message


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("A", [0]), ("b", [1]), ("C", [2]), (" d ", [3]), ("(B)", [1]), ("B.", [1]),
        ("Báo Nhân dân", [1]),
        ("  Đài   truyền\nhình ", [2]),
        (unicodedata.normalize("NFD", "Bảng tin xã"), [3]),
        ("báo nhân dân", [1]),
        ("B. Báo Nhân dân", [1]),
    ],
)
def test_answer_as_letter_or_full_text(answer, expected):
    row = [*ROW[:5], answer]
    assert only_question(parse_file(xlsx([HEADER[:6], row]), "x.xlsx")).correct == expected


def test_labels_before_stem_and_choices_are_not_text():
    row = ["Câu 12: Luật nào quy định?", "A. Luật Đất đai", "b) Luật Cư trú", "C. Cả A và B", None, "C. Cả A và B"]
    question = only_question(parse_file(xlsx([HEADER[:6], row]), "x.xlsx"))
    assert question.text == "Luật nào quy định?"
    assert question.choices == ["Luật Đất đai", "Luật Cư trú", "Cả A và B"]
    assert question.correct == [2]


def test_numbers_become_their_displayed_text(storage):
    rows = [HEADER[:8], ["Luật được ban hành năm nào?", 2012, 2013.0, 0.5, 1e-7, 2013, None, 2.0]]
    question = only_question(parse_file(storage(xlsx(rows)), "x.xlsx"))
    assert question.choices == ["2012", "2013", "0.5", "1e-07"]
    assert question.correct == [1]
    assert question.difficulty == "medium"


def test_dates_and_booleans_as_displayed():
    rows = [HEADER[:6], ["Ngày nào?", date(2025, 7, 1), datetime(2025, 7, 1, 8, 30), True, None, "01/07/2025"]]
    question = only_question(parse_file(xlsx(rows), "x.xlsx"))
    assert question.choices == ["01/07/2025", "01/07/2025 08:30", "TRUE"]
    assert question.correct == [0]


def test_formula_cells_give_their_cached_value():
    data = rewrite_member(
        xlsx([HEADER[:6], ["Một cộng một?", "x", "y", None, None, "B"]]), "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<c r="C2" t="inlineStr"><is><t>y</t></is></c>', b'<c r="C2"><f>1+1</f><v>2</v></c>')
                       .replace(b'<c r="B2" t="inlineStr"><is><t>x</t></is></c>',
                                '<c r="B2" t="str"><f>"m"&amp;"ột"</f><v>một</v></c>'.encode()),
    )
    question = only_question(parse_file(data, "x.xlsx"))
    assert question.choices == ["một", "2"]


def test_rich_text_and_phonetic_hints_in_shared_strings():
    rich = {
        "Q?": b"<r><t>Ai ban h</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">\xc3\xa0nh </t></r><r><t>lu\xe1\xba\xadt?</t></r>",
        "x": b"<t>Qu\xe1\xbb\x91c h\xe1\xbb\x99i</t><rPh sb=\"0\" eb=\"1\"><t>KOKKAI</t></rPh>",
    }
    data = with_shared_strings(xlsx([["Question", "A", "B", "Answer"], ["Q?", "x", "y", "a"]]), rich)
    question = only_question(parse_file(data, "x.xlsx"))
    assert question.text == "Ai ban hành luật?"
    assert question.choices == ["Quốc hội", "y"]


def test_cells_without_references_are_read_in_order():
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row><c t="inlineStr"><is><t>Câu hỏi</t></is></c><c t="inlineStr"><is><t>A</t></is></c>'
        '<c t="inlineStr"><is><t>B</t></is></c><c t="inlineStr"><is><t>Đáp án</t></is></c></row>'
        '<row><c t="inlineStr"><is><t>Hỏi?</t></is></c><c><v>1</v></c><c><v>2</v></c>'
        '<c t="inlineStr"><is><t>B</t></is></c></row></sheetData></worksheet>'
    ).encode()
    result = parse_file(rewrite_member(xlsx([["x"]]), "xl/worksheets/sheet1.xml", lambda _: sheet), "x.xlsx")
    question = only_question(result)
    assert (question.where, question.choices, question.correct) == ("Sheet1, dòng 2", ["1", "2"], [1])


@pytest.mark.parametrize(
    "word, expected",
    [
        ("Dễ", "easy"), ("DE", "easy"), ("easy", "easy"), (1, "easy"),
        ("Trung bình", "medium"), ("trung binh", "medium"), ("Medium", "medium"), (2, "medium"),
        ("Khó", "hard"), ("HARD", "hard"), (3, "hard"), ("3", "hard"), (None, None),
    ],
)
def test_difficulty_words(word, expected):
    row = [*ROW[:6], None, word]
    assert only_question(parse_file(xlsx([HEADER[:8], row]), "x.xlsx")).difficulty == expected


def test_every_sheet_with_a_header_is_read_and_sheet_names_are_not_topics(storage):
    first = ("Luật Đất đai", [["Câu hỏi", "A", "B", "Đáp án"], ["Hỏi 1?", "x", "y", "A"]])
    notes = ("Ghi chú", [["Tệp này do Sở Nội vụ soạn."]])
    blank = ("Trống", [])
    second = ("Cư trú", [["Danh sách"], ["Question", "A", "B", "Answer"], ["Hỏi 2?", "x", "y", "b"]])
    result = parse_file(storage(xlsx(first, notes, blank, second)), "x.xlsx")
    assert problems(result) == []
    assert [(q.where, q.text, q.topic, q.correct) for q in result.questions] == [
        ("Luật Đất đai, dòng 2", "Hỏi 1?", None, [0]),
        ("Cư trú, dòng 3", "Hỏi 2?", None, [1]),
    ]
    assert problems(result, "warnings") == [("Ghi chú", "Trang tính “Ghi chú” không có dòng tiêu đề câu hỏi; đã bỏ qua.")]


def test_retired_status_is_read():
    rows = [["Câu hỏi", "A", "B", "Đáp án", "Trạng thái"], ["Hỏi?", "x", "y", "A", "Ngừng dùng"],
            ["Hỏi 2?", "x", "y", "A", "Đang dùng"], ["Hỏi 3?", "x", "y", "A", None]]
    result = parse_file(xlsx(rows), "x.xlsx")
    assert problems(result) == []
    assert [q.status for q in result.questions] == ["retired", "active", "active"]


GOOD = ["Hỏi?", "Có", "Không", None, "A"]


@pytest.mark.parametrize(
    "row, message",
    [
        ([None, "Có", "Không", None, "A"], "Câu hỏi không có nội dung."),
        (["Hỏi?", "Có", None, None, "A"], "Câu hỏi cần ít nhất 2 phương án, tệp có 1."),
        (["Hỏi?", "Có", None, "Không", "A"], "Phương án B để trống."),
        (["Hỏi?", "Có", "Không", None, "E"], "Đáp án E không có trong các phương án."),
        (["Hỏi?", "Có", "Không", None, "c"], "Đáp án C không có trong các phương án."),
        (["Hỏi?", "Có", "Không", None, "Có thể"], "Đáp án “Có thể” không khớp với phương án nào."),
        (["Hỏi?", "Có", "Không", None, None], "Thiếu đáp án (ô “Đáp án” để trống)."),
        (["Hỏi?", "Có", "Không", None, "A", "Rất khó"],
         "Mức độ “Rất khó” không hợp lệ (dùng Dễ, Trung bình, Khó hoặc 1, 2, 3)."),
        (["Hỏi?", "Có", "Không", None, "A", None, "Tạm dừng"],
         "Trạng thái “Tạm dừng” không hợp lệ (dùng “Đang dùng” hoặc “Ngừng dùng”)."),
    ],
)
def test_row_errors_name_sheet_and_row(row, message):
    header = ["Câu hỏi", "A", "B", "C", "Đáp án", "Mức độ", "Trạng thái"]
    rows = [["Ngân hàng câu hỏi"], header, GOOD, row, GOOD[:-1] + ["B"]]
    result = parse_file(xlsx(("Đợt 1", rows)), "x.xlsx")
    assert problems(result) == [("Đợt 1, dòng 4", message)]
    assert len(result.questions) == 3


def test_every_bad_row_is_reported():
    rows = [["Câu hỏi", "A", "B", "Đáp án"], ["Hỏi?", "x", "y", "Z"], ["Hỏi 2?", "x", None, "A"], GOOD[:3] + ["A"]]
    result = parse_file(xlsx(rows), "x.xlsx")
    assert [where for where, _ in problems(result)] == ["Sheet1, dòng 2", "Sheet1, dòng 3"]


def test_missing_answer_column_is_an_error_at_the_header():
    result = parse_file(xlsx([["Câu hỏi", "A", "B"], ["Hỏi?", "x", "y"]]), "x.xlsx")
    assert ("Sheet1, dòng 1", "Thiếu cột “Đáp án” (hoặc “Answer”) ở dòng tiêu đề.") in problems(result)


def test_sheet_with_header_and_no_question_is_an_error():
    result = parse_file(xlsx(("Trang 1", [["STT", "Câu hỏi", "A", "B", "Đáp án"], [1], [2], []])), "x.xlsx")
    assert problems(result) == [("Trang 1", "Trang tính “Trang 1” có dòng tiêu đề nhưng không có câu hỏi nào.")]


def test_workbook_with_no_header_anywhere():
    result = parse_file(xlsx(("A", [["Danh sách đơn vị"], ["Mã", "Tên"]]), ("B", [])), "x.xlsx")
    [(where, message)] = problems(result)
    assert where == FILE_WHERE and message.startswith("Không tìm thấy dòng tiêu đề")
    assert result.warnings == []


# --- hostile and broken workbooks -----------------------------------------------------------------

def test_entity_bomb_in_sheet_xml_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    data = rewrite_member(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml",
                          lambda xml: bomb + xml.replace(b"<v>", b"<v>&lol3;", 1))
    result = parse_file(data, "x.xlsx")
    assert result.questions == []
    assert problems(result) == [(FILE_WHERE, "Tệp chứa khai báo XML không được phép (DOCTYPE/ENTITY); tệp bị từ chối.")]


def test_zip_bomb_member_is_refused():
    data = add_member(xlsx([HEADER, ROW]), "xl/media/image1.png", b"\0" * 20_000_000)
    result = parse_file(data, "x.xlsx")
    assert problems(result) == [(FILE_WHERE, "Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn.")]


def test_sheet_claiming_a_million_rows_is_refused_from_its_dimension(monkeypatch):
    data = set_dimension(xlsx([HEADER, ROW]), "A1:Z1048576")
    iterated = []
    monkeypatch.setattr(xlsx_reader.Workbook, "rows", lambda *args: iterated.append(args) or iter(()))
    result = parse_file(data, "x.xlsx")
    assert problems(result) == [(FILE_WHERE, "Trang tính “Sheet1” có hơn 100.000 dòng; hãy chia nhỏ tệp.")]
    assert iterated == []


def test_rows_past_the_cap_are_refused_even_when_the_dimension_lies():
    far_row = b'<row r="100001"><c r="A100001" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    data = rewrite_member(set_dimension(xlsx([HEADER, ROW]), "A1:J2"), "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace(b"</sheetData>", far_row))
    result = parse_file(data, "x.xlsx")
    assert problems(result) == [(FILE_WHERE, "Trang tính “Sheet1” có hơn 100.000 dòng; hãy chia nhỏ tệp.")]


def test_row_just_under_the_cap_is_read():
    last = (
        '<row r="100000"><c r="A100000" t="inlineStr"><is><t>Hỏi cuối?</t></is></c><c r="B100000" '
        't="inlineStr"><is><t>x</t></is></c><c r="C100000" t="inlineStr"><is><t>y</t></is></c>'
        '<c r="F100000" t="inlineStr"><is><t>B</t></is></c></row></sheetData>'
    ).encode()
    data = rewrite_member(xlsx([HEADER, ROW]), "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace(b"</sheetData>", last))
    result = parse_file(data, "x.xlsx")
    assert problems(result) == []
    assert [q.where for q in result.questions] == ["Sheet1, dòng 2", "Sheet1, dòng 100000"]


def test_encrypted_workbook_is_refused():
    # Excel wraps a password-protected .xlsx in a compound file with an EncryptedPackage stream.
    result = parse_file(encrypted_package(), "matkhau.xlsx")
    assert result.questions == []
    [(where, message)] = problems(result)
    assert where == FILE_WHERE and "mật khẩu" in message


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04" + b"\x00garbage" * 50, id="not-a-zip"),
        pytest.param(xlsx([HEADER, ROW])[:2000], id="truncated"),
    ],
)
def test_corrupt_zip_is_refused(data):
    result = parse_file(data, "hong.xlsx")
    assert result.questions == []
    assert len(result.errors) == 1 and result.errors[0].where == FILE_WHERE


@pytest.mark.parametrize(
    "member, content",
    [
        ("xl/workbook.xml", b"<workbook><sheets><sheet"),
        ("xl/worksheets/sheet1.xml", b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                     b"<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"),
        pytest.param("xl/worksheets/sheet1.xml",
                     b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                     b'<row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData></worksheet>', id="no-shared-string"),
    ],
)
def test_corrupt_workbook_parts_give_a_clean_error(member, content):
    data = rewrite_member(xlsx([HEADER, ROW]), member, lambda _: content)
    result = parse_file(data, "hong.xlsx")
    assert result.questions == []
    assert problems(result) == [(FILE_WHERE, xlsx_reader.CORRUPT)]
