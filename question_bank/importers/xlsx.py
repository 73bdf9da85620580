"""Excel workbooks (.xlsx): every sheet with a recognisable header row, one row per question.

The rows come from core.xlsx_reader (streamed, with every safety check); this module only maps them.
"""
from flask_babel import gettext as _

from core.files import file_where
from core.sheets import HEADER_SCAN_ROWS
from core.xlsx_reader import SheetRows, Workbook, open_workbook

from .result import ParseResult
from .table import read_table


def parse(data: bytes) -> ParseResult:
    with open_workbook(data) as workbook:
        return read_workbook(workbook)


def read_workbook(workbook: Workbook) -> ParseResult:
    result = ParseResult()
    skipped, misses, read_any = [], [], False
    for title, path in workbook.sheets:
        rows = SheetRows(workbook, title, path)
        before = len(misses)
        try:
            count = read_table(result, title, rows, misses)
        finally:
            rows.close()
        if count is None:
            if rows.has_content and len(misses) == before:
                skipped.append(title)
            continue
        read_any = True
        if count == 0:
            result.error(title, _("Trang tính “%(sheet)s” có dòng tiêu đề nhưng không có câu hỏi nào.", sheet=title))
    if not read_any and misses:
        result.errors.extend(misses)
        return result
    if not read_any:
        result.error(
            file_where(),
            _("Không tìm thấy dòng tiêu đề trong %(rows)s dòng đầu của trang tính nào; cần các cột “Câu hỏi” "
              "(hoặc “Nội dung”, “Question”), “A”, “B”, … (hoặc “Phương án A”…) và “Đáp án” (hoặc “Answer”).",
              rows=HEADER_SCAN_ROWS),
        )
        return result
    result.warnings.extend(misses)  # another sheet had questions: this one may be an answer list
    for title in skipped:
        result.warn(title, _("Trang tính “%(sheet)s” không có dòng tiêu đề câu hỏi; đã bỏ qua.", sheet=title))
    return result


