"""Reading old Excel 97–2003 workbooks (.xls) as rows of cell values, with xlrd.

xlrd 2 reads only .xls, evaluates nothing and fetches nothing. It is given the workbook stream that
olefile took out of the compound file: xlrd's own compound-file reader loops forever on a sector
chain that runs in a circle, olefile bounds every chain. The workbook is opened on demand (one
sheet in memory at a time, unloaded when its rows are done) and without formatting_info, which
xlrd does not need to tell dates from numbers. The Workbook below has the shape of
xlsx_reader.Workbook (`sheets`, `rows(key, title)`), so xlsx_reader.SheetRows, the question
importer and sheets.read_rows read both alike; a sheet over MAX_ROWS rows is refused before any
of its rows is read, columns past MAX_COLUMNS are dropped.
"""
import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import olefile
import xlrd
from xlrd.biffh import error_text_from_code

from .files import ENCRYPTED, MAX_ROWS, UnsafeFile, check_size
from .xlsx_reader import CORRUPT, MAX_COLUMNS, too_many_rows

# What xlrd raises on a damaged file, besides its own XLRDError.
_BROKEN = (xlrd.XLRDError, struct.error, KeyError, IndexError, ValueError, TypeError, AssertionError,
           UnicodeDecodeError, LookupError, OverflowError, EOFError)  # LookupError: a bogus codepage


@contextmanager
def open_xls(data: bytes) -> Iterator["Workbook"]:
    """The .xls workbook; raises UnsafeFile for a file too big, encrypted or broken."""
    check_size(data)
    stream = _workbook_stream(data)
    try:
        # logfile: xlrd prints its warnings about odd files to stdout otherwise.
        book = xlrd.open_workbook(file_contents=stream, on_demand=True, formatting_info=False,
                                  logfile=io.StringIO(), ragged_rows=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise UnsafeFile(str(ENCRYPTED)) from exc
        raise UnsafeFile(str(CORRUPT)) from exc
    except _BROKEN as exc:
        raise UnsafeFile(str(CORRUPT)) from exc
    try:
        yield Workbook(book)
    finally:
        book.release_resources()


def _workbook_stream(data: bytes) -> bytes:
    """The BIFF records of the workbook: the "Workbook" stream (Excel 97–2003) or "Book" (Excel 5/95)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            for name in ("Workbook", "Book"):
                if ole.exists(name) and ole.get_type(name) == olefile.STGTY_STREAM:
                    return ole.openstream(name).read()
    except Exception as exc:  # noqa: BLE001  (olefile raises many kinds on a damaged file)
        raise UnsafeFile(str(CORRUPT)) from exc
    raise UnsafeFile(str(CORRUPT))


class Workbook:
    """Sheet names and row reading of one .xls book."""

    def __init__(self, book):
        self.book = book
        self.sheets = [(name, index) for index, name in enumerate(book.sheet_names())]

    def rows(self, index: int, title: str):
        """(row number, values) of every row, as Python values: text, float, datetime, bool."""
        book = self.book
        try:
            sheet = book.sheet_by_index(index)
        except _BROKEN as exc:
            raise UnsafeFile(str(CORRUPT)) from exc
        try:
            if sheet.nrows > MAX_ROWS:
                raise UnsafeFile(too_many_rows(title))
            for row in range(sheet.nrows):
                yield row + 1, [_value(cell, book.datemode) for cell in sheet.row_slice(row, 0, MAX_COLUMNS)]
        except _BROKEN as exc:
            raise UnsafeFile(str(CORRUPT)) from exc
        finally:
            book.unload_sheet(index)


def _value(cell, datemode: int):
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return cell.value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_ERROR:
        return error_text_from_code.get(cell.value, "#ERR")  # #N/A, #DIV/0!… as Excel shows them
    return cell.value  # text or float; core.cells shows 2012.0 as 2012
