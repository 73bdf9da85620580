"""The GIFT importer: Moodle's syntax for multiple-choice and true/false, and every refusal by place."""
import pytest
from sqlalchemy import select

from question_bank import services
from question_bank.importers import gift, parse_file
from question_bank.models import Question

from .sheets import cp1258

STRAY = "Dấu “}” ở dòng 3 không có dấu “{” mở tương ứng (viết \\} nếu đó là chữ)."
FEEDBACK_DROPPED = ("Phản hồi riêng của từng phương án (“#…”) không được lưu; "
                    "chỉ phản hồi chung (“####…”) được nhập làm giải thích.")
SUPPORTED = "chỉ nhận câu trắc nghiệm một đáp án đúng ({=đúng ~sai ~sai}) hoặc Đúng/Sai ({T}, {F})."

MOODLE_EXPORT = """\
// question: 0  name: Switch category to $course$/top/Thủ tục hành chính
$CATEGORY: $course$/top/Thủ tục hành chính


// question: 101  name: Câu 1
::Câu 1::[html]<p>Thủ tục hành chính được <b>công bố</b> ở đâu?</p>{
\t=<p>Cổng Dịch vụ công quốc gia</p>#<p>Chính xác</p>
\t~<p>Báo Nhân dân</p>#<p>Chưa đúng</p>
\t~%-50%<p>Đài phát thanh &amp; truyền hình</p>
\t####<p>Điều 15 Nghị định 63/2010/NĐ-CP quy định việc công bố.</p>
}

// question: 102  name: Câu 2
::Câu 2::[html]<p>Một cửa liên thông là cơ chế giải quyết thủ tục hành chính.</p>{TRUE######<p>Theo Nghị \
định 61/2018/NĐ-CP.</p>}

"""


def read(text: str, encoding: str = "utf-8"):
    return parse_file(text.encode(encoding), "bank.txt")


def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


def summary(result):
    return [(q.where, q.text, q.choices, q.correct) for q in result.questions]


def only(text: str):
    result = read(text)
    assert result.format == "gift"
    assert problems(result) == []
    [question] = result.questions
    return question


def test_moodle_export_with_category_titles_html_feedback_and_weights():
    result = read(MOODLE_EXPORT)
    assert result.format == "gift"
    assert problems(result) == []
    # Per-answer feedback is not stored: the organizer is told (issue 16, point 6).
    assert problems(result, "warnings") == [("Câu 1", FEEDBACK_DROPPED)]
    first, second = result.questions
    assert (first.where, first.text, first.choices, first.correct, first.topic, first.explanation) == (
        "Câu 1",
        "Thủ tục hành chính được công bố ở đâu?",
        ["Cổng Dịch vụ công quốc gia", "Báo Nhân dân", "Đài phát thanh & truyền hình"],
        [0],
        "Thủ tục hành chính",
        "Điều 15 Nghị định 63/2010/NĐ-CP quy định việc công bố.",
    )
    assert (second.where, second.text, second.choices, second.correct, second.topic, second.explanation) == (
        "Câu 2",
        "Một cửa liên thông là cơ chế giải quyết thủ tục hành chính.",
        ["Đúng", "Sai"],
        [0],
        "Thủ tục hành chính",
        "Theo Nghị định 61/2018/NĐ-CP.",
    )


def test_questions_without_titles_inline_blocks_and_crlf():
    text = "Thủ đô của Việt Nam? {=Hà Nội ~Huế ~Đà Nẵng}\r\n\r\nCơ quan nào? {~Bộ Tư pháp =Bộ Nội vụ}\r\n"
    result = read(text)
    assert problems(result) == []
    assert summary(result) == [
        ("Câu 1", "Thủ đô của Việt Nam?", ["Hà Nội", "Huế", "Đà Nẵng"], [0]),
        ("Câu 2", "Cơ quan nào?", ["Bộ Tư pháp", "Bộ Nội vụ"], [1]),
    ]
    assert [q.topic for q in result.questions] == [None, None]


def test_answer_block_on_its_own_lines_with_multi_line_stem():
    question = only("Câu hỏi dòng đầu\nvà dòng sau?\n{\n  ~Sai\n  =Đúng rồi\n  ~Cũng sai\n}\n")
    assert (question.text, question.choices, question.correct) == (
        "Câu hỏi dòng đầu và dòng sau?", ["Sai", "Đúng rồi", "Cũng sai"], [1],
    )


@pytest.mark.parametrize(
    "text, stem",
    [
        pytest.param("Thủ đô của Việt Nam là {=Hà Nội ~Huế}.", "Thủ đô của Việt Nam là _____.", id="punctuation-after"),
        pytest.param("{=Hà Nội ~Huế} là thủ đô.", "_____ là thủ đô.", id="block-first"),
        pytest.param("Thành phố {=Hà Nội ~Huế}\nlà thủ đô.", "Thành phố _____ là thủ đô.", id="next-line"),
        pytest.param("Thủ đô là? {=Hà Nội ~Huế}   \n// ghi chú", "Thủ đô là?", id="only-spaces-after"),
    ],
)
def test_missing_word_form_puts_a_blank_where_the_block_was(text, stem):
    question = only(text)
    assert (question.text, question.choices, question.correct) == (stem, ["Hà Nội", "Huế"], [0])


def test_escaped_characters_are_literal():
    question = only(
        "::Tên \\: có dấu::Biểu thức \\{a\\} \\= b\\~c \\#1 và C\\:\\\\Windows\\nhai dòng? "
        "{=x \\= 1 ~y \\~ 2#phản hồi ~z \\# 3 \\{4\\}}"
    )
    assert question.text == "Biểu thức {a} = b~c #1 và C:\\Windows hai dòng?"
    assert question.choices == ["x = 1", "y ~ 2", "z # 3 {4}"]
    assert question.correct == [0]


@pytest.mark.parametrize(
    "marker, stem, expected",
    [
        ("[moodle]", "Câu hỏi <thường>?", "Câu hỏi <thường>?"),
        ("[plain]", "Câu hỏi <b>thô</b>?", "Câu hỏi <b>thô</b>?"),
        ("[markdown]", "Câu hỏi **đậm**?", "Câu hỏi **đậm**?"),
        ("[html]", "<p>Câu&nbsp;hỏi<br>có&#160;thẻ &lt;b&gt;?</p><script>alert(1)</script><style>p{}</style>",
         "Câu hỏi có thẻ <b>?"),
        ("[HTML]", "<div><p>Hai</p><p>đoạn</p></div>", "Hai đoạn"),
    ],
)
def test_format_markers_are_stripped_and_html_reduced_to_text(marker, stem, expected):
    question = only(f"::T::{marker}{stem.replace('{', chr(92) + '{').replace('}', chr(92) + '}')}{{=Có ~Không}}")
    assert question.text == expected
    assert question.choices == ["Có", "Không"]


def test_html_answers_follow_the_question_format_and_may_name_their_own():
    question = only("[html]<p>Hỏi?</p>{=<b>Đúng</b> &amp; đủ ~[plain]<i>nguyên văn</i>}")
    assert question.choices == ["Đúng & đủ", "<i>nguyên văn</i>"]


def test_html_image_is_dropped_with_a_warning():
    result = read('[html]<p>Biển báo này là gì? <img src\\="@@PLUGINFILE@@/bien.png"></p>{=Cấm ~Nguy hiểm}')
    assert problems(result) == []
    assert result.questions[0].text == "Biển báo này là gì?"
    assert problems(result, "warnings") == [
        ("Câu 1", "Câu hỏi có hình ảnh; chỉ phần chữ được nhập, hình ảnh bị bỏ qua.")
    ]


@pytest.mark.parametrize(
    "block, correct",
    [
        pytest.param("{~%100%Một ~Hai ~Ba}", [0], id="weight-100-is-correct"),
        pytest.param("{~Một ~%-50%Hai =Ba}", [2], id="negative-weight-is-wrong"),
        pytest.param("{~%-33.33333%Một ~%0%Hai =Ba}", [2], id="decimal-and-zero-weights"),
        pytest.param("{=%100%Một ~Hai}", [0], id="weight-after-equals"),
    ],
)
def test_answer_weights(block, correct):
    question = only(f"Hỏi? {block}")
    assert question.choices == ["Một", "Hai", "Ba"][: len(question.choices)]
    assert question.correct == correct


def test_partial_credit_beside_a_right_answer_counts_as_wrong_with_a_warning():
    result = read("Hỏi? {=Một ~%50%Hai ~Ba}")
    assert problems(result) == []
    assert summary(result) == [("Câu 1", "Hỏi?", ["Một", "Hai", "Ba"], [0])]
    assert problems(result, "warnings") == [
        ("Câu 1", "Phương án B được 50% số điểm trong GIFT; "
                  "ở đây chỉ có một đáp án đúng nên phương án này tính là sai.")
    ]


@pytest.mark.parametrize(
    "block, correct",
    [("{T}", [0]), ("{TRUE}", [0]), ("{F}", [1]), ("{FALSE}", [1]), ("{ false }", [1]),
     ("{FALSE#Sai rồi#Chính xác}", [1]), ("{T#phản hồi sai}", [0])],
)
def test_true_false_becomes_dung_sai(block, correct):
    question = only(f"Trái Đất quay quanh Mặt Trời. {block}")
    assert (question.text, question.choices, question.correct) == (
        "Trái Đất quay quanh Mặt Trời.", ["Đúng", "Sai"], correct,
    )


def test_general_feedback_is_the_explanation_and_answer_feedback_is_ignored():
    question = only("Hỏi? {=Một#Đúng vì… ~Hai#Sai vì…\n####Giải thích chung.}")
    assert (question.choices, question.explanation) == (["Một", "Hai"], "Giải thích chung.")


def test_categories_set_the_topic_of_what_follows():
    text = (
        "Không chủ đề? {=a ~b}\n\n"
        "$CATEGORY: $course$/top/Cải cách hành chính/Chủ đề 1\n\n"
        "Câu một? {=a ~b}\n\n"
        "$CATEGORY: Chủ đề 2\n"
        "Câu hai, ngay dưới dòng chủ đề? {=a ~b}\n\n"
        "$CATEGORY: $course$/top/Dịch vụ công//Chính phủ số\n\n"
        "Câu ba? {=a ~b}\n\n"
        "$CATEGORY: $course$/top\n\n"
        "Câu bốn? {=a ~b}\n"
    )
    result = read(text)
    assert problems(result) == []
    assert [(q.where, q.text, q.topic) for q in result.questions] == [
        ("Câu 1", "Không chủ đề?", None),
        ("Câu 2", "Câu một?", "Chủ đề 1"),
        ("Câu 3", "Câu hai, ngay dưới dòng chủ đề?", "Chủ đề 2"),
        ("Câu 4", "Câu ba?", "Dịch vụ công/Chính phủ số"),
        ("Câu 5", "Câu bốn?", None),
    ]


def test_file_with_only_a_category_has_no_question():
    result = read("$CATEGORY: $course$/top/Chủ đề X\n")
    assert result.format == "gift"
    assert problems(result) == [("Tệp", "Tệp không có câu hỏi nào.")]


UNSUPPORTED = [
    pytest.param("{=Hà Nội =Thủ đô Hà Nội}", "Câu trả lời ngắn (chỉ có đáp án “=”, không có phương án sai “~”)",
                 id="short-answer"),
    pytest.param("{=%100%Hà Nội#Đúng}", "Câu trả lời ngắn (chỉ có đáp án “=”, không có phương án sai “~”)",
                 id="short-answer-single"),
    pytest.param("{#2018:0}", "Câu trả lời dạng số ({#…})", id="numeric"),
    pytest.param("{#\n=%100%2018\n~#Sai\n}", "Câu trả lời dạng số ({#…})", id="numeric-moodle-export"),
    pytest.param("{=Hà Nội -> Thủ đô =Huế -> Cố đô =Sài Gòn -> Hòn ngọc}", "Câu ghép đôi (=… -> …)",
                 id="matching"),
    pytest.param("{}", "Câu tự luận ({})", id="essay"),
    pytest.param("{####Gợi ý chấm}", "Câu tự luận ({})", id="essay-with-feedback"),
    pytest.param("{~%50%Hà Nội ~%50%Thủ đô ~%-100%Huế}", "Câu chọn nhiều đáp án tính điểm từng phần (~%50%…)",
                 id="partial-credit"),
]


@pytest.mark.parametrize("block, kind", UNSUPPORTED)
def test_unsupported_kinds_are_refused_by_name_at_their_question(block, kind):
    result = read(f"Câu đúng? {{=Có ~Không}}\n\n::Loại khác::Câu hỏi? {block}\n\nCâu sau? {{=Có ~Không}}\n")
    assert result.format == "gift"
    assert problems(result) == [("Câu 2", f"{kind} không được hỗ trợ; {SUPPORTED}")]
    assert [q.where for q in result.questions] == ["Câu 1", "Câu 3"]


def test_arrow_inside_a_multiple_choice_answer_is_text_not_matching():
    question = only("Quy trình đúng? {=Tiếp nhận -> Xử lý -> Trả kết quả ~Xử lý -> Tiếp nhận}")
    assert question.choices == ["Tiếp nhận -> Xử lý -> Trả kết quả", "Xử lý -> Tiếp nhận"]


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("Câu một? {=a ~b}\n\nCâu hai chưa đóng? {=a\n~b\n\nCâu ba? {=a ~b}",
                     "Khối đáp án mở bằng “{” ở dòng 3 không được đóng bằng “}”.", id="unclosed"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai? {=a ~b\nCâu ba? {=c ~d}",
                     "Khối đáp án mở bằng “{” ở dòng 3 không được đóng bằng “}”.", id="unclosed-before-next-block"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai? {=a ~b}\nCâu ba? {=c ~d}",
                     "Câu hỏi có thêm khối đáp án ở dòng 4; mỗi câu chỉ có một khối {…} "
                     "(có thể thiếu dòng trống giữa hai câu hỏi).", id="two-blocks"),
        pytest.param("Câu một? {=a ~b}\n\nCâu } hai? {=a ~b}", STRAY, id="stray-close-before"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai? {=a ~b} }", STRAY, id="stray-close-after"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai }", STRAY, id="stray-close-without-block"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai không có đáp án.",
                     "Không có khối đáp án {…}: câu mô tả không được hỗ trợ. Trong GIFT, dòng trống ngăn cách các "
                     "câu hỏi; nếu đây là phần đầu của câu hỏi, hãy bỏ dòng trống ở giữa.", id="description"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai? {Hà Nội}",
                     "Khối đáp án “{Hà Nội}” không đúng cú pháp GIFT: phương án đúng bắt đầu bằng “=”, "
                     "phương án sai bằng “~”.", id="no-markers"),
        pytest.param("Câu một? {=a ~b}\n\nCâu hai? {Chọn: ~a =b}",
                     "Khối đáp án có “Chọn:” trước phương án đầu tiên; mỗi phương án phải bắt đầu bằng “=” (đúng) "
                     "hoặc “~” (sai).", id="text-before-first-answer"),
    ],
)
def test_syntax_errors_name_the_question(text, message):
    result = read(text)
    assert result.format == "gift"
    assert problems(result) == [("Câu 2", message)]
    assert result.questions[0].where == "Câu 1"


def test_blank_line_inside_a_question_is_reported_on_both_halves():
    result = read("Câu hỏi bị ngắt\n\n{=a ~b}\n")
    assert [where for where, _ in problems(result)] == ["Câu 1", "Câu 2"]
    assert problems(result)[1] == ("Câu 2", "Câu hỏi không có nội dung.")


@pytest.mark.parametrize(
    "block, message",
    [
        pytest.param("{=Một =Hai ~Ba}", "Câu hỏi có nhiều hơn một đáp án đúng (A, B); chỉ được một.", id="two-right"),
        pytest.param("{~%100%Một =Hai ~Ba}", "Câu hỏi có nhiều hơn một đáp án đúng (A, B); chỉ được một.",
                     id="weight-and-equals"),
        pytest.param("{~Một ~Hai}", "Không có phương án đúng: đánh dấu phương án đúng bằng “=” (ví dụ {=đúng ~sai}).",
                     id="none-right"),
        pytest.param("{=Một ~}", "Phương án B để trống.", id="empty-choice"),
        pytest.param("{=Một}", f"Câu trả lời ngắn (chỉ có đáp án “=”, không có phương án sai “~”) không được hỗ trợ; "
                     f"{SUPPORTED}", id="one-choice"),
        pytest.param("{=1 ~2 ~3 ~4 ~5 ~6 ~7 ~8 ~9}", "Câu hỏi có 9 phương án, tối đa là 8.", id="nine-choices"),
    ],
)
def test_answer_problems_name_the_question(block, message):
    result = read(f"Câu đúng? {{=Có ~Không}}\n\nHỏi? {block}\n")
    assert problems(result) == [("Câu 2", message)]


def test_empty_stem_after_a_title():
    result = read("::Chỉ có tên::{=a ~b}")
    assert problems(result) == [("Câu 1", "Câu hỏi không có nội dung.")]


def test_unclosed_title_is_read_as_text_with_a_warning():
    result = read("::Câu hỏi không đóng tên? {=a ~b}")
    assert problems(result) == []
    assert result.questions[0].text == "Câu hỏi không đóng tên?"
    assert problems(result, "warnings") == [
        ("Câu 1", "Tên câu hỏi mở bằng “::” nhưng không có “::” đóng; đã đọc phần sau là nội dung câu hỏi.")
    ]


def test_comments_and_categories_are_not_numbered():
    text = (
        "// Ngân hàng câu hỏi\n// xuất từ Moodle\n\n$CATEGORY: A\n\n"
        "Một? {=a ~b}\n// chú thích giữa hai câu, không phải dòng trống\n\n"
        "// chỉ có chú thích\n\n"
        "Hai? {=a\n// chú thích trong khối đáp án\n~b}\n"
    )
    result = read(text)
    assert problems(result) == []
    assert summary(result) == [("Câu 1", "Một?", ["a", "b"], [0]), ("Câu 2", "Hai?", ["a", "b"], [0])]


def test_url_in_a_stem_is_not_a_comment():
    assert only("Xem https://dichvucong.gov.vn rồi chọn? {=Có ~Không}").text == (
        "Xem https://dichvucong.gov.vn rồi chọn?"
    )


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(cp1258, id="windows-1258"),
    ],
)
def test_encodings(encode):
    text = "$CATEGORY: $course$/top/Cải cách thủ tục\r\n\r\n::Câu 1::Cơ quan nào chủ trì? {=Bộ Nội vụ ~Bộ Tư pháp}\r\n"
    result = parse_file(encode(text), "bank.txt")
    assert result.format == "gift"
    assert problems(result) == []
    assert [(q.text, q.choices, q.topic) for q in result.questions] == [
        ("Cơ quan nào chủ trì?", ["Bộ Nội vụ", "Bộ Tư pháp"], "Cải cách thủ tục"),
    ]


def test_parser_alone_reports_nothing_it_cannot_see():
    # gift.parse leaves the shared checks (several right answers…) to parse_file.
    result = gift.parse("Hỏi? {=a =b ~c}".encode())
    assert result.errors == [] and result.questions[0].correct == [0, 1]


def test_a_large_file_is_read_in_one_pass():
    text = "".join(
        f"::Q{i}:: Câu hỏi số {i}? {{=Đúng {i} ~Sai một ~Sai hai ####Giải thích {i}}}\n\n" for i in range(3000)
    )
    result = read(text)
    assert problems(result) == []
    assert len(result.questions) == 3000
    assert result.questions[-1].where == "Câu 3000" and result.questions[-1].explanation == "Giải thích 2999"


def test_gift_file_is_stored_all_or_nothing(db):
    report = services.import_questions(db, parse_file(MOODLE_EXPORT.encode(), "moodle.txt"))
    db.commit()
    assert (report.imported, report.duplicates, report.errors) == (2, 0, [])
    stored = {
        q.text: (q.topic.name, q.explanation, [(c.text, c.is_correct) for c in q.choices])
        for q in db.scalars(select(Question))
    }
    assert stored == {
        "Thủ tục hành chính được công bố ở đâu?": (
            "Thủ tục hành chính",
            "Điều 15 Nghị định 63/2010/NĐ-CP quy định việc công bố.",
            [("Cổng Dịch vụ công quốc gia", True), ("Báo Nhân dân", False), ("Đài phát thanh & truyền hình", False)],
        ),
        "Một cửa liên thông là cơ chế giải quyết thủ tục hành chính.": (
            "Thủ tục hành chính",
            "Theo Nghị định 61/2018/NĐ-CP.",
            [("Đúng", True), ("Sai", False)],
        ),
    }
    # The same file again: both are duplicates; one bad question more: nothing is stored.
    again = services.import_questions(db, parse_file((MOODLE_EXPORT + "Mới? {=a =b ~c}\n").encode(), "moodle.txt"))
    assert again.imported == 0 and again.duplicates == 2
    assert [(p.where, p.message) for p in again.errors] == [
        ("Câu 3", "Câu hỏi có nhiều hơn một đáp án đúng (A, B); chỉ được một.")
    ]
    db.rollback()
    assert len(db.scalars(select(Question)).all()) == 2


@pytest.mark.parametrize(
    "block, correct",
    [
        pytest.param("{~Một ~Hai ~=Ba ~Bốn}", [2], id="tilde-equals-last-but-one"),
        pytest.param("{~=Một ~Hai}", [0], id="tilde-equals-first"),
        pytest.param("{\n~Một\n~ =Hai\n}", [1], id="tilde-space-equals"),
    ],
)
def test_tilde_equals_marks_the_right_answer_as_moodle_reads_it(block, correct):
    result = read(f"Hỏi? {block}")
    assert problems(result) == []
    [question] = result.questions
    assert question.correct == correct and "" not in question.choices


def test_multiple_answer_question_with_one_full_choice_is_single_answer_with_a_warning():
    result = read("Hỏi? {~%100%Một ~%-100%Hai ~%-100%Ba}")
    assert problems(result) == []
    assert summary(result) == [("Câu 1", "Hỏi?", ["Một", "Hai", "Ba"], [0])]
    assert problems(result, "warnings") == [
        ("Câu 1", "Trong GIFT đây là câu chọn nhiều đáp án (không có “=”, chỉ có “~%100%”); đã nhập thành câu "
                  "một đáp án đúng với phương án được 100% số điểm.")
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Hỏi? {=Một#Đúng vì… ~Hai}", id="choice-feedback"),
        pytest.param("Đúng không? {T#Sai rồi#Chính xác}", id="true-false-feedback"),
    ],
)
def test_per_answer_feedback_dropped_is_a_warning_naming_the_question(text):
    result = read("Câu đầu? {=a ~b}\n\n" + text)
    assert problems(result) == []
    assert problems(result, "warnings") == [("Câu 2", FEEDBACK_DROPPED)]


def test_links_and_audio_dropped_are_a_warning_naming_the_question():
    result = read('[html]<p>Nghe <audio src\\="a.mp3"></audio> và xem <a href\\="http://x.vn">đây</a></p>'
                  "{=Một ~Hai}")
    assert problems(result) == []
    assert result.questions[0].text == "Nghe và xem đây"
    assert problems(result, "warnings") == [
        ("Câu 1", "Câu hỏi có liên kết, âm thanh hoặc video; chỉ phần chữ được nhập, liên kết và tệp âm thanh/video "
                  "bị bỏ qua.")
    ]


@pytest.mark.parametrize("label", ["Câu 3:", "Câu 3.", "câu hỏi 3:", "[3]"])
def test_question_label_is_not_part_of_the_stem(label):
    # SPEC §4: labels are not stored; a kept one would hide the duplicate numbered differently.
    result = read(f"::Q3:: {label} Cơ quan nào chủ trì? {{=Bộ Nội vụ ~Bộ Tư pháp}}\n\n{label} Năm nào? {{=2019 ~2018}}\n")
    assert problems(result) == []
    assert [q.text for q in result.questions] == ["Cơ quan nào chủ trì?", "Năm nào?"]
