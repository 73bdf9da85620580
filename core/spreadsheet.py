"""Cells for the workbooks we write (bank export, judges' results): one place decides safety.

Every text cell goes through safe_cell(). Text starting with = + - @ is written as a string with
Excel's quotePrefix, the way Excel stores text typed after an apostrophe: openpyxl would otherwise
store a leading "=" as a formula, and Excel would evaluate "+…", "-…", "@…" once the cell is
edited. Nothing runs, and our importer reads the text back unchanged.
"""
import os
import tempfile
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@")
_BOLD = Font(bold=True)


def safe_cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    """A write-only cell for `value`; text that looks like a formula stays text."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    if bold:
        cell.font = _BOLD
    return cell


def header_row(sheet, titles, widths) -> list[WriteOnlyCell]:
    """Bold titles; sets column widths and freezes the row below (before any row is written)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return [safe_cell(sheet, title, bold=True) for title in titles]


def save_atomically(workbook, path) -> None:
    """Saves next to `path` and renames, so a failed export never leaves half a file behind."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
