"""Aiken typed into Word: the document's paragraphs are read as Aiken lines by aiken.py.

The Word layout starts each question at a `Câu N` label; Aiken ends each one with an `ANSWER:`
line (here also the Word layout's `Đáp án: B`, which Vietnamese authors type as often). A document whose `ANSWER:` lines close more questions than the Word reader found labels
for (`[1] …` labels, plain stems) is Aiken, and aiken.py, the one parser of that layout, reads
it: stems, choices, `Giải thích:` lines and every error by paragraph (`Đoạn 14`). Choices run
together on one line (`A. x<TAB>B. y`) are split first, as the Word reader splits them.
"""
from flask_babel import lazy_gettext as _l

from core.text import clean_text

from . import aiken, docx_key as key
from .docx_lines import split_choices
from .docx_reader import Paragraph
from .result import ParseResult

PARAGRAPH = _l("Đoạn %(number)s")  # the Word reader's own place for a paragraph


def answer_of(line: str) -> tuple[str, str] | None:
    """Moodle's `ANSWER: B`, or the Word layout's `Đáp án: B` / `Đáp án: <text of the choice>`."""
    answer = aiken.moodle_answer(line) or key.answer_parts(line)
    if answer is None and key.key_heading(line) is None and (text := key.answer_text_line(line)):
        return "", text
    return answer


def is_aiken(blocks, word_questions: int) -> bool:
    """The answer lines close more questions than the Word reader found `Câu N` labels for."""
    texts = [clean_text(line.text) for block in blocks if isinstance(block, Paragraph) for line in block.lines]
    closed = aiken.closed_questions(texts, answer_of)
    return closed > word_questions or (not word_questions and aiken.answer_lines(texts, answer_of) > 0)


def parse(blocks) -> ParseResult:
    return aiken.read_lines(_paragraph_lines(blocks), str(PARAGRAPH), ParseResult(format="docx"), answer_of)


def _paragraph_lines(blocks) -> list[tuple[int, str]]:
    """(paragraph number, cleaned text) per line of the body's paragraphs; '' for an empty one."""
    lines: list[tuple[int, str]] = []
    for block in blocks:
        if not isinstance(block, Paragraph):
            continue  # the national motto's header table, a logo
        texts = [clean_text(line.text) for line in block.lines] or [""]
        for line, text in zip(block.lines or [None], texts):
            lines.extend((block.number, piece) for piece in _choices_apart(line, text))
    return lines


def _choices_apart(line, text: str) -> list[str]:
    if line is None or not text:
        return [text]
    prefix_end, labels = split_choices(line.text, at_start=True)
    if prefix_end or len(labels) < 2:
        return [text]
    return [clean_text(f"{label.letter}. {line.text[label.start:label.end]}") for label in labels]

