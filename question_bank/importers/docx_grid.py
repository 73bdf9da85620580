"""A Word table seen by grid column (merged cells, spans), and its header row: which column
holds the question, the choices, the key; and what to say when no table looks like a bank."""
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.text import clean_text

from .docx_lines import split_choices
from .docx_reader import Line, Table
from .docx_resolve import excerpt
from .table import header_field, header_key

HEADER_SCAN_ROWS = 6  # title rows above the header
_NUMBER = {"stt", "tt", "so tt", "so thu tu", "no", "cau", "cau so", "so cau", "ma cau hoi", "ma cau", "id"}
_MARK_COLUMN = {"dung", "dung sai", "d s", "chon", "danh dau", "ket qua", "dap an chon", "phuong an chon"}
# The sheet importers' header names (table.py), the one list; a `Đúng` column and STT are ours.
_ROLES = ("text", "choices", "answer", "topic", "difficulty", "source", "explanation")
STT_NUMBER = re.compile(r"^(?:câu\s*(?:số\s*)?)?(\d{1,5})\s*[.:)]?$", re.IGNORECASE)


@dataclass
class Columns:
    """Which grid column holds what, read from a header row."""

    header: int  # index of the last header row; data starts after it
    width: int
    roles: dict[str, int] = field(default_factory=dict)  # number, text, choices, answer, topic… → column
    letters: dict[int, int] = field(default_factory=dict)  # choice position → column
    names: list[str] = field(default_factory=list)  # the header texts, for messages
    titles: dict[int, str] = field(default_factory=dict)  # column → its header text

    @property
    def holds_questions(self) -> bool:
        return "text" in self.roles and ("choices" in self.roles or len(self.letters) >= 2 or "answer" in self.roles)

    def missing(self) -> str:
        """What this header lacks to be a question table, for the “why nothing” message."""
        if "text" not in self.roles:
            return _("không nhận ra cột câu hỏi (“Câu hỏi”, “Nội dung”)")
        return _("không nhận ra cột đáp án (“Đáp án”, “Đúng”) hay cột phương án (“Phương án”, hoặc A, B, C, D)")


def header_role(text: str) -> tuple[str, int] | None:
    key = header_key(text)
    if key in _NUMBER:
        return "number", 0
    if key in _MARK_COLUMN:
        return "answer", 0
    found = header_field(text)
    if found and (found[0] in _ROLES or found[0] == "choice"):
        return found
    return None


class Grid:
    """A table seen by grid column: the cell covering each column of a row, and its text."""

    def __init__(self, table: Table):
        self.table = table
        self.width = max((p.column + p.span for places in table.places for p in places), default=0)
        self._rows: dict[int, list[int | None]] = {}
        self._texts: dict[tuple[int, int], str] = {}

    def cell(self, row: int, column: int) -> int | None:
        lookup = self._rows.get(row)
        if lookup is None:
            lookup = [None] * self.width
            for index, place in enumerate(self.table.places[row]):
                for c in range(place.column, min(place.column + place.span, self.width)):
                    lookup[c] = index
            self._rows[row] = lookup
        return lookup[column] if column < len(lookup) else None

    def lines(self, row: int, column: int | None) -> list[Line]:
        """The lines of the cell at (row, column) unless it continues a merged cell above."""
        index = None if column is None else self.cell(row, column)
        if index is None or self.table.places[row][index].continued:
            return []
        return [line for paragraph in self.table.rows[row][index] for line in paragraph.lines]

    def text(self, row: int, column: int | None) -> str:
        if column is None:
            return ""
        text = self._texts.get((row, column))
        if text is None:
            text = self._texts[row, column] = clean_text(" ".join(line.text for line in self.lines(row, column)))
        return text

    def starts(self, row: int, column: int) -> bool:
        """The cell covering (row, column) begins there (is not a neighbour merged across it)."""
        index = self.cell(row, column)
        return index is not None and self.table.places[row][index].column == column

    def section(self, row: int, text_column: int) -> str | None:
        """The text of a row made of one merged cell (a section title inside the table)."""
        places = self.table.places[row]
        filled = [i for i, cells in enumerate(self.table.rows[row])
                  if not places[i].continued and any(line.text.strip() for p in cells for line in p.lines)]
        if len(filled) != 1 or self.width < 3 or any(place.continued for place in places):
            return None  # a cell merged down from a question row means the row belongs to it
        place = places[filled[0]]
        if place.span * 2 < self.width or not place.column <= text_column < place.column + place.span:
            return None
        return clean_text(" ".join(line.text for p in self.table.rows[row][filled[0]] for line in p.lines))


def read_columns(grid: Grid, row: int) -> Columns:
    columns = Columns(header=row, width=grid.width)
    for column in range(grid.width):
        index = grid.cell(row, column)
        if index is None or (column and grid.cell(row, column - 1) == index):
            continue  # a cell spanning several columns is named once, at its first
        text = grid.text(row, column)
        if not text:
            continue
        columns.names.append(text)
        columns.titles[column] = text
        found = header_role(text)
        if found is None:
            continue
        name, position = found
        if name == "choice":
            columns.letters.setdefault(position, column)
        elif name == "answer" and "answer" in columns.roles and "choices" not in columns.roles:
            # `Đáp án | Đáp án đúng`: the first lists the choices, the second names the right one.
            columns.roles["choices"] = columns.roles["answer"]
            columns.roles["answer"] = column
        else:
            columns.roles.setdefault(name, column)
    return columns


def find_header(grid: Grid) -> tuple[Columns | None, Columns | None]:
    """(the header of a question table, or None; the first header-like row seen, for messages)."""
    seen = None
    for row in range(min(HEADER_SCAN_ROWS, len(grid.table.rows))):
        columns = read_columns(grid, row)
        if seen is None and len(columns.names) >= 2:
            seen = columns
        if columns.holds_questions and _has_text_rows(grid, columns):
            _letters_below(grid, columns)
            _choices_under_answer(grid, columns)
            return columns, columns
    return None, seen


def _has_text_rows(grid: Grid, columns: Columns) -> bool:
    """A `Câu hỏi | Đáp án` table of numbers and letters is an answer key, not questions."""
    for row in range(columns.header + 1, min(columns.header + 12, len(grid.table.rows))):
        text = grid.text(row, columns.roles["text"])
        if any(ch.isalpha() for ch in text) and not STT_NUMBER.match(text):
            return True
    return False


def _letters_below(grid: Grid, columns: Columns) -> None:
    """A two-row header: `Phương án` spanning the columns A | B | C | D named in the row below."""
    below = columns.header + 1
    if below >= len(grid.table.rows) or columns.letters:
        return
    sub = read_columns(grid, below)
    if grid.text(below, columns.roles["text"]):
        return  # a data row whose cells happen to read `a`, `b`: the question cell is filled
    if len(sub.letters) >= 2 and "text" not in sub.roles:
        columns.letters = sub.letters
        if columns.roles.get("choices") in sub.letters.values() or "choices" in columns.roles:
            columns.roles.pop("choices", None)
        columns.header = below


def _choices_under_answer(grid: Grid, columns: Columns) -> None:
    """`STT | Câu hỏi | Đáp án` whose `Đáp án` cells list `A. …` / `B. …`: the choices, keyed by marks."""
    column = columns.roles.get("answer")
    if column is None or "choices" in columns.roles or columns.letters:
        return
    for row in range(columns.header + 1, min(columns.header + 12, len(grid.table.rows))):
        labelled = [line for line in grid.lines(row, column) if split_choices(line.text, at_start=True)[1]]
        if len(labelled) >= 2:
            columns.roles["choices"] = columns.roles.pop("answer")
            return


def continues(grid: Grid, columns: Columns) -> bool:
    """A table without a header that goes on with the previous question table's rows."""
    if grid.width != columns.width or not grid.table.rows:
        return False
    number_col = columns.roles.get("number")
    if number_col is not None:
        return bool(STT_NUMBER.match(grid.text(0, number_col)))
    return any(ch.isalpha() for ch in grid.text(0, columns.roles["text"]))


def listing(names: list[str]) -> str:
    """Header names for a message: the first ten, each cut short."""
    return ", ".join(excerpt(name) for name in names[:10])


def describe(tables: list[tuple[int, Columns | None, int]]) -> str | None:
    """Why a document whose tables held no question yielded nothing: what its first real table
    has and what a question table needs. tables: (number, first header-like row, row count)."""
    if not tables:
        return None
    number, columns, _rows = next((t for t in tables if t[1] is not None and t[2] >= 3),
                                  next((t for t in tables if t[1] is not None), tables[0]))
    needs = _("Hãy đặt ở đầu bảng một dòng tiêu đề có cột “Câu hỏi” (hoặc “Nội dung”), cột “Phương án” (các "
              "phương án “A. …”, “B. …” trên từng dòng, hoặc mỗi phương án một dòng) hoặc các cột A, B, C, D, và "
              "cột “Đáp án” (chữ cái) hoặc “Đúng” (dấu x cạnh phương án đúng).")
    if columns is None or STT_NUMBER.match(columns.names[0]):
        return _("Tệp có %(count)s bảng nhưng không bảng nào có dòng tiêu đề (bảng %(number)s bắt đầu ngay bằng "
                 "dòng “%(row)s”). %(needs)s", count=len(tables), number=number,
                 row=listing(columns.names) if columns else "", needs=needs)
    return _("Tệp có %(count)s bảng; bảng %(number)s có các cột: %(columns)s — %(missing)s. %(needs)s",
             count=len(tables), number=number, columns=listing(columns.names), missing=columns.missing(),
             needs=needs)
