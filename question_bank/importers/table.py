"""One row per question, shared by the .xlsx and .csv importers: header detection and mapping.

A sheet's header row is the first row (within HEADER_SCAN_ROWS) that names a question column and
at least two choice columns; title rows above it are skipped. Headers are matched without case,
diacritics, punctuation or a parenthesised hint, so "ĐÁP ÁN ĐÚNG (A/B/C/D)" is the answer column.
"""
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.cells import cell_text, texts_of
from core.sheets import HEADER_SCAN_ROWS
from core.text import clean_text, fold, strip_accents

from .labels import strip_label
from .result import ParsedQuestion, ParseResult
from .validate import LETTERS, letter_index, parse_difficulty

_FIELD_NAMES = {
    "text": ("cau hoi", "noi dung", "noi dung cau hoi", "cau hoi noi dung", "question", "question text"),
    "answer": ("dap an", "dap an dung", "dap an chinh xac", "phuong an dung", "da", "answer", "correct answer",
               "correct"),
    "topic": ("chu de", "topic", "category", "linh vuc"),
    "difficulty": ("muc do", "difficulty", "do kho", "level"),
    "source": ("nguon", "van ban", "source", "nguon van ban", "van ban nguon", "can cu"),
    "explanation": ("giai thich", "explanation", "huong dan"),
    "status": ("trang thai", "status"),
    "ignore": ("stt", "no", "so tt", "tt", "so thu tu", "number", "cau", "cau so", "ma cau hoi", "id"),
}
_FIELDS = {name: field_ for field_, names in _FIELD_NAMES.items() for name in names}
_CHOICE = re.compile(r"^(?:(?:phuong an|dap an|pa|option|choice|lua chon)\s*)?([a-h])$")
_HINT = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LETTER_PREFIX = re.compile(r"^\s*([A-Ha-h])\s*[.):]\s*(.+)$", re.DOTALL)
# "B." before the text in column B is a label, not text (SPEC §4); so is "Câu 12:" (labels.py).

_STATUS_WORDS = {
    "": "active", "active": "active", "dang dung": "active", "su dung": "active", "hoat dong": "active",
    "retired": "retired", "ngung dung": "retired", "ngung su dung": "retired", "da ngung": "retired",
    "luu tru": "retired",
}


def header_key(value) -> str:
    text = _HINT.sub(" ", strip_accents(cell_text(value)))
    return _NOT_WORD.sub(" ", text).strip()


def header_field(value) -> tuple[str, int] | None:
    """("text", 0), ("choice", 2), ("answer", 0)… for a header cell; None when unknown."""
    key = header_key(value)
    if key in _FIELDS:
        return _FIELDS[key], 0
    match = _CHOICE.match(key)
    if match:
        return "choice", LETTERS.lower().index(match.group(1))
    return None


@dataclass
class Layout:
    """Which column holds what, as read from one header row."""

    row: int
    columns: dict[str, int] = field(default_factory=dict)  # field → column index
    choices: dict[int, int] = field(default_factory=dict)  # choice position → column index
    unknown: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return "text" in self.columns and len(self.choices) >= 2


def read_layout(row_number: int, cells) -> Layout:
    layout = Layout(row_number)
    for column, value in enumerate(cells):
        if not cell_text(value):
            continue
        found = header_field(value)
        if found is None:
            layout.unknown.append(cell_text(value))
            continue
        name, index = found
        if name == "ignore":
            continue
        target = layout.choices if name == "choice" else layout.columns
        key = index if name == "choice" else name
        if key in target:
            layout.repeated.append(cell_text(value))
        else:
            target[key] = column
    return layout


def _numbered(rows: Iterable[tuple[int, list]]) -> Iterator[tuple[int, list[str]]]:
    """Rows as displayed texts, each cell converted once; blank rows dropped."""
    for row_number, cells in rows:
        texts = texts_of(cells)
        if any(texts):
            yield row_number, texts


def read_table(result: ParseResult, label: str, rows: Iterable[tuple[int, list]]) -> int | None:
    """Parses one sheet's rows ((row number, cell values) pairs) into result.

    Returns the number of question rows read, or None when no header row was found within the
    first HEADER_SCAN_ROWS rows (nothing is added to result then).
    """
    iterator = _numbered(rows)
    layout = _find_header(iterator)
    if layout is None:
        return None
    _report_layout(result, label, layout)
    count = 0
    place = _("%(sheet)s, dòng %(row)s")  # translated once, filled in per row
    for row_number, cells in iterator:
        if _repeats_header(layout, cells):  # a second table with its own header further down
            layout = read_layout(row_number, cells)
            _report_layout(result, label, layout)
            continue
        where = place % {"sheet": label, "row": row_number}
        if not _has_content(layout, cells):
            continue  # a pre-numbered template row: only STT or unknown columns filled in
        result.questions.append(row_question(result, layout, cells, where))
        count += 1
    return count


def _find_header(iterator: Iterator[tuple[int, list[str]]]) -> Layout | None:
    for row_number, cells in iterator:
        if row_number > HEADER_SCAN_ROWS:
            return None
        layout = read_layout(row_number, cells)
        if layout.is_header:
            return layout
    return None


def _repeats_header(layout: Layout, cells) -> bool:
    """Cheap test first: a header row's question cell is a short header name."""
    text = _get(cells, layout.columns["text"])
    if len(text) > 40 or header_field(text) != ("text", 0):
        return False
    return read_layout(0, cells).is_header


def _report_layout(result: ParseResult, label: str, layout: Layout) -> None:
    where = _("%(sheet)s, dòng %(row)s", sheet=label, row=layout.row)
    if "answer" not in layout.columns:
        result.error(where, _("Thiếu cột “Đáp án” (hoặc “Answer”) ở dòng tiêu đề."))
    for name in layout.repeated:
        result.warn(where, _("Cột “%(column)s” xuất hiện nhiều lần; chỉ đọc cột đầu tiên.", column=name))
    if layout.unknown:
        names = ", ".join(f"“{name}”" for name in layout.unknown)
        result.warn(where, _("Không nhận ra cột %(columns)s; đã bỏ qua.", columns=names))


def _has_content(layout: Layout, cells: list[str]) -> bool:
    columns = [*layout.columns.values(), *layout.choices.values()]
    return any(column < len(cells) and cells[column] for column in columns)


def _get(cells: list[str], column: int | None) -> str:
    if column is None or column >= len(cells):
        return ""
    return cells[column]


def row_question(result: ParseResult, layout: Layout, cells: list[str], where: str) -> ParsedQuestion:
    """One data row → ParsedQuestion; problems check_question cannot see are added to result."""
    columns = layout.columns
    choices = [""] * (max(layout.choices) + 1)
    for position, column in layout.choices.items():
        choices[position] = _strip_letter(_get(cells, column), position)
    while choices and not choices[-1]:
        choices.pop()
    question = ParsedQuestion(
        where=where,
        text=strip_label(_get(cells, columns.get("text"))),
        choices=choices,
        topic=_get(cells, columns.get("topic")) or None,
        source=_get(cells, columns.get("source")) or None,
        explanation=_get(cells, columns.get("explanation")) or None,
    )
    if "answer" in columns:
        _read_answer(question, _get(cells, columns["answer"]))
    try:
        question.difficulty = parse_difficulty(_get(cells, columns.get("difficulty")))
    except ValueError as exc:
        result.error(where, str(exc))
    if "status" in columns:
        status = _STATUS_WORDS.get(header_key(_get(cells, columns["status"])))
        if status is None:
            result.error(where, _("Trạng thái “%(value)s” không hợp lệ (dùng “Đang dùng” hoặc “Ngừng dùng”).",
                                  value=_get(cells, columns["status"])))
        else:
            question.status = status
    return question


def _strip_letter(choice: str, position: int) -> str:
    labelled = _LETTER_PREFIX.match(choice)
    if labelled and labelled.group(1).upper() == LETTERS[position]:
        return labelled.group(2).strip()
    return choice


def _read_answer(question: ParsedQuestion, answer: str) -> None:
    """A letter (any case), the full text of a choice, or "B. full text"."""
    choices = question.choices
    if not answer:
        question.answer_problem = _("Thiếu đáp án (ô “Đáp án” để trống).")
        return
    index = letter_index(answer)
    if index is not None:
        if index < len(choices) and choices[index]:
            question.correct = [index]
        else:
            question.answer_problem = _("Đáp án %(letter)s không có trong các phương án.", letter=LETTERS[index])
        return
    found = _match_text(choices, answer)
    prefixed = _LETTER_PREFIX.match(answer)
    if found is None and prefixed:
        index = LETTERS.index(prefixed.group(1).upper())
        if index < len(choices) and _match_text([choices[index]], prefixed.group(2)) == 0:
            found = index
    if found is None:
        question.answer_problem = _("Đáp án “%(answer)s” không khớp với phương án nào.", answer=answer)
    else:
        question.correct = [found]


def _match_text(choices: list[str], answer: str) -> int | None:
    """Exact match after cleaning; else a unique match ignoring case and punctuation."""
    answer = clean_text(answer)
    exact = [i for i, choice in enumerate(choices) if choice and choice == answer]
    if len(exact) == 1:
        return exact[0]
    loose = [i for i, choice in enumerate(choices) if choice and fold(choice) == fold(answer)]
    return loose[0] if len(loose) == 1 else None
