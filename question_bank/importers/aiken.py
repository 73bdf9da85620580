"""Aiken, as Moodle writes it: the stem, lettered choices, then `ANSWER: X`; blank lines between."""
import re

from question_bank.normalize import clean_text

from .result import ParsedQuestion, ParseResult
from .text import decode
from .validate import LETTERS, letter_index

_CHOICE = re.compile(r"^\s*([A-Ha-h])\s*[.)]\s*(.*)$")
_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*(.*)$", re.IGNORECASE)


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    stem: list[str] = []
    choices: list[str] = []
    letters: list[str] = []
    number = 0

    def where() -> str:
        return f"Câu {number}"

    for raw in decode(data).splitlines():
        line = clean_text(raw)
        if not line:
            continue
        if not stem and not choices:
            number += 1
        answer = _ANSWER.match(line)
        choice = _CHOICE.match(line)
        if answer:
            _finish(result, where(), stem, choices, letters, answer.group(1))
            stem, choices, letters = [], [], []
        elif choice and stem:
            letter = choice.group(1).upper()
            if letters and LETTERS.index(letter) != len(letters):
                result.warn(where(), f"Phương án {letter} không theo thứ tự chữ cái; đã đọc theo thứ tự xuất hiện.")
            letters.append(letter)
            choices.append(choice.group(2))
        elif choices:
            choices[-1] = f"{choices[-1]} {line}"  # a choice that wraps onto the next line
        else:
            stem.append(line)
    if stem or choices:
        result.error(where(), "Thiếu dòng “ANSWER: …” sau các phương án.")
    return result


def _finish(result: ParseResult, where: str, stem, choices, letters, answer_text: str) -> None:
    question = ParsedQuestion(where=where, text=" ".join(stem), choices=choices)
    index = letter_index(answer_text)
    if index is None:
        question.answer_problem = f"Dòng ANSWER “{clean_text(answer_text)}” phải là một chữ cái A–H."
    elif LETTERS[index] not in letters:
        question.answer_problem = f"Đáp án {LETTERS[index]} không có trong các phương án."
    else:
        question.correct = [letters.index(LETTERS[index])]
    result.questions.append(question)
