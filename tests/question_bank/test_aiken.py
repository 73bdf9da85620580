"""The Aiken importer: Moodle's `A.`/`A)` choices and `ANSWER:` line, and every error by place."""
from pathlib import Path

import pytest

import question_bank.importers
from question_bank.importers import parse_file

from .sheets import cp1258

MISSING = "Thiếu dòng “ANSWER: …” sau các phương án."
BANK = """\
Cơ quan nào chủ trì công tác cải cách hành chính?
A. Bộ Tư pháp
B. Bộ Nội vụ
C. Văn phòng Chính phủ
D. Bộ Tài chính
ANSWER: B

Cổng Dịch vụ công quốc gia ra mắt năm nào?
A) 2018
B) 2019
C) 2020
ANSWER: B
"""


def read(text: str):
    result = parse_file(text.encode(), "bank.txt")
    assert result.format == "aiken"
    return result


def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


def summary(result):
    return [(q.where, q.text, q.choices, q.correct) for q in result.questions]


def test_choices_with_dot_and_parenthesis():
    result = read(BANK)
    assert problems(result) == [] and problems(result, "warnings") == []
    assert summary(result) == [
        ("Câu 1", "Cơ quan nào chủ trì công tác cải cách hành chính?",
         ["Bộ Tư pháp", "Bộ Nội vụ", "Văn phòng Chính phủ", "Bộ Tài chính"], [1]),
        ("Câu 2", "Cổng Dịch vụ công quốc gia ra mắt năm nào?", ["2018", "2019", "2020"], [1]),
    ]
    assert [(q.topic, q.explanation, q.difficulty) for q in result.questions] == [(None, None, None)] * 2


def test_lower_case_letters_and_answer_without_space():
    result = read("Hỏi?\na) Có\nb) Không\nANSWER:b\n\nHỏi nữa?\nA.Có\nB.Không\nanswer: a\n")
    assert problems(result) == []
    assert summary(result) == [("Câu 1", "Hỏi?", ["Có", "Không"], [1]), ("Câu 2", "Hỏi nữa?", ["Có", "Không"], [0])]


def test_multi_line_stem_wrapped_choice_and_blank_line_between_choices():
    result = read("Dòng đầu của câu hỏi\nvà dòng tiếp theo?\nA. Phương án dài\nviết tiếp\n\nB. Ngắn\nANSWER: A\n")
    assert problems(result) == []
    assert summary(result) == [
        ("Câu 1", "Dòng đầu của câu hỏi và dòng tiếp theo?", ["Phương án dài viết tiếp", "Ngắn"], [0]),
    ]


def test_stems_may_contain_braces_and_colons():
    result = read("Điền vào {chỗ trống}: thủ đô là {…}?\nA. Hà Nội\nB. Huế\nANSWER: A\n")
    assert summary(result) == [("Câu 1", "Điền vào {chỗ trống}: thủ đô là {…}?", ["Hà Nội", "Huế"], [0])]


def test_answer_letter_with_no_such_choice():
    result = read(BANK.replace("ANSWER: B\n", "ANSWER: E\n", 1))
    assert problems(result) == [("Câu 1", "Đáp án E không có trong các phương án.")]


def test_answer_that_is_not_a_letter():
    result = read(BANK.replace("ANSWER: B\n", "ANSWER: Bộ Nội vụ\n", 1))
    assert problems(result) == [("Câu 1", "Dòng ANSWER “Bộ Nội vụ” phải là một chữ cái A–H.")]


def test_missing_answer_at_the_end():
    result = read(BANK.rstrip().rsplit("\n", 1)[0] + "\n")
    assert problems(result) == [("Câu 2", MISSING)]
    assert [q.where for q in result.questions] == ["Câu 1"]


def test_missing_answer_does_not_swallow_the_next_question():
    text = BANK.replace("ANSWER: B\n", "", 1)
    result = read(text)
    assert problems(result) == [("Câu 1", MISSING)]
    assert summary(result) == [("Câu 2", "Cổng Dịch vụ công quốc gia ra mắt năm nào?", ["2018", "2019", "2020"], [1])]


def test_answer_line_with_no_question_names_its_line():
    result = read(BANK.replace("ANSWER: B\n", "ANSWER: B\nANSWER: C\n", 1))
    assert problems(result) == [
        ("Dòng 7", "Dòng “ANSWER: C” không đi sau câu hỏi nào (thiếu câu hỏi và các phương án).")
    ]
    assert [q.where for q in result.questions] == ["Câu 1", "Câu 2"]


def test_question_without_choices():
    result = read("Câu không có phương án?\nANSWER: A\n\n" + BANK)
    assert problems(result) == [
        ("Câu 1", "Câu hỏi cần ít nhất 2 phương án, tệp có 0."),
        ("Câu 1", "Đáp án A không có trong các phương án."),
    ]
    assert [q.where for q in result.questions] == ["Câu 1", "Câu 2", "Câu 3"]


def test_letters_out_of_order_are_read_in_order_with_a_warning():
    result = read("Hỏi?\nA. Một\nC. Ba\nB. Hai\nANSWER: B\n")
    assert summary(result) == [("Câu 1", "Hỏi?", ["Một", "Ba", "Hai"], [2])]
    assert problems(result, "warnings") == [
        ("Câu 1", "Các phương án không theo thứ tự chữ cái (A, C, B); đã đọc theo thứ tự xuất hiện."),
    ]


def test_repeated_letter_makes_the_answer_ambiguous():
    result = read("Hỏi?\nA. Một\nA. Hai\nB. Ba\nANSWER: A\n")
    assert problems(result) == [("Câu 1", "Có hai phương án A; không xác định được đáp án đúng.")]
    assert problems(result, "warnings") == [("Câu 1", "Phương án A xuất hiện hơn một lần.")]


def test_empty_choice_is_reported():
    result = read("Hỏi?\nA. Một\nB.\nANSWER: A\n")
    assert problems(result) == [("Câu 1", "Phương án B để trống.")]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda text: cp1258(text.replace("\n", "\r\n")), id="windows-1258"),
    ],
)
def test_encodings_and_line_endings(encode):
    result = parse_file(encode(BANK), "bank.txt")
    assert result.format == "aiken"
    assert problems(result) == []
    assert summary(result) == summary(read(BANK))


# -- issue 16: labels, explanations and lines the layout has no place for ---------------------------
UNREAD = "Không hiểu dòng “{}”; mỗi câu Aiken gồm câu hỏi, các dòng A. B. …, rồi ANSWER: X."


def test_line_between_questions_is_an_error_with_its_line_not_part_of_the_next_stem():
    result = read(BANK.replace("ANSWER: B\n\n", "ANSWER: B\nXem thêm Nghị quyết 76.\n\n", 1))
    assert problems(result) == [("Dòng 7", UNREAD.format("Xem thêm Nghị quyết 76."))]
    assert result.questions[1].text == "Cổng Dịch vụ công quốc gia ra mắt năm nào?"


def test_explanation_source_and_difficulty_after_the_answer_line():
    text = BANK.replace("ANSWER: B\n\n", "ANSWER: B\nGiải thích: Nghị định 123 giao Bộ Nội vụ.\n"
                        "Nguồn: NĐ 123/2016\nMức độ: Khó\n\n", 1)
    result = read(text)
    assert problems(result) == [] and problems(result, "warnings") == []
    first, second = result.questions
    assert (first.explanation, first.source, first.difficulty) == ("Nghị định 123 giao Bộ Nội vụ.", "NĐ 123/2016", "hard")
    assert (second.explanation, second.text) == (None, "Cổng Dịch vụ công quốc gia ra mắt năm nào?")


@pytest.mark.parametrize("label", ["Câu 7:", "Câu 7.", "CÂU 7)", "Câu hỏi 7:", "Câu hỏi số 7.", "[7]", "[ 7 ]", "7.", "7)",
                                   "Câu 7/", "7/", "C7:", "C7.", "Question 7.", "Question 7:"])
def test_question_labels_are_stripped_and_name_the_question(label):
    result = read(f"{label} Cơ quan nào chủ trì?\nA. Bộ Tư pháp\nB. Bộ Nội vụ\nANSWER: B\n")
    assert problems(result) == []
    assert summary(result) == [("Câu 7", "Cơ quan nào chủ trì?", ["Bộ Tư pháp", "Bộ Nội vụ"], [1])]


def test_labelled_bank_reports_a_stray_line_even_without_a_blank_line():
    text = ("[1] Hỏi một?\nA. x\nB. y\nANSWER: A\nGhi chú của người soạn\n"
            "[2] Hỏi hai?\nA. x\nB. y\nANSWER: B\n")
    result = read(text)
    assert problems(result) == [("Dòng 5", UNREAD.format("Ghi chú của người soạn"))]
    assert summary(result) == [("Câu 1", "Hỏi một?", ["x", "y"], [0]), ("Câu 2", "Hỏi hai?", ["x", "y"], [1])]


@pytest.mark.parametrize("stem", ["Câu 2 và câu 3 đều đúng?", "2.000 người là đúng?", "2020 là năm nào?",
                                  "2024. Năm nào Chính phủ ban hành?", "1/2 số thành viên là bao nhiêu người?",
                                  "C2 là mã của đơn vị nào?"])
def test_text_that_only_looks_like_a_label_stays(stem):
    result = read(f"{stem}\nA. Đúng\nB. Sai\nANSWER: A\n")
    assert summary(result) == [("Câu 1", stem, ["Đúng", "Sai"], [0])]


def test_title_before_the_first_question_is_skipped_with_a_warning_and_topics_are_read():
    text = "BỘ CÂU HỎI ÔN TẬP\n\nPhần I. Cải cách thể chế\n\n" + BANK + "\nPhần II. Chính phủ số\nHỏi?\nA. x\nB. y\nANSWER: A\n"
    result = read(text)
    assert problems(result) == []
    assert problems(result, "warnings") == [
        ("Dòng 1", "Đã bỏ qua dòng “BỘ CÂU HỎI ÔN TẬP” trước câu hỏi đầu tiên (coi là tiêu đề)."),
    ]
    assert [(q.where, q.topic, q.text) for q in result.questions] == [
        ("Câu 1", "Cải cách thể chế", "Cơ quan nào chủ trì công tác cải cách hành chính?"),
        ("Câu 2", "Cải cách thể chế", "Cổng Dịch vụ công quốc gia ra mắt năm nào?"),
        ("Câu 3", "Chính phủ số", "Hỏi?"),
    ]


def test_separators_and_the_closing_line_are_no_question():
    result = read(BANK.replace("\n\n", "\n-----\n") + "\n--- HẾT ---\n")
    assert problems(result) == [] and len(result.questions) == 2


def test_trailing_text_without_choices_is_an_error_with_its_line():
    result = read(BANK + "\nCâu hỏi bỏ dở chưa có phương án\n")
    assert problems(result) == [("Dòng 14", UNREAD.format("Câu hỏi bỏ dở chưa có phương án"))]


def test_answer_lines_without_choices_say_what_was_seen_and_expected():
    text = "Cơ quan nào chủ trì?\nA/ Bộ Tư pháp\nB/ Bộ Nội vụ\nANSWER: B\n\nNăm nào?\nA/ 2018\nB/ 2019\nANSWER: A\n"
    result = parse_file(text.encode(), "bank.txt")
    assert result.format == "aiken" and [q.choices for q in result.questions] == [[], []]
    assert (
        "Tệp",
        "2 dòng “ANSWER:” nhưng không dòng nào đứng sau các phương án A. B. … — tệp có vẻ là Aiken; trước dòng "
        "“ANSWER:” đầu tiên là Dòng 3: “B/ Bộ Nội vụ”. Mỗi câu cần: dòng câu hỏi, mỗi phương án một dòng bắt đầu "
        "bằng chữ cái và dấu chấm hoặc ngoặc (“A. …” hoặc “A) …”), rồi dòng “ANSWER: X”.",
    ) in problems(result)


@pytest.mark.parametrize("pattern, home", [
    (r"ANSWER\s*:", "aiken.py"),  # what makes a line Aiken's answer: detect and the Word dispatch ask aiken.py
    (r"câu(?:\s+hỏi)?(?:\s+số)?", "labels.py"),  # the label stripped from stems (SPEC §4)
])
def test_one_pattern_per_rule(pattern, home):
    importers = Path(question_bank.importers.__file__).parent
    holders = sorted(path.name for path in importers.glob("*.py") if pattern in path.read_text())
    assert holders == [home]


def test_explanation_between_the_choices_and_the_answer_line_is_no_part_of_a_choice():
    result = read("Câu 4 (NB): Hỏi?\nA. Một\nB. Hai\nGiải thích: vì hai.\nANSWER: B\n")
    assert problems(result) == []
    assert summary(result) == [("Câu 4", "Hỏi?", ["Một", "Hai"], [1])]
    assert result.questions[0].explanation == "vì hai."


def test_label_alone_on_its_line():
    result = read("Câu 5:\nCơ quan nào chủ trì?\nA. Bộ Tư pháp\nB. Bộ Nội vụ\nANSWER: B\n")
    assert summary(result) == [("Câu 5", "Cơ quan nào chủ trì?", ["Bộ Tư pháp", "Bộ Nội vụ"], [1])]


def test_numbered_list_inside_a_stem_is_text():
    text = ("1. Các bước gồm:\n1) Tiếp nhận\n2) Xử lý\nBước nào đầu tiên?\nA. Tiếp nhận\nB. Xử lý\nANSWER: A\n\n"
            "2. Hỏi nữa?\nA. x\nB. y\nANSWER: B\n")
    result = read(text)
    assert problems(result) == []
    assert summary(result) == [
        ("Câu 1", "Các bước gồm: 1) Tiếp nhận 2) Xử lý Bước nào đầu tiên?", ["Tiếp nhận", "Xử lý"], [0]),
        ("Câu 2", "Hỏi nữa?", ["x", "y"], [1]),
    ]


def test_unlabelled_bank_with_a_list_in_one_stem_is_not_read_as_labelled():
    text = BANK.replace("Cổng Dịch vụ", "Theo các mục:\n1) một\n2) hai\n3) ba\nCổng Dịch vụ")
    result = read(text)
    assert problems(result) == [] and len(result.questions) == 2


def test_stem_of_several_lines_right_under_the_previous_question_is_warned():
    result = read("Hỏi một?\nA. x\nB. y\nANSWER: A\nXem thêm Nghị quyết 76.\nHỏi hai?\nA. x\nB. y\nANSWER: B\n")
    assert problems(result) == []
    assert problems(result, "warnings") == [(
        "Câu 2", "Câu hỏi gồm 2 dòng (từ Dòng 5), ngay dưới câu trước, không có dòng trống xen giữa; hãy kiểm tra "
                 "dòng đầu “Xem thêm Nghị quyết 76.” không phải ghi chú của câu trước.")]


@pytest.mark.parametrize("line, label", [
    ("B/ Hà Nội", "B/"), ("B- Hà Nội", "B-"), ("*B. Hà Nội", "*B."), ("B: Hà Nội", "B:"),
])
def test_choice_with_an_unaccepted_label_is_an_error_not_glued(line, label):
    result = read(f"Thủ đô?\nA. Huế\n{line}\nC. Vinh\nANSWER: C\n\nNăm nào?\nA. 2018\nB. 2019\nANSWER: B\n")
    assert problems(result) == [("Dòng 3", f"Dòng “{line}” trông như phương án B nhưng nhãn “{label}” không "
                                            "được chấp nhận (chỉ “B.” hoặc “B)”); câu hỏi này chưa được nhập.")]
    assert [q.text for q in result.questions] == ["Năm nào?"]
