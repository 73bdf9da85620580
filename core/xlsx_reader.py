"""Reading .xlsx workbooks as rows of cell values, streamed with lxml straight from the zip.

openpyxl's read-only worksheets cost 0.1–0.3 ms a row (3–4 s of the 5 s budget for a 10,000-question
bank) and parse a whole sheet while loading when it has no <dimension> (openpyxl's own write-only
output); openpyxl still supplies the date-format rules and serial-date conversion.

Safety: check_package has already refused oversized or encrypted packages, zip bombs and any
DOCTYPE/ENTITY declaration; the parser below also resolves no entity, loads no DTD and fetches
nothing. A sheet whose <dimension> claims more than MAX_ROWS rows is refused before any row is
read, and reading stops at the first row numbered past MAX_ROWS whatever the dimension said.
"""
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask_babel import gettext as _, lazy_gettext as _l
from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from .cells import is_blank
from .files import MAX_ROWS, UnsafeFile, check_package, read_member
from .text import format_count

MAX_COLUMNS = 64  # a question row never needs more; wider data is not read at all
CORRUPT = _l("Tệp Excel bị hỏng hoặc không đọc được; hãy mở bằng Excel và lưu lại dưới dạng .xlsx.")

_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
_PARSER = etree.XMLParser(**_PARSER_OPTIONS)
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Transitional (what Excel saves by default) and Strict OOXML.
_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_DOC_REL_ATTRS = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
# Locale date formats (ids 27–36, 50–58) have no code in BUILTIN_FORMATS but are dates.
_LOCALE_DATE_FORMATS = set(range(27, 37)) | set(range(50, 59))
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_ROW_NUMBERS = re.compile(r"\d+")
_BROKEN = (etree.LxmlError, KeyError, ValueError, IndexError, TypeError, OverflowError, zipfile.BadZipFile,
           zlib.error, OSError, EOFError)


def too_many_rows(title: str) -> str:
    return _("Trang tính “%(sheet)s” có hơn %(rows)s dòng; hãy chia nhỏ tệp.", sheet=title, rows=format_count(MAX_ROWS))


@contextmanager
def open_workbook(data: bytes) -> Iterator["Workbook"]:
    """The checked package's workbook; raises UnsafeFile for anything hostile or broken.

    Used by the bank's xlsx importer and by sheets.read_rows (units, participants): one way to read workbooks.
    """
    archive = check_package(data)
    with archive:
        try:  # only the package is guarded here; row reading guards itself (SheetRows)
            workbook = Workbook(archive)
            claims = [(title, workbook.claimed_rows(path)) for title, path in workbook.sheets]
        except _BROKEN as exc:
            raise UnsafeFile(str(CORRUPT)) from exc
        for title, claimed in claims:  # every claim checked before any row is read
            if claimed > MAX_ROWS:
                raise UnsafeFile(too_many_rows(title))
        yield workbook


class Workbook:
    """Sheet names and paths, shared strings and date styles of one package."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        root = self._xml("xl/workbook.xml")
        namespace = etree.QName(root).namespace
        if namespace not in _MAIN_NAMESPACES:
            raise ValueError(f"not a workbook: {namespace}")
        self.ns = f"{{{namespace}}}"
        self.t_tag = f"{self.ns}t"
        properties = root.find(f"{self.ns}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        rels = self._relationships("xl/_rels/workbook.xml.rels")
        self.sheets = []
        for sheet in root.iter(f"{self.ns}sheet"):
            rel_id = next((sheet.get(attr) for attr in _DOC_REL_ATTRS if sheet.get(attr)), None)
            kind, path = rels.get(rel_id, ("", ""))
            if kind == "worksheet":  # chartsheets and dialog sheets hold no rows
                self.sheets.append((sheet.get("name") or path, path))
        by_kind = {kind: path for kind, path in rels.values()}
        self.strings = self._shared_strings(by_kind.get("sharedStrings"))
        self.date_styles = self._date_styles(by_kind.get("styles"))

    def _xml(self, name: str):
        return etree.fromstring(read_member(self.archive, name), _PARSER)

    def _relationships(self, name: str) -> dict[str, tuple[str, str]]:
        """Id → (type's last word, member path)."""
        found = {}
        for rel in self._xml(name).iter(f"{_RELS_NS}Relationship"):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            found[rel.get("Id")] = ((rel.get("Type") or "").rsplit("/", 1)[-1], path)
        return found

    def _shared_strings(self, path: str | None) -> list[str]:
        if not path or path not in self.archive.namelist():
            return []
        strings = []
        with self.archive.open(path) as stream:
            for _event, item in etree.iterparse(stream, tag=f"{self.ns}si", **_PARSER_OPTIONS):
                strings.append(self.text_of(item))
                item.clear()
        return strings

    def text_of(self, item) -> str:
        """The text of an <si> or <is>: plain or rich-text runs, without phonetic (rPh) hints."""
        if len(item) == 1 and item[0].tag == self.t_tag:  # find() is slow; this is the common case
            text = item[0].text or ""
        else:
            text = "".join(t.text or "" for t in item.iter(f"{self.ns}t") if t.getparent().tag != f"{self.ns}rPh")
        return _unescape(text) if "_x" in text else text

    def _date_styles(self, path: str | None) -> frozenset[int]:
        if not path or path not in self.archive.namelist():
            return frozenset()
        root = self._xml(path)
        custom = {
            int(fmt.get("numFmtId", -1)): fmt.get("formatCode") or ""
            for fmt in root.iterfind(f"{self.ns}numFmts/{self.ns}numFmt")
        }
        dates = set()
        for index, xf in enumerate(root.iterfind(f"{self.ns}cellXfs/{self.ns}xf")):
            fmt_id = int(xf.get("numFmtId", 0))
            code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
            if fmt_id in _LOCALE_DATE_FORMATS or (code and is_date_format(code)):
                dates.add(index)
        return frozenset(dates)

    def claimed_rows(self, path: str) -> int:
        """The last row the sheet's <dimension ref="A1:Z1048576"> claims, from its first 64 KB."""
        with self.archive.open(path) as stream:
            head = stream.read(65536)
        match = _DIMENSION.search(head)
        if not match:
            return 0
        return max((int(n) for n in _ROW_NUMBERS.findall(match.group(1).decode("ascii", "replace"))), default=0)

    def rows(self, path: str, title: str):
        """(row number, values) for every <row> that the sheet stores, columns past MAX_COLUMNS dropped."""
        ns = self.ns
        row_tag, cell_tag, value_tag, inline_tag = f"{ns}row", f"{ns}c", f"{ns}v", f"{ns}is"
        strings, date_styles, epoch = self.strings, self.date_styles, self.epoch
        number = 0
        with self.archive.open(path) as stream:
            for _event, row in etree.iterparse(stream, tag=row_tag, **_PARSER_OPTIONS):
                number = int(row.get("r") or number + 1)
                if number > MAX_ROWS:
                    raise UnsafeFile(too_many_rows(title))
                values: list = []
                for cell in row:
                    if cell.tag != cell_tag:
                        continue
                    ref = cell.get("r")
                    column = _column(ref) if ref else len(values)
                    if column >= MAX_COLUMNS:
                        continue
                    value = None
                    for part in cell:  # iterating beats find()/findtext() threefold here
                        if part.tag == value_tag:
                            if part.text is not None:
                                kind, style = cell.get("t", "n"), cell.get("s")
                                value = _value(kind, part.text, style, strings, date_styles, epoch)
                            break
                        if part.tag == inline_tag:
                            value = self.text_of(part)
                            break
                    if column >= len(values):
                        values.extend([None] * (column + 1 - len(values)))
                    values[column] = value
                row.clear()
                while row.getprevious() is not None:  # keep the tree to one row
                    del row.getparent()[0]
                yield number, values


# Excel writes characters XML cannot hold as _xHHHH_: a cell pasted from Word keeps its line
# breaks as "_x000D_\n", which would otherwise end up in a choice's text.
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _value(kind: str, raw: str, style, strings, date_styles, epoch):
    if kind == "s":
        return strings[int(raw)]
    if kind == "n":
        number = float(raw) if any(ch in raw for ch in ".eEnN") else int(raw)
        if style and int(style) in date_styles:
            try:
                return from_excel(number, epoch)
            except (OverflowError, ValueError):
                return number
        return number
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "d":
        try:
            return from_ISO8601(raw)
        except ValueError:
            return raw
    return raw  # "str" (a formula's text result) and "e" (#N/A…) are shown as written


def _column(ref: str) -> int:
    """'C12' → 2 (0-based)."""
    return _letters_index(ref.rstrip("0123456789$"))


@lru_cache(maxsize=256)
def _letters_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"bad cell reference {letters!r}")
        index = index * 26 + (ord(char) - 64)
    return index - 1


class SheetRows:
    """The rows of one sheet (for the question importer and sheets.read_rows); remembers whether it holds anything."""

    def __init__(self, workbook: Workbook, title: str, path: str):
        self.has_content = False
        self._rows = self._generate(workbook.rows(path, title))

    def __iter__(self):
        return self._rows

    def close(self) -> None:
        self._rows.close()  # closes the sheet's zip member

    def _generate(self, rows):
        try:
            for number, values in rows:
                if not self.has_content and not is_blank(values):
                    self.has_content = True
                yield number, values
        except _BROKEN as exc:
            raise UnsafeFile(str(CORRUPT)) from exc
        finally:
            rows.close()
