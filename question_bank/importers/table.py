"""One row per question, shared by the .xlsx and .csv importers: header detection and mapping.

A sheet's header row is the first row (within HEADER_SCAN_ROWS) that names a question column and
at least two choice columns (A, B, …) or one column holding every choice (“Phương án”: `A. …⏎B. …`,
split by choice_cell); title rows above it are skipped. A "Phương án" header merged over A, B, C, D
columns in the row below is a two-row header. A header naming only the question and the answer
is read when the first question cell holds its choices below the stem (`…?⏎A. …⏎B. …`); else the
caller is told what the row has and lacks. Headers are matched without case, diacritics,
punctuation or a parenthesised hint, so "ĐÁP ÁN ĐÚNG (A/B/C/D)" is the answer column.
"""
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from flask_babel import gettext as _

from core.cells import cell_text, texts_of
from core.files import Problem
from core.sheets import HEADER_SCAN_ROWS
from core.text import clean_text, fold, strip_accents

from .choice_cell import split_choices, split_stem
from .labels import strip_label
from .result import ParsedQuestion, ParseResult
from .validate import LETTERS, letter_index, parse_difficulty

_FIELD_NAMES = {
    "text": ("cau hoi", "noi dung", "noi dung cau hoi", "cau hoi noi dung", "question", "question text"),
    "answer": ("dap an", "dap an dung", "dap an chinh xac", "phuong an dung", "da", "answer", "correct answer",
               "correct"),
    "topic": ("chu de", "topic", "category", "linh vuc", "hang muc"),
    # One column holding every choice, "A. …⏎B. …" (choice_cell).
    "choices": ("phuong an", "cac phuong an", "phuong an tra loi", "cac phuong an tra loi", "phuong an lua chon",
                "dap an lua chon", "cac dap an", "lua chon", "cac lua chon", "options", "choices"),
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
    headers: dict[int, str] = field(default_factory=dict)  # column → header as written, for messages
    choices_in_text: bool = False  # no choice column: the question cell holds "stem⏎A. …⏎B. …"

    @property
    def is_header(self) -> bool:
        return "text" in self.columns and (len(self.choices) >= 2 or "choices" in self.columns)

    @property
    def lacks_choices(self) -> bool:
        """A header naming the question and the answer but no choice column: the file almost fits."""
        return "text" in self.columns and "answer" in self.columns and not self.is_header

    @property
    def lacks_text(self) -> bool:
        """A header naming the choices and the answer but no question column ("Câu" is a number)."""
        return "text" not in self.columns and "answer" in self.columns and len(self.choices) >= 2

    @property
    def almost_header(self) -> bool:
        return self.lacks_choices or self.lacks_text

    @property
    def in_one_cell(self) -> bool:
        return "choices" in self.columns and len(self.choices) < 2


def read_layout(row_number: int, cells) -> Layout:
    layout = Layout(row_number)
    for column, value in enumerate(cells):
        if not cell_text(value):
            continue
        layout.headers[column] = cell_text(value)
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


def _numbered(rows: Iterable[tuple[int, list]]) -> Iterator[tuple[int, list[str], list]]:
    """Rows as displayed texts, each cell converted once, beside the values as read (a choices
    cell needs its line breaks, which cleaning folds); blank rows dropped."""
    for row_number, cells in rows:
        texts = texts_of(cells)
        if any(texts):
            yield row_number, texts, cells


def read_table(result: ParseResult, label: str, rows: Iterable[tuple[int, list]],
               misses: list[Problem] | None = None) -> int | None:
    """Parses one sheet's rows ((row number, cell values) pairs) into result.

    Returns the number of question rows read, or None when no header row was found within the
    first HEADER_SCAN_ROWS rows (nothing is added to result then; a row that names the question
    and the answer but no choice column is described in `misses`, for the caller to report).
    """
    iterator = _numbered(rows)
    layout, near, below = _find_header(iterator)
    if layout is None:
        if near is None:
            return None
        if not (near.lacks_choices and _stems_with_choices(near, below)):
            if misses is not None:
                misses.append(_describe_miss(label, near, below))
            return None
        layout, near.choices_in_text = near, True
        iterator = chain(below, iterator)
    _report_layout(result, label, layout)
    count = 0
    place = _("%(sheet)s, dòng %(row)s")  # translated once, filled in per row
    below_header = True
    for row_number, cells, values in iterator:
        if below_header and layout.in_one_cell and _letters_below(layout, row_number, cells):
            continue  # "Phương án" merged over A, B, C, D columns named in this row
        below_header = False
        if _repeats_header(layout, cells):  # a second table with its own header further down
            layout = _next_layout(layout, row_number, cells)
            _report_layout(result, label, layout)
            below_header = True
            continue
        where = place % {"sheet": label, "row": row_number}
        if not _has_content(layout, cells):
            continue  # a pre-numbered template row: only STT or unknown columns filled in
        question = row_question(result, layout, cells, where, values)
        if question is not None:
            result.questions.append(question)
        count += 1
    return count


def _find_header(iterator: Iterator[tuple[int, list[str], list]]) -> tuple[Layout | None, Layout | None, list]:
    """(the header row, None, []) or (None, the first row that names only the question and the
    answer, the rows read below it: they tell what the sheet holds instead of choice columns)."""
    near, below = None, []
    for row in iterator:
        row_number, cells, _values = row
        if near is not None:
            below.append(row)
        if row_number > HEADER_SCAN_ROWS:
            break
        layout = read_layout(row_number, cells)
        if layout.is_header:
            return layout, None, []
        if near is None and layout.almost_header:
            near = layout
    return None, near, below


def _raw(values: list, column: int) -> str:
    value = _get(values, column)
    return value if isinstance(value, str) else cell_text(value)


def _stems_with_choices(layout: Layout, below: list) -> bool:
    """True when the first question cell under the header holds its choices, line by line."""
    column = layout.columns["text"]
    for _row_number, cells, values in below:
        if _get(cells, column):
            return split_stem(_raw(values, column)) is not None
    return False


def _next_layout(layout: Layout, row_number: int, cells: list[str]) -> Layout:
    following = read_layout(row_number, cells)
    following.choices_in_text = layout.choices_in_text and following.lacks_choices
    return following


def _letters_below(layout: Layout, row_number: int, cells: list[str]) -> bool:
    """Takes the A, B, C… columns of the row under a merged "Phương án" header, if it is that row."""
    below = read_layout(row_number, cells)
    if len(below.choices) < 2 or below.columns:
        return False
    layout.choices = below.choices
    del layout.columns["choices"]
    return True


def _describe_miss(label: str, layout: Layout, below: list) -> Problem:
    """What the almost-header row has and what it lacks, and how to fix it (issue 16, point 7)."""
    seen = ", ".join(f"“{name}”" for name in layout.headers.values())
    where = _("%(sheet)s, dòng %(row)s", sheet=label, row=layout.row)
    if layout.lacks_text:
        return Problem(where, _("Dòng tiêu đề có %(columns)s nhưng không có cột nội dung câu hỏi. Hãy đặt tiêu đề "
                                "“Câu hỏi” hoặc “Nội dung” cho cột chứa nội dung câu hỏi.", columns=seen))
    message = _("Dòng tiêu đề có %(columns)s nhưng không có cột A, B, C… và không có cột nào chứa các phương án. "
                "Hãy đặt mỗi phương án vào một cột “A”, “B”, “C”, “D”, hoặc đặt tiêu đề “Phương án” cho cột chứa "
                "cả các phương án, mỗi phương án một dòng trong ô (“A. …”, “B. …”).", columns=seen)
    column = _column_of_choices(layout, below)
    if column is not None:
        message += " " + _("Cột “%(column)s” có vẻ chứa các phương án: hãy đổi tiêu đề cột đó thành “Phương án”.",
                           column=layout.headers[column])
    return Problem(where, message)


def _column_of_choices(layout: Layout, below: list) -> int | None:
    """An unrecognised header's column whose cells are lettered choices, to suggest renaming it."""
    known = set(layout.columns.values())
    for _row_number, _cells, values in below:
        for column in layout.headers.keys() - known:
            if split_choices(_raw(values, column)) is not None:
                return column
    return None


def _repeats_header(layout: Layout, cells) -> bool:
    """Cheap test first: a header row's question cell is a short header name."""
    text = _get(cells, layout.columns["text"])
    if len(text) > 40 or header_field(text) != ("text", 0):
        return False
    following = read_layout(0, cells)
    return following.is_header or (layout.choices_in_text and following.lacks_choices)


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


def _get(cells: list, column: int | None):
    if column is None or column >= len(cells):
        return ""
    return cells[column]


def row_question(result: ParseResult, layout: Layout, cells: list[str], where: str,
                 values: list | None = None) -> ParsedQuestion | None:
    """One data row → ParsedQuestion; problems check_question cannot see are added to result.
    None when the row's choices cell cannot be split (the error names the row)."""
    columns = layout.columns
    values = cells if values is None else values
    if layout.choices_in_text:
        split = split_stem(_raw(values, columns["text"]))
        if split is None:
            result.error(where, _("Không tách được câu hỏi và các phương án trong ô “%(text)s”: sau nội dung câu "
                                  "hỏi, mỗi phương án phải nằm trên một dòng riêng, bắt đầu bằng “A.”, “B.”, “C.”… "
                                  "theo thứ tự.", text=_shorten(_get(cells, columns["text"]))))
            return None
        cells = [*cells]
        cells[columns["text"]], choices = split
    else:
        choices = _row_choices(result, layout, cells, values, where)
    if choices is None:
        return None
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


def _row_choices(result: ParseResult, layout: Layout, cells: list[str], values: list, where: str) -> list[str] | None:
    if layout.in_one_cell:
        cell = _raw(values, layout.columns["choices"])
        choices = split_choices(cell) if cell.strip() else []
        if choices is None:
            result.error(where, _("Không tách được ô phương án “%(text)s”: mỗi phương án phải nằm trên một dòng "
                                  "riêng trong ô, bắt đầu bằng “A.”, “B.”, “C.”… theo thứ tự.",
                                  text=_shorten(cell)))
        return choices
    choices = [""] * (max(layout.choices) + 1)
    for position, column in layout.choices.items():
        choices[position] = _strip_letter(_get(cells, column), position)
    while choices and not choices[-1]:
        choices.pop()
    return choices


def _shorten(text: str, limit: int = 60) -> str:
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
