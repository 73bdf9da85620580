"""CSV (comma, semicolon or tab; UTF-8 with or without BOM, else Windows-1258/1252)."""
from flask_babel import gettext as _

from core.files import file_where
from core.sheets import CSV_TITLE, HEADER_SCAN_ROWS, records, sniff_delimiter
from core.text import decode

from .result import ParseResult
from .table import read_layout, read_table


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
    misses = []
    count = read_table(result, CSV_TITLE, records(text, delimiter), misses)
    if misses:
        result.errors.extend(misses)
        return result
    if not count:
        result.error(file_where(), _("Tệp CSV có dòng tiêu đề nhưng không có câu hỏi nào."))
    return result


def _header_size(cells) -> int:
    layout = read_layout(0, cells)
    # A header without choice columns still picks the delimiter, so the report can say what it lacks.
    return len(layout.columns) + len(layout.choices) if layout.is_header or layout.almost_header else 0
