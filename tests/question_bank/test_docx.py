"""The Word importer: every SPEC §4 convention, every error it names, and hostile files.

Documents are built here with python-docx (bold/underline/red/highlighted runs, tables, lists),
saved to bytes and fed to `docx.parse` or to `parse_file` (which also runs check_question).
"""
import io
import random
import struct
import time
import tracemalloc
import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import RGBColor

from question_bank.importers import parse_file
from tests.support import problems
from question_bank.importers.docx import parse

from .binary_files import encrypted_package

BR = object()  # a manual line break (Shift+Enter) inside a paragraph


def R(text, **fmt):
    """A run with formatting: bold, underline, color="FF0000", highlight=True, shade="FFFF00", style."""
    return text, fmt


def _paragraph(container, parts):
    paragraph = container.add_paragraph()
    for part in parts:
        if part is BR:
            paragraph.add_run().add_break()
            continue
        text, fmt = (part, {}) if isinstance(part, str) else part
        run = paragraph.add_run(text, style=fmt.get("style"))
        run.bold = fmt.get("bold")
        run.underline = fmt.get("underline")
        if "color" in fmt:
            run.font.color.rgb = RGBColor.from_string(fmt["color"])
        if fmt.get("highlight"):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if "shade" in fmt:
            run._r.get_or_add_rPr().append(
                parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fmt["shade"]}"/>')
            )
    return paragraph


def table(rows, shaded=()):
    """A table block; each cell is a string or a list of parts; `shaded` lists (row, col) to fill."""

    def add(doc):
        grid = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = grid.cell(r, c)
                cell._tc.remove(cell.paragraphs[0]._p)
                _paragraph(cell, [value] if isinstance(value, str) else value)
                if (r, c) in shaded:
                    cell._tc.get_or_add_tcPr().append(
                        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="FFFF00"/>')
                    )

    return add


def make(*blocks) -> bytes:
    """A .docx of paragraphs (a string, or a list of parts) and table(...) blocks, as bytes."""
    doc = Document()
    for block in blocks:
        if callable(block):
            block(doc)
        else:
            _paragraph(doc, [block] if isinstance(block, str) else block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def read(*blocks):
    return parse_file(make(*blocks), "bank.docx")


class Containing:
    """Equal to any string containing `fragment` (for long messages whose start is what matters)."""

    def __init__(self, fragment):
        self.fragment = fragment

    def __eq__(self, other):
        return isinstance(other, str) and self.fragment in other

    def __repr__(self):
        return f"<text containing {self.fragment!r}>"


def one(result):
    assert result.errors == [], problems(result)
    assert len(result.questions) == 1
    return result.questions[0]


CHOICES = ["A. Quốc hội", "B. Chính phủ", "C. Bộ Nội vụ", "D. Ủy ban nhân dân tỉnh"]
STEM = "Câu 1: Ai ban hành Nghị quyết 76/NQ-CP?"


def with_marked(index, **fmt):
    """STEM and CHOICES with choice `index` formatted by `fmt`."""
    return [STEM, *[[R(c, **fmt)] if i == index else c for i, c in enumerate(CHOICES)]]


# -- marking conventions ----------------------------------------------------------------------

def test_bold_choice_is_correct_and_labels_are_not_stored():
    result = read(*with_marked(1, bold=True))
    question = one(result)
    assert result.format == "docx"
    assert question.where == "Câu 1"
    assert question.text == "Ai ban hành Nghị quyết 76/NQ-CP?"
    assert question.choices == ["Quốc hội", "Chính phủ", "Bộ Nội vụ", "Ủy ban nhân dân tỉnh"]
    assert question.correct == [1]


def test_underlined_choice_is_correct():
    assert one(read(*with_marked(2, underline=True))).correct == [2]


@pytest.mark.parametrize("color", ["FF0000", "C00000", "E00000", "C0504D"])
def test_red_choice_is_correct(color):
    assert one(read(*with_marked(3, color=color))).correct == [3]


@pytest.mark.parametrize("color", ["0070C0", "00B050", "808080", "FF6600"])
def test_other_colours_are_not_a_mark(color):
    result = read(*with_marked(3, color=color))
    assert problems(result) == [("Câu 1", Containing("Không xác định được đáp án đúng"))]


def test_highlighted_choice_is_correct():
    assert one(read(*with_marked(0, highlight=True))).correct == [0]


def test_shaded_run_is_correct():
    assert one(read(*with_marked(2, shade="FFFF00"))).correct == [2]


def test_white_shading_is_not_a_mark():
    result = read(*with_marked(2, shade="FFFFFF"))
    assert "Không xác định được đáp án đúng" in problems(result)[0][1]


def test_character_style_counts_like_direct_bold():
    assert one(read(*with_marked(1, style="Strong"))).correct == [1]


def test_bold_letter_only_is_a_mark():
    result = read(STEM, "A. Quốc hội", [R("B.", bold=True), " Chính phủ"], "C. Bộ Nội vụ")
    assert one(result).correct == [1]


def test_bold_text_counts_when_every_letter_is_bold():
    choices = [[R("A.", bold=True), " Quốc hội"], [R("B.", bold=True), R(" Chính phủ", bold=True)],
               [R("C.", bold=True), " Bộ Nội vụ"]]
    assert one(read(STEM, *choices)).correct == [1]


def test_bold_stem_and_label_do_not_count():
    result = read([R("Câu 1:", bold=True), R(" Ai ban hành Nghị quyết 76/NQ-CP?", bold=True)],
                  "A. Quốc hội", [R("B. Chính phủ", bold=True)], "C. Bộ Nội vụ")
    question = one(result)
    assert question.text == "Ai ban hành Nghị quyết 76/NQ-CP?"
    assert question.correct == [1]


def test_a_bold_word_inside_every_choice_is_not_a_mark():
    choices = [["A. Theo ", R("Luật", bold=True), " Tổ chức Chính phủ năm 2015"],
               ["B. Theo ", R("Nghị định", bold=True), " số 61/2018/NĐ-CP"],
               [R("C. Theo Nghị quyết 76/NQ-CP", underline=True)]]
    assert one(read(STEM, *choices)).correct == [2]


def test_whole_document_bold_is_no_mark_and_says_so():
    result = read(*[[R(text, bold=True)] for text in [STEM, *CHOICES]])
    assert problems(result) == [(
        "Câu 1",
        "Không xác định được đáp án đúng: không có dòng “Đáp án: …”, dấu * hay phương án in đậm, "
        "gạch chân, chữ đỏ hoặc tô nền khác các phương án còn lại (mọi phương án đều in đậm nên "
        "định dạng này không chỉ ra đáp án).",
    )]


def test_whole_document_bold_with_a_red_choice():
    blocks = [[R(text, bold=True, **({"color": "FF0000"} if i == 2 else {}))]
              for i, text in enumerate([STEM, *CHOICES])]
    assert one(read(*blocks)).correct == [1]


def test_star_before_letter_is_correct_and_not_stored():
    question = one(read(STEM, "A. Quốc hội", "*B. Chính phủ", "C. Bộ Nội vụ"))
    assert question.correct == [1]
    assert question.choices[1] == "Chính phủ"


@pytest.mark.parametrize("line", [
    "Đáp án: C", "ĐA: C", "Đáp án đúng: C", "Answer: c", "Đáp án đúng là C.", "Đáp án: (C)", "đáp án c",
])
def test_answer_line_under_question(line):
    assert one(read(STEM, *CHOICES, line)).correct == [2]


def test_answer_line_with_full_choice_text():
    assert one(read(STEM, *CHOICES, "Đáp án: Bộ Nội vụ")).correct == [2]


def test_explanation_difficulty_and_source_lines():
    question = one(read(STEM, *CHOICES, "Đáp án: B", "Giải thích: Chính phủ ban hành nghị quyết.",
                        "Mức độ: Khó", "Nguồn: Nghị quyết 76/NQ-CP"))
    assert (question.correct, question.difficulty) == ([1], "hard")
    assert question.explanation == "Chính phủ ban hành nghị quyết."
    assert question.source == "Nghị quyết 76/NQ-CP"


def test_level_tag_after_number_sets_difficulty():
    question = one(read("Câu 1 (NB): Ai ban hành Nghị quyết 76/NQ-CP?", *CHOICES, "ĐA: B"))
    assert (question.text, question.difficulty) == ("Ai ban hành Nghị quyết 76/NQ-CP?", "easy")


def test_explicit_answer_wins_over_formatting_with_a_warning():
    result = read(*with_marked(0, bold=True), "Đáp án: B")
    assert one(result).correct == [1]
    assert problems(result, "warnings") == [
        ("Câu 1", "Phương án A được đánh dấu (in đậm) nhưng đáp án ghi là B; đã dùng B.")
    ]


# -- answer keys ------------------------------------------------------------------------------

def two_questions(*key_blocks):
    return read("Câu 1: Câu hỏi một?", "A. một", "B. hai", "C. ba",
                "Câu 2: Câu hỏi hai?", "A. một", "B. hai", "C. ba", *key_blocks)


@pytest.mark.parametrize("key", [
    ["Bảng đáp án", "1-B, 2-C"], ["ĐÁP ÁN", "1.B 2.C"], ["Đáp án:", "1B  2C"], ["Bảng đáp án", "1: B; 2: C"],
    ["Đáp án", "Câu 1: B", "Câu 2: C"], ["Đáp án: 1-B, 2-C"], ["BẢNG ĐÁP ÁN", "1 - b", "2 - c"],
])
def test_answer_key_paragraphs(key):
    result = two_questions(*key)
    assert result.errors == [], problems(result)
    assert [q.correct for q in result.questions] == [[1], [2]]


def test_answer_key_two_row_table():
    result = two_questions("Bảng đáp án", table([["Câu", "1", "2"], ["Đáp án", "B", "C"]]))
    assert [q.correct for q in result.questions] == [[1], [2]]


def test_answer_key_banded_two_row_table_without_heading():
    result = two_questions(table([["Câu", "1", ""], ["Đáp án", "B", ""], ["Câu", "2", ""], ["Đáp án", "C", ""]]))
    assert result.errors == []
    assert [q.correct for q in result.questions] == [[1], [2]]


def test_answer_key_two_column_table_with_header():
    result = two_questions("Đáp án", table([["Câu", "Đáp án"], ["1", "B"], ["2", "c"]]))
    assert [q.correct for q in result.questions] == [[1], [2]]


def test_answer_key_cells_with_pairs():
    result = two_questions("Bảng đáp án", table([["1-B", "2-C"]]))
    assert [q.correct for q in result.questions] == [[1], [2]]


def test_answer_key_table_of_cau_cells_is_not_read_as_questions():
    result = two_questions(table([["Câu 1", "B"], ["Câu 2", "C"]]))
    assert result.errors == [] and len(result.questions) == 2
    assert [q.correct for q in result.questions] == [[1], [2]]


def test_answer_key_per_part_with_restarted_numbers():
    result = read("Phần I. Thể chế", "Câu 1: Một?", "A. x", "B. y", "Đáp án phần I", "1-A",
                  "Phần II. Tổ chức bộ máy", "Câu 1: Hai?", "A. x", "B. y", "Đáp án phần II", "1-B")
    assert result.errors == [] and result.warnings == []
    assert [(q.topic, q.correct) for q in result.questions] == [("Thể chế", [0]), ("Tổ chức bộ máy", [1])]


# -- structure --------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["Câu 1:", "Câu 1.", "Câu 1)", "CÂU 1:", "câu 1 .", "Câu 1 -"])
def test_question_label_variants(label):
    question = one(read(f"{label} Ai ban hành?", "A. Quốc hội", "*B. Chính phủ"))
    assert (question.where, question.text) == ("Câu 1", "Ai ban hành?")


def test_bold_label_without_punctuation():
    question = one(read([R("Câu 7", bold=True), " Ai ban hành?"], "A. Quốc hội", "*B. Chính phủ"))
    assert (question.where, question.text) == ("Câu 7", "Ai ban hành?")


def test_plain_cau_in_text_is_not_a_label():
    question = one(read("Câu 1: Chọn ý đúng.", "A. Câu 2 và câu 3 đều đúng", "*B. Không câu nào đúng"))
    assert question.choices == ["Câu 2 và câu 3 đều đúng", "Không câu nào đúng"]


def test_stem_over_several_paragraphs_and_label_alone():
    question = one(read("Câu 3:", "Theo Nghị quyết 76/NQ-CP,", "mục tiêu đến năm 2030 là gì?",
                        "A. x", "*B. y"))
    assert (question.where, question.text) == ("Câu 3", "Theo Nghị quyết 76/NQ-CP, mục tiêu đến năm 2030 là gì?")


def test_stem_paragraph_starting_with_phan_is_not_a_heading():
    question = one(read("Câu 2:", "Phần 2 của Nghị quyết 76/NQ-CP nói về nội dung nào?", "A. x", "*B. y"))
    assert (question.text, question.topic) == ("Phần 2 của Nghị quyết 76/NQ-CP nói về nội dung nào?", None)


@pytest.mark.parametrize("line", [
    "A. một\tB. hai\tC. ba\tD. bốn", "A. một    B. hai    C. ba    D. bốn", "a) một\tb) hai\tc) ba\td) bốn",
    "A.một\t\tB.hai\tC.ba\tD.bốn", "A. một B. hai C. ba D. bốn",
])
def test_choices_run_together_on_one_line(line):
    question = one(read("Câu 1: Số nào?", line, "Đáp án: C"))
    assert question.choices == ["một", "hai", "ba", "bốn"]
    assert question.correct == [2]


def test_choices_after_the_stem_with_single_spaces():
    question = one(read("Câu 1: Số nào lớn nhất? A. một B. hai C. ba D. bốn", "ĐA: D"))
    assert (question.text, question.choices, question.correct) == ("Số nào lớn nhất?", ["một", "hai", "ba", "bốn"], [3])


def test_two_choices_per_line_with_a_marked_one():
    question = one(read("Câu 1: Số nào?", ["A. một\t", R("B. hai", bold=True)], "C. ba\tD. bốn"))
    assert (question.choices, question.correct) == (["một", "hai", "ba", "bốn"], [1])


def test_choices_after_the_stem_on_the_same_line():
    question = one(read("Câu 1: Số nào?\tA. một\tB. hai", "Đáp án: A"))
    assert (question.text, question.choices, question.correct) == ("Số nào?", ["một", "hai"], [0])


def test_manual_line_breaks_separate_choices():
    question = one(read(["Câu 1: Số nào?", BR, "A. một", BR, R("B. hai", underline=True), BR, "C. ba"]))
    assert (question.text, question.choices, question.correct) == ("Số nào?", ["một", "hai", "ba"], [1])


def test_choice_continued_on_a_lowercase_line():
    question = one(read("Câu 1: Chọn?", "A. Rà soát, đơn giản hóa", "thủ tục hành chính", "*B. Khác"))
    assert question.choices == ["Rà soát, đơn giản hóa thủ tục hành chính", "Khác"]


def test_choices_in_a_two_by_two_table_with_a_shaded_cell():
    result = read("Câu 1: Số nào?", table([["A. một", "B. hai"], ["C. ba", "D. bốn"]], shaded=[(1, 0)]))
    assert (one(result).choices, one(result).correct) == (["một", "hai", "ba", "bốn"], [2])


def test_choices_in_a_table_read_by_letter_when_column_wise():
    result = read("Câu 1: Số nào?", table([["A. một", "C. ba"], ["B. hai", [R("D. bốn", bold=True)]]]))
    assert (one(result).choices, one(result).correct) == (["một", "hai", "ba", "bốn"], [3])


def test_lowercase_items_in_the_stem_then_choices():
    question = one(read("Câu 1: Xét các ý:", "a) Công khai", "b) Minh bạch", "Ý nào đúng?",
                        "A. Chỉ a", "B. Chỉ b", "*C. Cả a và b"))
    assert question.text == "Xét các ý: a) Công khai b) Minh bạch Ý nào đúng?"
    assert question.choices == ["Chỉ a", "Chỉ b", "Cả a và b"]


def test_topic_headings_set_the_topic_of_what_follows():
    result = read("Câu 1: Trước?", "A. x", "*B. y",
                  "Chủ đề: Cải cách thể chế", "Câu 2: Hai?", "A. x", "*B. y",
                  "PHẦN II: CẢI CÁCH TTHC", "Câu 3: Ba?", "A. x", "*B. y",
                  "Chương 3. Tổ chức bộ máy", "Câu 4: Bốn?", "A. x", "*B. y",
                  "Phần IV", "Câu 5: Năm?", "A. x", "*B. y")
    assert result.errors == []
    assert [q.topic for q in result.questions] == [
        None, "Cải cách thể chế", "CẢI CÁCH TTHC", "Tổ chức bộ máy", "Phần IV"]


def test_heading_style_topic():
    doc = Document()
    doc.add_heading("Phần I. Cải cách hành chính", level=1)
    for text in ["Câu 1: Hỏi?", "A. x", "*B. y"]:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    assert one(parse_file(out.getvalue())).topic == "Cải cách hành chính"


def test_motto_table_and_title_are_ignored():
    result = read(table([["ỦY BAN NHÂN DÂN TỈNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
                         ["Số: 12/KH-UBND", "Độc lập - Tự do - Hạnh phúc"]]),
                  "BỘ CÂU HỎI THI TÌM HIỂU CẢI CÁCH HÀNH CHÍNH NĂM 2025", "(Kèm theo Kế hoạch số 12)",
                  STEM, *CHOICES, "Đáp án: B")
    question = one(result)
    assert (question.text, question.correct, result.warnings) == ("Ai ban hành Nghị quyết 76/NQ-CP?", [1], [])


def _numbered(doc, paragraphs):
    """Adds a `Câu %1:` list (numId 91) and a lettered `%1.` list restarting per question."""
    numbering = doc.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="decimal"/><w:lvlText w:val="Câu %1:"/><w:suff w:val="space"/></w:lvl></w:abstractNum>'))
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="91"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="upperLetter"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="91"><w:abstractNumId w:val="90"/></w:num>'))
    for num_id, text, fmt in paragraphs:
        if num_id and num_id not in (91,) and not numbering.xpath(f'w:num[@w:numId="{num_id}"]'):
            numbering.append(parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="91"/>'
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
        paragraph = _paragraph(doc, [R(text, **fmt)])
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_word_list_numbering_for_questions_and_choices():
    doc = Document()
    _numbered(doc, [(91, "Ai ban hành?", {}), (92, "Quốc hội", {}), (92, "Chính phủ", {"bold": True}),
                    (91, "Năm nào?", {}), (93, "2020", {"underline": True}), (93, "2021", {})])
    out = io.BytesIO()
    doc.save(out)
    result = parse_file(out.getvalue())
    assert result.errors == [], problems(result)
    assert [(q.where, q.text, q.choices, q.correct) for q in result.questions] == [
        ("Câu 1", "Ai ban hành?", ["Quốc hội", "Chính phủ"], [1]),
        ("Câu 2", "Năm nào?", ["2020", "2021"], [0]),
    ]


def test_deleted_and_hidden_text_is_not_read():
    def blocks(doc):
        _paragraph(doc, [STEM])
        _paragraph(doc, ["A. Quốc hội"])
        choice = _paragraph(doc, ["B. Chính phủ"])
        for xml in ('<w:del w:id="1" w:author="x"><w:r><w:delText> và Quốc hội</w:delText></w:r></w:del>',
                    '<w:r><w:rPr><w:vanish/></w:rPr><w:t> (ghi chú ẩn)</w:t></w:r>',
                    '<w:ins w:id="2" w:author="x"><w:r><w:rPr><w:b/></w:rPr><w:t> Việt Nam</w:t></w:r></w:ins>'):
            choice._p.append(parse_xml(xml.replace(">", f" {nsdecls('w')}>", 1)))
        _paragraph(doc, ["C. Bộ Nội vụ"])
        _paragraph(doc, ["Đáp án: B"])

    question = one(read(blocks))
    assert question.choices == ["Quốc hội", "Chính phủ Việt Nam", "Bộ Nội vụ"]
    assert question.correct == [1]


def test_text_is_nfc_and_whitespace_folded():
    decomposed = "Câu 1:  Ai   ban hành\u00a0nghị quyết?".replace("â", "a\u0302")
    question = one(read(decomposed, "A.  Quốc   hội", "*B. Chính phủ"))
    assert question.text == "Ai ban hành nghị quyết?"
    assert question.choices[0] == "Quốc hội"


# -- errors and warnings ----------------------------------------------------------------------

BAD_DOCUMENTS = [
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y"], [("Câu 4", Containing("Không xác định được đáp án đúng"))],
                 id="no-answer"),
    pytest.param(["Câu 4: Hỏi?", [R("A. x", bold=True)], "B. y", [R("C. z", bold=True)], "D. w"],
                 [("Câu 4", "Câu hỏi có nhiều hơn một đáp án đúng (A, C); chỉ được một.")], id="two-bold"),
    pytest.param(["Câu 4: Hỏi?", "*A. x", "*B. y"],
                 [("Câu 4", "Câu hỏi có nhiều hơn một đáp án đúng (A, B); chỉ được một.")], id="two-stars"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Đáp án: E"],
                 [("Câu 4", "Đáp án E không có trong các phương án.")], id="answer-line-letter-missing"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Bảng đáp án", "4-E"],
                 [("Câu 4", "Đáp án E không có trong các phương án.")], id="key-letter-missing"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Đáp án: X"],
                 [("Câu 4", "Đáp án “X” phải là một chữ cái A–H.")], id="answer-not-a-letter"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Đáp án: Tỉnh ủy"],
                 [("Câu 4", "Đáp án “Tỉnh ủy” không khớp với phương án nào.")], id="answer-text-unknown"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Đáp án: z khác"],
                 [("Câu 4", "Đáp án “z khác” không khớp với phương án nào.")], id="answer-text-letter-like"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Đáp án: A", "Bảng đáp án", "4-B"],
                 [("Câu 4", "Đáp án ghi dưới câu hỏi (A) khác với bảng đáp án (B).")], id="line-vs-key"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "*B. y", "Đáp án: A"],
                 [("Câu 4", "Phương án đánh dấu * (B) khác với đáp án ghi là A.")], id="star-vs-line"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Bảng đáp án", "4-A, 4-B"],
                 [("Câu 4", "Bảng đáp án ghi nhiều đáp án khác nhau cho câu 4 (A, B).")], id="key-twice"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Bảng đáp án", "4-A, 9-B"],
                 [("Câu 9", "Bảng đáp án có đáp án cho câu 9 nhưng tài liệu không có câu 9.")], id="key-no-such-question"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "B. y", "Câu 5: Hỏi?", "A. x", "B. y", "Bảng đáp án", "4-A"],
                 [("Câu 5", "Bảng đáp án không có câu 5 và không phương án nào được đánh dấu; "
                            "không xác định được đáp án đúng.")], id="key-missing-question"),
    pytest.param(["Câu 4: Hỏi?", "*A. x"],
                 [("Câu 4", "Câu hỏi cần ít nhất 2 phương án, tệp có 1.")], id="one-choice"),
    pytest.param(["Câu 4: Hỏi?", "Câu 5: Hỏi?", "A. x", "*B. y"],
                 [("Câu 4", "Câu hỏi cần ít nhất 2 phương án, tệp có 0."),
                  ("Câu 4", "Không xác định được đáp án đúng.")], id="no-choices"),
    pytest.param(["Câu 4:", "A. x", "*B. y"], [("Câu 4", "Câu hỏi không có nội dung.")], id="empty-stem"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "*B. y", "A. z", "B. w"],
                 [("Câu 4", "Phương án A, B xuất hiện nhiều lần trong một câu; có thể thiếu nhãn “Câu N:” "
                            "của câu tiếp theo."),
                  ], id="missing-label"),
    pytest.param(["Câu 4: Hỏi?", "A. x", "*B. y", "Mức độ: rất khó"],
                 [("Câu 4", "Mức độ “rất khó” không hợp lệ (dùng Dễ, Trung bình, Khó hoặc 1, 2, 3).")],
                 id="bad-difficulty"),
    pytest.param(["BỘ CÂU HỎI", "Không có câu nào ở đây."], [("Tệp", "Tệp không có câu hỏi nào.")], id="no-question"),
]


@pytest.mark.parametrize("blocks, expected", BAD_DOCUMENTS)
def test_bad_documents_name_the_place(blocks, expected):
    result = read(*blocks)
    assert problems(result) == expected


def test_duplicate_question_number_is_a_warning():
    result = read("Câu 3: Một?", "A. x", "*B. y", "Câu 3: Hai?", "A. x", "*B. y")
    assert result.errors == []
    assert len(result.questions) == 2
    assert problems(result, "warnings") == [
        ("Câu 3", "Số câu 3 bị lặp lại (đã có một “Câu 3” trước đó); hãy kiểm tra đánh số.")
    ]


def test_stray_paragraph_after_choices_is_warned():
    result = read("Câu 2: Hỏi?", "A. x", "*B. y", "Ghi chú của người soạn")
    assert result.errors == []
    assert problems(result, "warnings") == [
        ("Câu 2", "Đoạn “Ghi chú của người soạn” sau phương án B không thuộc câu hỏi hay phương án nào; đã bỏ qua.")
    ]


def test_choices_without_a_question_are_warned():
    result = read("Câu 1: Hỏi?", "A. x", "*B. y", "Phần II. Khác", "A. lạc", "B. đề")
    assert result.errors == []
    assert [w.message for w in result.warnings] == [
        "Phương án “A. lạc” không thuộc câu hỏi nào (thiếu nhãn “Câu N:”?); đã bỏ qua.",
        "Phương án “B. đề” không thuộc câu hỏi nào (thiếu nhãn “Câu N:”?); đã bỏ qua.",
    ]
    assert result.warnings[0].where.startswith("Đoạn ")


# -- hostile and broken files -----------------------------------------------------------------

VALID = make(STEM, *CHOICES, "Đáp án: B")


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
        if content is not None:
            dst.writestr(name, content)
    return out.getvalue()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:body><w:p><w:r><w:t>Câu 1: &lol9;</w:t></w:r></w:p></w:body></w:document>'
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_bomb_is_refused_quickly(encoding):
    data = replace_member(VALID, "word/document.xml", BILLION_LAUGHS.replace(
        'version="1.0"?', f'version="1.0" encoding="{encoding}"?').encode(encoding))
    started = time.perf_counter()
    result = parse(data)
    assert time.perf_counter() - started < 1
    assert result.questions == []
    assert problems(result) == [
        ("Tệp", "Tệp chứa khai báo XML không được phép (DOCTYPE/ENTITY); tệp bị từ chối.")]


def _zip_with_zeros(megabytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(VALID)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        chunk = bytes(1 << 20)
        with dst.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _zip_with_zeros(500)


def _refused_cheaply(data: bytes):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = parse_file(data, "bomb.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 30 * 1024 * 1024
    return result


def test_zip_bomb_is_refused_without_inflating(zip_bomb):
    assert len(zip_bomb) < 5 * 1024 * 1024
    result = _refused_cheaply(zip_bomb)
    assert problems(result) == [("Tệp", "Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn.")]


def test_member_declaring_a_huge_size_is_refused():
    data = bytearray(VALID)
    position = data.find(b"PK\x01\x02")  # first central directory entry: patch its declared size
    struct.pack_into("<I", data, position + 24, 500 * 1024 * 1024)
    result = _refused_cheaply(bytes(data))
    assert problems(result) == [("Tệp", "Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn.")]


def test_encrypted_zip_member_is_refused():
    data = bytearray(VALID)
    position = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, position + 8)[0]
    struct.pack_into("<H", data, position + 8, flags | 0x1)
    assert problems(parse(bytes(data))) == [
        ("Tệp", "Tệp được mã hoá (có mật khẩu); hãy bỏ mật khẩu rồi tải lên lại.")]


def test_password_protected_word_file_is_refused():
    # Word saves an encrypted .docx as an OLE2 compound file, not as a zip.
    data = encrypted_package()
    result = parse_file(data, "bank.docx")
    assert result.questions == [] and result.errors[0].where == "Tệp"
    assert "có mật khẩu" in result.errors[0].message
    assert problems(parse(data)) == [("Tệp", "Tệp bị hỏng hoặc không phải tệp Office hợp lệ.")]


CORRUPT = [
    pytest.param(VALID[: len(VALID) // 2], "Tệp bị hỏng hoặc không phải tệp Office hợp lệ.", id="truncated"),
    pytest.param(b"not a zip at all", "Tệp bị hỏng hoặc không phải tệp Office hợp lệ.", id="not-zip"),
    pytest.param(replace_member(VALID, "word/document.xml", None),
                 "Tệp thiếu thành phần word/document.xml; tệp bị hỏng.", id="no-document"),
    pytest.param(replace_member(VALID, "word/document.xml", b"<w:document><w:body>"),
                 "Tệp Word bị hỏng: phần word/document.xml không phải XML hợp lệ.", id="malformed-xml"),
    pytest.param(replace_member(VALID, "word/document.xml",
                                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'),
                 "Tệp Word bị hỏng: không có phần nội dung (w:body).", id="no-body"),
    pytest.param(replace_member(VALID, "word/styles.xml", b"\xff\xfe garbage"),
                 "Tệp Word bị hỏng: phần word/styles.xml không phải XML hợp lệ.", id="bad-styles"),
]


def _patched(offset: int, value: int) -> bytes:
    """VALID with one 16-bit field of its first central directory entry overwritten."""
    data = bytearray(VALID)
    struct.pack_into("<H", data, data.find(b"PK\x01\x02") + offset, value)
    return bytes(data)


CORRUPT += [
    pytest.param(_patched(6, 0xFF), "Tệp bị hỏng, không giải nén được.", id="unsupported-zip-version"),
    pytest.param(_patched(10, 99), "Tệp bị hỏng, không giải nén được.", id="unknown-compression"),
]


@pytest.mark.parametrize("data, message", CORRUPT)
def test_corrupt_files_get_a_clean_error(data, message):
    result = parse(data)
    assert result.questions == []
    assert problems(result) == [("Tệp", message)]


def test_damaged_bytes_never_raise():
    rng = random.Random(20250101)
    outcomes = set()
    for _ in range(300):
        data = bytearray(VALID)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        result = parse(bytes(data))  # must return, whatever the damage
        outcomes.add("ok" if not result.errors else result.errors[0].message)
    assert "Tệp bị hỏng, không giải nén được." in outcomes


# -- an answer line keeps more than its first letter (finding A2) -----------------------------

ALL_THREE = ["A. Quốc hội", "B. Chính phủ", "C. Bộ Nội vụ", "D. A, B, C đều đúng"]


@pytest.mark.parametrize("line, correct", [
    ("Đáp án: A, B, C đều đúng", [3]),
    ("Đáp án: D. A, B, C đều đúng", [3]),
    ("Đáp án: D", [3]),
    ("Đáp án: B. Chính phủ", [1]),
    ("Đáp án: B (theo Nghị quyết 76)", [1]),
])
def test_answer_line_whole_text_names_the_choice(line, correct):
    assert one(read(STEM, *ALL_THREE, line)).correct == correct


@pytest.mark.parametrize("line, message", [
    ("Đáp án: C và D", "Dòng đáp án “C và D” ghi nhiều phương án (C, D); mỗi câu chỉ có một đáp án "
                       "— hãy ghi một chữ cái, hoặc chép đúng nội dung phương án."),
    ("Đáp án: B hoặc C", "Dòng đáp án “B hoặc C” ghi nhiều phương án (B, C); mỗi câu chỉ có một đáp án "
                         "— hãy ghi một chữ cái, hoặc chép đúng nội dung phương án."),
    ("Đáp án: B. Huế", "Dòng đáp án ghi B nhưng chữ theo sau (“Huế”) khác nội dung phương án B (“Chính phủ”); "
                       "không xác định được đáp án đúng."),
    ("Đáp án: B. Bộ Nội vụ", "Dòng đáp án ghi B nhưng chữ theo sau (“Bộ Nội vụ”) là một phương án khác."),
])
def test_answer_line_with_several_letters_or_other_text_is_refused(line, message):
    result = read(STEM, *CHOICES, line)
    assert problems(result) == [("Câu 1", message)]
    assert all(not q.correct for q in result.questions)


def test_answer_line_between_stem_and_choices_is_the_answer_not_stem_text():
    # finding A5: it was glued into the stem and the bold C decided
    result = read(STEM, "Đáp án: B", "A. Quốc hội", "B. Chính phủ", [R("C. Bộ Nội vụ", bold=True)])
    question = one(result)
    assert question.text == "Ai ban hành Nghị quyết 76/NQ-CP?"
    assert question.correct == [1]
    assert problems(result, "warnings") == [
        ("Câu 1", "Phương án C được đánh dấu (in đậm) nhưng đáp án ghi là B; đã dùng B.")]


def test_stem_line_that_starts_like_an_answer_line_stays_in_the_stem():
    question = one(read(STEM, "Đáp án A là gì?", "A. Quốc hội", "B. Chính phủ", "Đáp án: B"))
    assert question.text == "Ai ban hành Nghị quyết 76/NQ-CP? Đáp án A là gì?"
    assert question.correct == [1]


def test_choice_text_citing_lettered_items_stays_one_choice():
    # finding B1: “C.” and “D.” inside choice B's text were read as two more choices
    question = one(read(STEM, "A. Mục A. của Luật", "B. Mục C. và mục D. của Nghị định 43", "C. Bộ Nội vụ",
                        "D. Không mục nào", "Đáp án: B"))
    assert question.choices == ["Mục A. của Luật", "Mục C. và mục D. của Nghị định 43", "Bộ Nội vụ", "Không mục nào"]
    assert question.correct == [1]
