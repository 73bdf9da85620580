"""What the unit and participant imports share: header matching, the report, reading sheets.

A sheet's header row is the first row (within HEADER_SCAN_ROWS) that names every required
column; title rows above it ("DANH SÁCH ĐƠN VỊ…") are skipped. Headers match without case,
diacritics, punctuation or a parenthesised hint, so "Biên chế (người)" is "bien che".
"""
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import LazyString, gettext as _

from core.files import Problem, UnsafeFile, file_where
from core.sheets import HEADER_SCAN_ROWS, Table, read_rows
from question_bank.importers.table import header_key


@dataclass
class Columns:
    """Which field each header names: {"code": ("ma don vi", "code"), …}; `required` must all appear.

    `labels` is how a message names each field ("Mã đơn vị"): lazy strings, made str where used.
    """

    names: dict[str, tuple[str, ...]]
    labels: dict[str, LazyString | str]
    required: tuple[str, ...]
    any_of: tuple[str, ...] = ()  # at least one of these must appear too
    needed: tuple[str, ...] = ()  # an error at the header row when missing, but no bar to finding it
    ignored: tuple[str, ...] = ("stt", "tt", "so tt", "so thu tu", "no")

    def field_of(self, cell: str) -> str | None:
        key = header_key(cell)
        if key in self.ignored:
            return "ignore"
        for name, spellings in self.names.items():
            if key in spellings:
                return name
        return None

    def header_size(self, cells: list[str]) -> int:
        """How many known columns a row names, 0 when it lacks a required one (CSV sniffing)."""
        found = {self.field_of(cell) for cell in cells if cell}
        if not set(self.required) <= found or (self.any_of and not found & set(self.any_of)):
            return 0
        return len(found - {None, "ignore"})

    def label(self, name: str) -> str:
        return str(self.labels[name])

    def expected(self) -> str:
        """“Họ và tên”, “Mã đơn vị” và “Tên đăng nhập” hoặc “Số điện thoại”."""
        text = ", ".join(f"“{self.label(name)}”" for name in self.required)
        if self.any_of:
            first, *others = [f"“{self.label(name)}”" for name in self.any_of]
            for other in others:
                first = _("%(first)s hoặc %(second)s", first=first, second=other)
            text = _("%(required)s và %(alternatives)s", required=text, alternatives=first)
        return text


@dataclass
class Layout:
    row: int
    columns: dict[str, int] = field(default_factory=dict)  # field → column index
    unknown: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """`imported`: rows created (0 when there are errors; with --dry-run what would be created)."""

    imported: int = 0
    updated: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: list = field(default_factory=list)  # the parsed rows, for a preview
    places: dict[str, int] = field(default_factory=dict, repr=False)  # where → order in the file

    def sort_problems(self) -> None:
        """File order (file-wide problems first), whatever order the checks ran in."""
        for problems in (self.errors, self.warnings):
            problems.sort(key=lambda problem: self.places.get(problem.where, -1))

    def error(self, where: str, message: str) -> None:
        self.errors.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
        }


def where(title: str, row: int) -> str:
    """"Sheet1, dòng 6", as SPEC §4 names a place in a workbook or CSV."""
    return _("%(sheet)s, dòng %(row)s", sheet=title, row=row)


def get(cells: list[str], layout: Layout, name: str) -> str:
    column = layout.columns.get(name)
    if column is None or column >= len(cells):
        return ""
    return cells[column]


def data_rows(data: bytes, columns: Columns, report: ImportReport,
              empty: str) -> Iterator[tuple[str, list[str], Layout]]:
    """(where, cells, layout) for every filled row under a header, on every sheet that has one.

    Problems of the file as a whole (refused, no header anywhere, no row) go into `report`.
    `empty` is the error for a file with a header but no row ("…không có đơn vị nào.").
    """
    with read_rows(data, columns.header_size) as table:
        if table.errors:
            report.errors.extend(table.errors)
            return
        try:
            yield from _sheets(table, columns, report, empty)
        except UnsafeFile as exc:  # the row cap, or a sheet that breaks half-way
            report.error(file_where(), str(exc))


def _sheets(table: Table, columns: Columns, report: ImportReport, empty: str):
    found_header = found_row = False
    skipped = []
    for sheet in table.sheets:
        rows = iter(sheet)
        layout, filled = _find_header(rows, columns)
        if layout is None:
            if filled:
                skipped.append(sheet.title)
            continue
        found_header = True
        report.places.setdefault(where(sheet.title, layout.row), len(report.places))
        _report_layout(report, sheet.title, layout, columns)
        for row, cells in rows:
            if not any(cells[column] for column in layout.columns.values() if column < len(cells)):
                continue  # only STT or columns we do not read
            found_row = True
            place = where(sheet.title, row)
            report.places.setdefault(place, len(report.places))
            yield place, cells, layout
    if not found_header:
        report.error(file_where(), _("Không tìm thấy dòng tiêu đề trong %(n)d dòng đầu; cần các cột %(columns)s.",
                                   n=HEADER_SCAN_ROWS, columns=columns.expected()))
        return
    for title in skipped:
        report.warn(title, _("Trang tính “%(sheet)s” không có dòng tiêu đề; đã bỏ qua.", sheet=title))
    if not found_row:
        report.error(file_where(), empty)


def _find_header(rows, columns: Columns) -> tuple[Layout | None, bool]:
    """The header layout, and whether the sheet had any content at all."""
    filled = False
    for row, cells in rows:
        filled = True
        if row > HEADER_SCAN_ROWS:
            break
        if columns.header_size(cells):
            return _layout(row, cells, columns), True
    return None, filled


def _layout(row: int, cells: list[str], columns: Columns) -> Layout:
    layout = Layout(row)
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name = columns.field_of(cell)
        if name is None:
            layout.unknown.append(cell)
        elif name == "ignore":
            continue
        elif name in layout.columns:
            layout.repeated.append(cell)
        else:
            layout.columns[name] = index
    return layout


def _report_layout(report: ImportReport, title: str, layout: Layout, columns: Columns) -> None:
    place = where(title, layout.row)
    for name in columns.needed:
        if name not in layout.columns:
            report.error(place, _("Thiếu cột “%(column)s” ở dòng tiêu đề.", column=columns.label(name)))
    for cell in layout.repeated:
        report.warn(place, _("Cột “%(column)s” xuất hiện nhiều lần; chỉ đọc cột đầu tiên.", column=cell))
    if layout.unknown:
        names = ", ".join(f"“{cell}”" for cell in layout.unknown)
        report.warn(place, _("Không nhận ra cột %(columns)s; đã bỏ qua.", columns=names))
