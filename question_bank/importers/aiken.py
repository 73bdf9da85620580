"""Aiken, as Moodle writes it: the stem, lettered choices (`A.` or `A)`), then `ANSWER: X`.

Blank lines separate questions. A stem may run over several lines and a choice may wrap onto the
next line; a blank line between two choices is tolerated. Text after a blank line that follows
the choices starts the next question, so a question that lacks its `ANSWER:` line is reported
instead of swallowing the one after it.
"""
import re

from flask_babel import gettext as _, lazy_gettext as _l

from core.text import clean_text, decode

from .result import ParsedQuestion, ParseResult
from .validate import LETTERS, letter_index

_CHOICE = re.compile(r"^\s*([A-Ha-h])\s*[.)]\s*(.*)$")
_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*(.*)$", re.IGNORECASE)
MISSING_ANSWER = _l("Thiếu dòng “ANSWER: …” sau các phương án.")


def parse(data: bytes) -> ParseResult:
    reader = _Reader()
    for number, raw in enumerate(decode(data).splitlines(), start=1):
        reader.line(number, clean_text(raw))
    if reader.stem or reader.choices:
        reader.result.error(reader.where, str(MISSING_ANSWER))
    return reader.result


class _Reader:
    def __init__(self):
        self.result = ParseResult()
        self.number = 0
        self.stem: list[str] = []
        self.choices: list[str] = []
        self.letters: list[str] = []
        self.gap = False  # a blank line since the last choice
        self.label = _("Câu %(number)s")  # translated once, filled in per question

    @property
    def where(self) -> str:
        return self.label % {"number": self.number}

    def line(self, number: int, line: str) -> None:
        if not line:
            self.gap = bool(self.choices)
            return
        answer = _ANSWER.match(line)
        choice = _CHOICE.match(line)
        if answer:
            self.answer(number, answer.group(1))
        elif choice and self.stem:
            self.choice(choice.group(1).upper(), choice.group(2))
        elif self.choices and not self.gap:
            self.choices[-1] = f"{self.choices[-1]} {line}"  # a choice that wraps onto the next line
        else:
            if self.choices:  # the choices ended without their ANSWER line: a new question starts
                self.result.error(self.where, str(MISSING_ANSWER))
                self.reset()
            if not self.stem:
                self.number += 1
            self.stem.append(line)

    def choice(self, letter: str, text: str) -> None:
        self.letters.append(letter)
        self.choices.append(text)
        self.gap = False

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

    def answer(self, line_number: int, text: str) -> None:
        if not self.stem and not self.choices:
            self.result.error(
                _("Dòng %(line)s", line=line_number),
                _("Dòng “ANSWER: %(answer)s” không đi sau câu hỏi nào (thiếu câu hỏi và các phương án).",
                  answer=clean_text(text)),
            )
            return
        self.check_letters()
        question = ParsedQuestion(where=self.where, text=" ".join(self.stem), choices=self.choices)
        index = letter_index(text)
        if index is None:
            question.answer_problem = _("Dòng ANSWER “%(answer)s” phải là một chữ cái A–H.", answer=clean_text(text))
        elif LETTERS[index] not in self.letters:
            question.answer_problem = _("Đáp án %(letter)s không có trong các phương án.", letter=LETTERS[index])
        elif self.letters.count(LETTERS[index]) > 1:
            question.answer_problem = _("Có hai phương án %(letter)s; không xác định được đáp án đúng.",
                                        letter=LETTERS[index])
        else:
            question.correct = [self.letters.index(LETTERS[index])]
        self.result.questions.append(question)
        self.reset()

    def reset(self) -> None:
        self.stem, self.choices, self.letters, self.gap = [], [], [], False
