"""Aiken, as Moodle writes it: the stem, lettered choices (`A.` or `A)`), then `ANSWER: X`.

Blank lines separate questions. A stem may run over several lines and a choice may wrap onto the
next line; a blank line between two choices is tolerated. Text after a blank line that follows
the choices starts the next question, so a question that lacks its `ANSWER:` line is reported
instead of swallowing the one after it. As organizers type it into Word, a stem may carry a
`Câu 12.`, `[12]` or `12.` label (stripped, SPEC §4), `Giải thích:` / `Nguồn:` / `Mức độ:` lines may
follow the `ANSWER:` line, and `Phần I. X` headings set the topic. Any other line the layout has
no place for is an error naming its line, never glued to the next question's text.
"""
import re
from collections.abc import Callable

from flask_babel import gettext as _, lazy_gettext as _l

from core.files import file_where
from core.text import clean_text, decode, fold

from .docx_key import named_letter
from .docx_lines import meta_line, topic_heading
from .labels import split_label
from .result import ParsedQuestion, ParseResult
from .validate import LETTERS, letter_index, parse_difficulty

_CHOICE = re.compile(r"^\s*([A-Ha-h])\s*[.)]\s*(.*)$")
# `B/ …`, `B- …`, `B: …`, `*B. …`: a choice whose label Aiken does not accept (only `B.` / `B)`)
_BAD_LABEL = re.compile(r"^\s*(?P<label>\*\s*(?P<starred>[A-H])\s*[.)/:\-–]|(?P<letter>[A-H])\s*[/:\-–])\s*\S")
_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*(.*)$", re.IGNORECASE)
AnswerOf = Callable[[str], tuple[str, str] | None]
MISSING_ANSWER = _l("Thiếu dòng “ANSWER: …” sau các phương án.")
LINE = _l("Dòng %(line)s")
_EXCERPT = 60
_DECORATION = re.compile(r"^[\W_]*(?:hết)?[\W_]*$", re.IGNORECASE)  # `-----`, `*****`, `--- HẾT ---`


def parse(data: bytes) -> ParseResult:
    lines = [(number, clean_text(raw)) for number, raw in enumerate(decode(data).splitlines(), start=1)]
    return read_lines(lines, str(LINE))


def moodle_answer(line: str) -> tuple[str, str] | None:
    """(what follows `ANSWER:`, '') for Moodle's answer line."""
    match = _ANSWER.match(line)
    return (match.group(1), "") if match else None


def read_lines(lines: list[tuple[int, str]], place: str, result: ParseResult | None = None,
               answer_of: AnswerOf = moodle_answer) -> ParseResult:
    """Aiken questions from (number, cleaned text) lines; `place` names a line (`Dòng %(line)s`);
    `answer_of` reads an answer line as (letter, text written after it)."""
    reader = _Reader(result or ParseResult(), place, _labelled(lines, answer_of), answer_of)
    for number, text in lines:
        reader.line(number, text)
    reader.end()
    if not any(question.choices for question in reader.result.questions):
        _why_nothing(reader.result, lines, place, answer_of)
    return reader.result


def answer_lines(lines, answer_of: AnswerOf = moodle_answer) -> int:
    """How many `ANSWER:` lines there are, after choices or not."""
    return sum(1 for line in lines if answer_of(line))


def _why_nothing(result: ParseResult, lines: list[tuple[int, str]], place: str, answer_of: AnswerOf) -> None:
    """Lines with `ANSWER:` but no question: say what came before the first one and what was expected."""
    count = answer_lines((text for _number, text in lines), answer_of)
    if not count:
        return
    before = None
    for number, text in lines:
        if answer_of(text):
            break
        if text:
            before = (number, text)
    seen = (_("trước dòng “ANSWER:” đầu tiên là %(where)s: “%(text)s”",
              where=_at(place, before[0]), text=_excerpt(before[1])) if before
            else _("không có dòng nào trước dòng “ANSWER:” đầu tiên"))
    result.error(file_where(), _(
        "%(count)s dòng “ANSWER:” nhưng không dòng nào đứng sau các phương án A. B. … — tệp có vẻ là Aiken; "
        "%(seen)s. Mỗi câu cần: dòng câu hỏi, mỗi phương án một dòng bắt đầu bằng chữ cái và dấu chấm hoặc "
        "ngoặc (“A. …” hoặc “A) …”), rồi dòng “ANSWER: X”.", count=count, seen=seen))


def closed_questions(lines, answer_of: AnswerOf = moodle_answer) -> int:
    """How many `ANSWER:` lines come right after a choice line (blank lines aside): the Aiken signal."""
    score, after_choice = 0, False
    for line in lines:
        if not line.strip():
            continue
        if answer_of(line):
            score += after_choice
            after_choice = False
        else:
            after_choice = bool(_CHOICE.match(line))
    return score


def _labelled(lines: list[tuple[int, str]], answer_of: AnswerOf) -> bool:
    """Every question after an answer line starts at a `Câu N.`/`[N]`/`N.` label: then a
    question starts only at a label, and any other line between two questions is reported."""
    starts, after_answer = [], False
    for _number, text in lines:
        if answer_of(text):
            after_answer = True
        elif after_answer and not (_DECORATION.match(text) or meta_line(text) or topic_heading(text, strict=True)):
            starts.append(split_label(text)[0] is not None)
            after_answer = False
    return bool(starts) and all(starts)


def _at(place: str, number: int) -> str:
    """`Dòng 14` in a text file, `Đoạn 14` in Word (whose label names its number `number`)."""
    return place % {"line": number, "number": number}


def _excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


class _Reader:
    def __init__(self, result: ParseResult, place: str, labelled: bool, answer_of: AnswerOf):
        self.result, self.place, self.labelled, self.answer_of = result, place, labelled, answer_of
        self.count = 0
        self.where = ""
        self.reset()
        self.last: ParsedQuestion | None = None  # closed by ANSWER; its `Giải thích:` may follow
        self.just_closed = False  # the line before was that question's answer or `Giải thích:` line
        self.topic: str | None = None
        self.label = _("Câu %(number)s")  # translated once, filled in per question

    def line(self, number: int, line: str) -> None:
        if not self.stem and not self.choices and _DECORATION.match(line):
            self.just_closed = False
            return  # a blank line or a separator between questions
        if not line:
            if self.choices:
                self.gap = True
            elif self.stem:
                self.stem_gap = True
            return
        answer = self.answer_of(line)
        if answer:
            self.answer(number, *answer)
            return
        label, rest = split_label(line)
        choice = _CHOICE.match(line)
        if label is not None and line[0].isdigit() and self.stem and not self.choices:
            label = None  # `1) …` listed inside a question's text, not a new question
        if label is not None:
            self.close_pending()
            self.start(label)
            self.has_label = True
            self.stem.append((number, rest))
        elif choice and self.stem:
            if choice.group(1).upper() == "A" and self.wrapped:
                self.restart()
            self.choice(choice.group(1).upper(), choice.group(2))
        elif self.choices and (meta := meta_line(line)):
            self.meta.append(meta)  # `Giải thích:` between the choices and the answer line
        elif self.choices and not self.gap and self.bad_label(number, line):
            return
        elif self.choices and not self.gap:
            self.choices[-1] = f"{self.choices[-1]} {line}"  # a choice that wraps onto the next line
            self.wrapped.append((number, line))
        elif self.last and not self.stem and (meta := meta_line(line)):
            self.apply(self.last, meta)
            self.just_closed = True
        else:
            self.text(number, line)

    def text(self, number: int, line: str) -> None:
        if self.choices:  # the choices ended without their ANSWER line: a new question starts
            self.result.error(self.where, str(MISSING_ANSWER))
            self.reset()
        if self.stem_gap and not self.has_label:
            self.unknown(self.stem)  # text cut off from the choices by a blank line belongs to none
            self.reset()
        self.last = None
        if self.labelled and not self.stem:
            self.unknown([(number, line)])  # every question here starts at its label
            return
        if not self.stem:
            self.start(None)
        self.stem.append((number, line))

    def start(self, label: int | None) -> None:
        self.tight = label is None and self.just_closed
        self.just_closed = False
        self.count += 1
        self.where = self.label % {"number": self.count if label is None else label}
        self.last = None

    def apply(self, question: ParsedQuestion, meta: tuple[str, str]) -> None:
        kind, value = meta
        if kind == "explanation":
            question.explanation = value
        elif kind == "source":
            question.source = value
        else:
            try:
                question.difficulty = parse_difficulty(value)
            except ValueError as exc:
                self.result.error(question.where, str(exc))

    def unknown(self, lines: list[tuple[int, str]]) -> None:
        """Lines the layout has no place for: a heading sets the topic, a title is skipped, else an error."""
        for number, line in lines:
            where = _at(self.place, number)
            heading = topic_heading(line, strict=True)
            if _DECORATION.match(line):
                continue  # a separator or the closing `HẾT` holds nothing to lose
            if heading:
                self.topic = heading
            elif not self.result.questions and not self.result.errors and self.count <= 1 and not self.has_label:
                self.result.warn(where, _("Đã bỏ qua dòng “%(text)s” trước câu hỏi đầu tiên (coi là tiêu đề).",
                                          text=_excerpt(line)))
            else:
                self.result.error(where, _("Không hiểu dòng “%(text)s”; mỗi câu Aiken gồm câu hỏi, các dòng "
                                           "A. B. …, rồi ANSWER: X.", text=_excerpt(line)))
        if lines and not self.result.questions and self.count <= 1:
            self.count = 0  # the title was no question: the first one is still Câu 1

    def close_pending(self) -> None:
        if self.choices:
            self.result.error(self.where, str(MISSING_ANSWER))
        elif self.stem and self.has_label:
            self.result.error(self.where, _("Câu hỏi không có phương án nào và thiếu dòng “ANSWER: …”."))
        elif self.stem:
            self.unknown(self.stem)
        self.reset()

    def end(self) -> None:
        if self.choices:
            self.result.error(self.where, str(MISSING_ANSWER))
        elif self.stem:
            self.close_pending()

    def restart(self) -> None:
        """`A.` again after text under the last choice: that text was the next question's stem,
        and this question lacks its ANSWER line (a Word file has no blank line to tell us)."""
        stem = self.wrapped
        self.choices[-1] = self.choices[-1][: self.unwrapped]
        self.result.error(self.where, str(MISSING_ANSWER))
        self.reset()
        self.start(None)
        self.stem = stem

    def choice(self, letter: str, text: str) -> None:
        if not self.choices and len(self.stem) > 1 and topic_heading(self.stem[0][1], strict=True):
            self.topic = topic_heading(self.stem.pop(0)[1], strict=True)  # `Phần II. X` above the stem
        if not self.choices and self.tight and len(self.stem) > 1:
            # Nothing tells a note left under the previous question from a stem's first line.
            self.result.warn(self.where, _(
                "Câu hỏi gồm %(count)s dòng (từ %(first)s), ngay dưới câu trước, không có dòng trống xen giữa; "
                "hãy kiểm tra dòng đầu “%(text)s” không phải ghi chú của câu trước.",
                count=len(self.stem), first=_at(self.place, self.stem[0][0]), text=_excerpt(self.stem[0][1])))
        self.letters.append(letter)
        self.choices.append(text)
        self.unwrapped, self.wrapped = len(text), []
        self.gap = False

    def bad_label(self, number: int, line: str) -> bool:
        """A line under the choices that is the next choice with a label Aiken does not accept:
        an error naming it (gluing it onto the choice before would shift every letter after it)."""
        match = _BAD_LABEL.match(line)
        if not match:
            return False
        letter = match.group("starred") or match.group("letter")
        if letter != LETTERS[min(len(self.letters), len(LETTERS) - 1)]:
            return False  # not the letter that comes next: text of the choice that wraps
        label = re.sub(r"\s+", "", match.group("label"))
        self.result.error(_at(self.place, number), _(
            "Dòng “%(text)s” trông như phương án %(letter)s nhưng nhãn “%(label)s” không được chấp nhận "
            "(chỉ “%(letter)s.” hoặc “%(letter)s)”); câu hỏi này chưa được nhập.",
            text=_excerpt(line), letter=letter, label=label))
        self.broken = True
        self.choice(letter, line[match.end("label"):].strip())
        return True

    def check_letters(self) -> None:
        repeated = sorted({letter for letter in self.letters if self.letters.count(letter) > 1})
        if repeated:
            self.result.warn(self.where, _("Phương án %(letters)s xuất hiện hơn một lần.", letters=", ".join(repeated)))
        elif self.letters != list(LETTERS[: len(self.letters)]):
            self.result.warn(
                self.where,
                _("Các phương án không theo thứ tự chữ cái (%(letters)s); đã đọc theo thứ tự xuất hiện.",
                  letters=", ".join(self.letters)),
            )

    def answer(self, line_number: int, text: str, rest: str = "", full: str = "") -> None:
        if not self.stem and not self.choices:
            self.result.error(
                _at(self.place, line_number),
                _("Dòng “ANSWER: %(answer)s” không đi sau câu hỏi nào (thiếu câu hỏi và các phương án).",
                  answer=clean_text(text)),
            )
            return
        if self.broken:  # already reported: a question whose choices are unsure is not imported
            self.reset()
            self.last = None
            self.just_closed = True
            return
        self.check_letters()
        question = ParsedQuestion(where=self.where, text=clean_text(" ".join(line for _n, line in self.stem)),
                                  choices=self.choices, topic=self.topic)
        index, question.answer_problem = self.stated(text, rest, full)
        if index is not None:
            question.correct = [index]
        for meta in self.meta:
            self.apply(question, meta)
        self.result.questions.append(question)
        self.reset()
        self.last = question
        self.just_closed = True

    def stated(self, letter: str, rest: str, full: str = "") -> tuple[int | None, str | None]:
        """(index of the choice the answer line names, or the problem with what it writes)."""
        if letter and full:  # Word's `Đáp án: B …`: the whole may be a choice's text, the rest must fit
            named, problem = named_letter(letter, rest, full, list(zip(self.letters, self.choices)))
            if problem:
                return None, problem
            letter, rest = named, ""
        if not letter:  # `Đáp án: <text of the choice>` in Word
            found = [i for i, choice in enumerate(self.choices) if fold(choice) == fold(rest)]
            if not found:
                return None, _("Đáp án “%(answer)s” không khớp với phương án nào.", answer=rest)
            return found[0], None
        index = letter_index(letter)
        if index is None:
            return None, _("Dòng ANSWER “%(answer)s” phải là một chữ cái A–H.", answer=clean_text(letter))
        if LETTERS[index] not in self.letters:
            return None, _("Đáp án %(letter)s không có trong các phương án.", letter=LETTERS[index])
        if self.letters.count(LETTERS[index]) > 1:
            return None, _("Có hai phương án %(letter)s; không xác định được đáp án đúng.", letter=LETTERS[index])
        repeated = sorted({lt for lt in self.letters if self.letters.count(lt) > 1})
        if repeated:  # `A. Xem mục B. và mục C. …` split in three, then B and C again: the choices are unsure
            return None, _("Phương án %(letters)s xuất hiện hơn một lần (có thể một phương án bị tách ở %(labels)s "
                           "trong nội dung); không xác định được đáp án đúng.",
                           letters=", ".join(repeated), labels=", ".join(f"“{lt}.”" for lt in repeated))
        position = self.letters.index(LETTERS[index])
        folded = fold(rest)
        if rest and folded != fold(self.choices[position]) and any(fold(c) == folded for c in self.choices):
            # `Đáp án: B. <text of choice C>`: which one was meant is unknown.
            return None, _("Dòng đáp án ghi %(letter)s nhưng chữ theo sau (“%(text)s”) là một phương án khác.",
                           letter=LETTERS[index], text=_excerpt(rest))
        return position, None

    def reset(self) -> None:
        # gap: a blank line since the last choice; stem_gap: one after stem lines, before any
        # choice; has_label: the current stem started at a `Câu N.`/`[N]` label.
        self.stem, self.choices, self.letters = [], [], []
        self.meta: list[tuple[str, str]] = []  # `Giải thích:` … read before the answer line
        self.wrapped: list[tuple[int, str]] = []  # lines joined to the last choice since its label
        self.unwrapped = 0  # the last choice's length before them
        self.gap = self.stem_gap = self.has_label = False
        self.broken = False  # a choice with an unaccepted label was reported: the question is refused
        self.tight = False  # an unlabelled stem right under the previous question, no blank line between
