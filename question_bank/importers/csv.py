"""CSV (comma, semicolon or tab; UTF-8 with or without BOM, else Windows-1258/1252)."""
import csv
import io
from collections.abc import Callable

from flask_babel import gettext as _

from .result import ParseResult, UnsafeFile, file_where
from .safety import MAX_ROWS
from .table import HEADER_SCAN_ROWS, format_count, is_blank, read_layout, read_table
from .text import decode

LABEL = "CSV"
DELIMITERS = (",", ";", "\t")


def parse(data: bytes) -> ParseResult:
    text = decode(data)
    result = ParseResult()
    delimiter = sniff_delimiter(text, _header_size)
    if delimiter is None:
        result.error(
            file_where(),
            _("Không tìm thấy dòng tiêu đề trong %(rows)s dòng đầu của tệp CSV; cần các cột “Câu hỏi” (hoặc "
              "“Nội dung”, “Question”), “A”, “B”, … (hoặc “Phương án A”…) và “Đáp án” (hoặc “Answer”).",
              rows=HEADER_SCAN_ROWS),
        )
        return result
    count = read_table(result, LABEL, records(text, delimiter))
    if not count:
        result.error(file_where(), _("Tệp CSV có dòng tiêu đề nhưng không có câu hỏi nào."))
    return result


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


def _header_size(cells) -> int:
    layout = read_layout(0, cells)
    return len(layout.columns) + len(layout.choices) if layout.is_header else 0


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
