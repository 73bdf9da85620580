"""Plain rows of a workbook or CSV, for imports that are not questions (units, participants).

Also what the question importers read through: the workbook comes from
`xlsx_reader.open_workbook` (size, zip bomb, DOCTYPE/ENTITY and row-cap checks, lxml streaming) or,
for an old .xls, `xls_reader.open_xls` (xlrd, the same size and row-cap checks), CSV
from `text.decode` (UTF-8 with or without BOM, then Windows-1258/1252) and `records` below.

    with read_rows(data, header_size) as table:
        if table.errors: ...            # the file was refused as a whole
        for sheet in table.sheets:
            for number, cells in sheet: ...   # may raise UnsafeFile (row cap, corrupt sheet)

Cells are the texts a user sees (2012, not 2012.0; a date cell as dd/mm/yyyy); blank rows are
skipped; `number` is the Excel row (or the CSV record) number, for "Sheet1, dòng 6".
"""
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .cells import is_blank, texts_of
from .files import ENCRYPTED, MAX_ROWS, Problem, UnsafeFile, check_size, file_where, sniff
from .text import decode, format_count
from .xls_reader import open_xls
from .xlsx_reader import SheetRows, open_workbook

CSV_TITLE = "CSV"  # where a CSV's problems are: it has one unnamed sheet
DELIMITERS = (",", ";", "\t")
HEADER_SCAN_ROWS = 20  # a header row is looked for this far down (title rows above it are skipped)
# Lazy: made str where used.
_REFUSALS = {
    "empty": _l("Tệp rỗng: không có nội dung nào."),
    "docx": _l("Tệp Word (.docx) không phải bảng tính; hãy dùng Excel (.xlsx) hoặc CSV."),
    "doc": _l("Tệp Word (.doc) không phải bảng tính; hãy dùng Excel (.xlsx, .xls) hoặc CSV."),
    "encrypted": ENCRYPTED,
    "ole2": _l("Tệp Office đời cũ không phải bảng tính Excel (.xls) hoặc bị hỏng; hãy mở bằng Excel và "
               "lưu lại dưới dạng .xlsx."),
    "odf": _l("Tệp OpenDocument (.ods của LibreOffice) không phải tệp Excel; hãy lưu lại dưới dạng .xlsx."),
    "utf16": _l("Tệp văn bản mã UTF-16 (Unicode) không được hỗ trợ; hãy lưu CSV với mã UTF-8."),
    "pdf": _l("Tệp PDF không được hỗ trợ; hãy dùng Excel (.xlsx) hoặc CSV."),
    "image": _l("Tệp ảnh không được hỗ trợ; hãy dùng Excel (.xlsx) hoặc CSV."),
}
_UNKNOWN = _l("Không nhận ra định dạng tệp; hãy dùng Excel (.xlsx) hoặc CSV.")


def count_filled(cells: list[str]) -> int:
    """The default header test: how many cells a row fills when it fills at least two."""
    filled = sum(1 for cell in cells if cell.strip())
    return filled if filled >= 2 else 0


@dataclass
class Sheet:
    title: str
    _open: Callable[[], Iterator[tuple[int, list]]]

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        rows = self._open()
        try:
            for number, values in rows:
                texts = texts_of(values)
                if any(texts):
                    yield number, texts
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()


@dataclass
class Table:
    format: str = ""  # "xlsx", "xls" or "csv"
    sheets: list[Sheet] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    @classmethod
    def refused(cls, message: str, fmt: str = "") -> "Table":
        return cls(format=fmt, errors=[Problem(file_where(), message)])

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_rows(data: bytes, header_size: Callable[[list[str]], int] = count_filled) -> Table:
    """The sheets of an .xlsx or .xls or the one table of a CSV; never raises for a bad or hostile file.

    `header_size` picks the CSV delimiter: the one under which a header row names most columns.
    """
    try:
        check_size(data)
    except UnsafeFile as exc:
        return Table.refused(str(exc))
    kind = sniff(data)
    try:
        if kind == "xlsx":
            return _workbook(data, "xlsx", open_workbook)
        if kind == "xls":
            return _workbook(data, "xls", open_xls)
        if kind == "text":
            return _csv(data, header_size)
    except UnsafeFile as exc:
        return Table.refused(str(exc), kind)
    return Table.refused(str(_REFUSALS.get(kind, _UNKNOWN)), kind)


def _workbook(data: bytes, fmt: str, opener) -> Table:
    table = Table(format=fmt)
    workbook = table._stack.enter_context(opener(data))
    for title, path in workbook.sheets:
        table.sheets.append(Sheet(title, lambda title=title, path=path: iter(SheetRows(workbook, title, path))))
    return table


def _csv(data: bytes, header_size: Callable[[list[str]], int]) -> Table:
    text = decode(data)
    delimiter = sniff_delimiter(text, header_size) or ","
    return Table(format="csv", sheets=[Sheet(CSV_TITLE, lambda: records(text, delimiter))])


def records(text: str, delimiter: str):
    """(record number, cells): a quoted cell may span lines and still counts as one row, as in Excel."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise UnsafeFile(_("Tệp CSV có hơn %(rows)s dòng; hãy chia nhỏ tệp.", rows=format_count(MAX_ROWS)))
            yield number, cells
    except csv.Error as exc:
        raise UnsafeFile(_("Tệp CSV bị lỗi ở dòng %(line)s: ô quá dài hoặc dấu ngoặc kép không đóng.",
                           line=number + 1)) from exc


def sniff_delimiter(text: str, header_size: Callable[[list[str]], int]) -> str | None:
    """The delimiter under which a header row appears, preferring the one naming most columns.

    `header_size(cells)` says how many known columns a row names, 0 when it is no header row.
    """
    best, best_size = None, 0
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for scanned, cells in enumerate(reader, start=1):
                if scanned > HEADER_SCAN_ROWS:
                    break
                if is_blank(cells):
                    continue
                size = header_size(cells)
                if size:
                    if size > best_size:
                        best, best_size = delimiter, size
                    break
        except csv.Error:
            continue
    return best
