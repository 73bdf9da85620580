"""Old Excel 97–2003 workbooks (.xls): read by core.xls_reader (xlrd), mapped exactly as .xlsx."""
from core.xls_reader import open_xls

from .result import ParseResult
from .xlsx import read_workbook


def parse(data: bytes) -> ParseResult:
    with open_xls(data) as workbook:
        return read_workbook(workbook)
