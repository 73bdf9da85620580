"""Aiken typed into Word (issue 16 point 2): `[1]` or plain stems, `A.`–`D.`, `ANSWER: B` paragraphs.

Documents are built with python-docx; the Aiken parser reads their paragraphs, so its rules (and
its errors, by `Đoạn N`) are the text format's.
"""
import pytest

from question_bank.importers import parse_file

from .test_docx import R, make

UNREAD = "Không hiểu dòng “{}”; mỗi câu Aiken gồm câu hỏi, các dòng A. B. …, rồi ANSWER: X."


def read(*paragraphs):
    result = parse_file(make(*paragraphs), "bank.docx")
    assert result.format == "docx"
    return result


def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


def summary(result):
    return [(q.where, q.text, q.choices, q.correct, q.explanation) for q in result.questions]


BRACKETS = [
    "NGÂN HÀNG CÂU HỎI CẢI CÁCH HÀNH CHÍNH",
    "[1] Cơ quan nào chủ trì công tác cải cách hành chính?",
    "A. Bộ Tư pháp", "B. Bộ Nội vụ", "C. Văn phòng Chính phủ", "D. Bộ Tài chính",
    "ANSWER: B",
    "Giải thích: Nghị quyết 76/NQ-CP giao Bộ Nội vụ.",
    "[2] Cổng Dịch vụ công quốc gia ra mắt năm nào?",
    "A) 2018", "B) 2019", "C) 2020", "D) 2021",
    "ANSWER: B",
]


def test_bracket_labels_answer_lines_and_explanations():
    result = read(*BRACKETS)
    assert problems(result) == []
    assert problems(result, "warnings") == [
        ("Đoạn 1", "Đã bỏ qua dòng “NGÂN HÀNG CÂU HỎI CẢI CÁCH HÀNH CHÍNH” trước câu hỏi đầu tiên (coi là tiêu đề)."),
    ]
    assert summary(result) == [
        ("Câu 1", "Cơ quan nào chủ trì công tác cải cách hành chính?",
         ["Bộ Tư pháp", "Bộ Nội vụ", "Văn phòng Chính phủ", "Bộ Tài chính"], [1],
         "Nghị quyết 76/NQ-CP giao Bộ Nội vụ."),
        ("Câu 2", "Cổng Dịch vụ công quốc gia ra mắt năm nào?", ["2018", "2019", "2020", "2021"], [1], None),
    ]


def test_plain_stems_with_blank_paragraphs_and_choices_on_one_line():
    result = read("Cơ quan nào chủ trì?", "A. Bộ Tư pháp\tB. Bộ Nội vụ\tC. Bộ Tài chính", "ANSWER: B", "",
                  "Năm nào?", "A. 2018", "B. 2019", "ANSWER: A")
    assert problems(result) == [] and problems(result, "warnings") == []
    assert summary(result) == [
        ("Câu 1", "Cơ quan nào chủ trì?", ["Bộ Tư pháp", "Bộ Nội vụ", "Bộ Tài chính"], [1], None),
        ("Câu 2", "Năm nào?", ["2018", "2019"], [0], None),
    ]


def test_many_questions_without_blank_paragraphs():
    paragraphs = []
    for n in range(1, 96):
        paragraphs += [f"Câu {n}. Hỏi số {n}?", "A. Một", "B. Hai", "C. Ba", "D. Bốn", f"ANSWER: {'ABCD'[n % 4]}"]
    paragraphs[6] = "[2] Hỏi số 2?"  # a bank that mixes its labels still reads every question
    result = read(*paragraphs)
    assert problems(result) == []
    assert [(q.where, q.text, q.correct) for q in result.questions] == [
        (f"Câu {n}", f"Hỏi số {n}?", [n % 4]) for n in range(1, 96)
    ]


def test_formatting_does_not_override_the_answer_line():
    result = read("[1] Hỏi?", "A. Một", [R("B. Hai", bold=True)], "ANSWER: A")
    assert summary(result) == [("Câu 1", "Hỏi?", ["Một", "Hai"], [0], None)]


def test_stray_paragraph_is_an_error_naming_the_paragraph():
    paragraphs = BRACKETS[:8] + ["Ghi chú: xem thêm tài liệu"] + BRACKETS[8:]
    result = read(*paragraphs)
    assert problems(result) == [("Đoạn 9", UNREAD.format("Ghi chú: xem thêm tài liệu"))]
    assert [q.text for q in result.questions][1] == "Cổng Dịch vụ công quốc gia ra mắt năm nào?"


def test_missing_answer_line_is_reported_not_merged():
    paragraphs = [p for i, p in enumerate(BRACKETS) if i != 6]
    result = read(*paragraphs)
    assert problems(result) == [("Câu 1", "Thiếu dòng “ANSWER: …” sau các phương án.")]


def test_word_layout_with_cau_labels_stays_with_the_word_reader():
    # Bold marks the answer; no ANSWER line: the Word layout, not Aiken.
    result = read("Câu 1: Hỏi?", "A. Một", [R("B. Hai", bold=True)])
    assert problems(result) == []
    assert [(q.text, q.correct) for q in result.questions] == [("Hỏi?", [1])]


@pytest.mark.parametrize("separator", ["A/ ", "A- "])
def test_answer_lines_without_readable_choices_say_what_was_seen(separator):
    letters = [separator.replace("A", letter) for letter in "AB"]
    result = read("[1] Hỏi?", f"{letters[0]}Một", f"{letters[1]}Hai", "ANSWER: B",
                  "[2] Hỏi nữa?", f"{letters[0]}Một", f"{letters[1]}Hai", "ANSWER: A")
    assert not any(q.choices for q in result.questions)
    assert ("Tệp", f"2 dòng “ANSWER:” nhưng không dòng nào đứng sau các phương án A. B. … — tệp có vẻ là Aiken; "
                   f"trước dòng “ANSWER:” đầu tiên là Đoạn 3: “{letters[1]}Hai”. Mỗi câu cần: dòng câu hỏi, mỗi phương "
                   "án một dòng bắt đầu bằng chữ cái và dấu chấm hoặc ngoặc (“A. …” hoặc “A) …”), rồi dòng "
                   "“ANSWER: X”.") in problems(result)


def test_missing_answer_without_blank_paragraphs_does_not_swallow_the_next_question():
    # Without a blank paragraph the next stem reads like a wrapped choice until its `A.` comes.
    result = read("Hỏi một?", "A. Một", "B. Hai", "C. Ba", "D. Bốn", "Hỏi hai?", "A. x", "B. y", "ANSWER: B")
    assert problems(result) == [("Câu 1", "Thiếu dòng “ANSWER: …” sau các phương án.")]
    assert summary(result) == [("Câu 2", "Hỏi hai?", ["x", "y"], [1], None)]


@pytest.mark.parametrize("answer", ["Đáp án: B", "Đáp án đúng là B.", "ĐA: b", "Đáp án: B. Bộ Nội vụ",
                                    "Đáp án: Bộ Nội vụ", "Đáp án: B (theo Nghị định 123)"])
def test_dap_an_lines_close_unlabelled_questions_too(answer):
    result = read("[1] Cơ quan nào chủ trì?", "A. Bộ Tư pháp", "B. Bộ Nội vụ", answer,
                  "[2] Năm nào?", "A. 2018", "B. 2019", "Đáp án: A")
    assert problems(result) == []
    assert [(q.text, q.correct) for q in result.questions] == [("Cơ quan nào chủ trì?", [1]), ("Năm nào?", [0])]


@pytest.mark.parametrize("answer, message", [
    ("Đáp án: B. Bộ Tư pháp", "Dòng đáp án ghi B nhưng chữ theo sau (“Bộ Tư pháp”) là một phương án khác."),
    ("Đáp án: Bộ Tài chính", "Đáp án “Bộ Tài chính” không khớp với phương án nào."),
    ("Đáp án: E", "Đáp án E không có trong các phương án."),
])
def test_answer_lines_that_contradict_the_choices_are_refused(answer, message):
    result = read("Cơ quan nào chủ trì?", "A. Bộ Tư pháp", "B. Bộ Nội vụ", answer)
    assert problems(result) == [("Câu 1", message)]


@pytest.mark.parametrize("answer, correct", [
    ("Đáp án: A, B đều đúng", [2]), ("Đáp án: A và B", [3]), ("Đáp án: C", [2]), ("Đáp án: B. Bộ Nội vụ", [1]),
])
def test_answer_line_whole_text_names_the_choice(answer, correct):
    result = read("[1] Cơ quan nào chủ trì?", "A. Bộ Tư pháp", "B. Bộ Nội vụ", "C. A, B đều đúng", "D. A và B",
                  answer, "[2] Năm nào?", "A. 2018", "B. 2019", "ANSWER: B")
    assert problems(result) == []
    assert [q.correct for q in result.questions] == [correct, [1]]


@pytest.mark.parametrize("answer, message", [
    ("Đáp án: A và B", "Dòng đáp án “A và B” ghi nhiều phương án (A, B); mỗi câu chỉ có một đáp án "
                       "— hãy ghi một chữ cái, hoặc chép đúng nội dung phương án."),
    ("Đáp án: B, C", "Dòng đáp án “B, C” ghi nhiều phương án (B, C); mỗi câu chỉ có một đáp án "
                     "— hãy ghi một chữ cái, hoặc chép đúng nội dung phương án."),
    ("Đáp án: B. Huế", "Dòng đáp án ghi B nhưng chữ theo sau (“Huế”) khác nội dung phương án B (“Bộ Nội vụ”); "
                       "không xác định được đáp án đúng."),
])
def test_answer_line_with_several_letters_or_other_text_is_refused(answer, message):
    result = read("[1] Cơ quan nào chủ trì?", "A. Bộ Tư pháp", "B. Bộ Nội vụ", "C. Ba", answer,
                  "[2] Năm nào?", "A. 2018", "B. 2019", "ANSWER: B")
    assert problems(result) == [("Câu 1", message)]
    assert [q.correct for q in result.questions if q.correct] == [[1]]


def test_choice_with_an_unaccepted_label_is_an_error_not_glued():
    result = read("[1] Thủ đô?", "A. Huế", "*B. Hà Nội", "C. Vinh", "ANSWER: C", "[2] Năm nào?", "A. 2018",
                  "B. 2019", "ANSWER: B")
    assert problems(result) == [("Đoạn 3", "Dòng “*B. Hà Nội” trông như phương án B nhưng nhãn “*B.” không "
                                           "được chấp nhận (chỉ “B.” hoặc “B)”); câu hỏi này chưa được nhập.")]
    assert [q.text for q in result.questions] == ["Năm nào?"]


def test_choice_line_citing_lettered_items_refuses_the_question():
    # finding B1: “A. Xem mục B. và mục C. của Luật” splits into A, B, C, then B and C come again
    result = read("[1] Thủ đô?", "A. Xem mục B. và mục C. của Luật", "B. Khác", "C. Không", "ANSWER: A",
                  "[2] Năm nào?", "A. 2018", "B. 2019", "ANSWER: B")
    assert problems(result) == [("Câu 1", "Phương án B, C xuất hiện hơn một lần (có thể một phương án bị tách "
                                          "ở “B.”, “C.” trong nội dung); không xác định được đáp án đúng.")]
    assert [q.correct for q in result.questions if q.correct] == [[1]]


def test_repeated_letter_other_than_the_answer_is_refused_in_text_aiken_too():
    result = parse_file("Hỏi?\nA. Một\nB. Hai\nB. Ba\nANSWER: A\n".encode(), "bank.txt")
    assert problems(result) == [("Câu 1", "Phương án B xuất hiện hơn một lần (có thể một phương án bị tách "
                                          "ở “B.” trong nội dung); không xác định được đáp án đúng.")]
