"""Which format a file is, from its bytes alone: the name is never trusted (SPEC §4).

Binary files are told apart by their signature (a zip by the parts it names). Text is judged on
a bounded head, in this order: a CSV header row (`Câu hỏi`, `A`, `B`, … within the first rows)
makes CSV whatever its cells hold; otherwise GIFT answer blocks, `::titles::` and `$CATEGORY:`
lines are weighed against Aiken `ANSWER:` lines that follow a choice line; a text with neither
but with a regular delimiter is CSV (its parser then names the missing header).
"""
import csv
import io
import re
import zipfile

from .result import UnsafeFile
from .table import HEADER_SCAN_ROWS, read_layout
from .text import decode

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
UTF8_BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 128 * 1024  # text formats are decided on this much; a 20 MB file costs the same

_SIGNATURES = (
    (OLE2_MAGIC, "ole2"),
    (b"%PDF", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"\x1f\x8b", "archive"),  # gzip
    (b"Rar!\x1a\x07", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"{\\rtf", "rtf"),
)
_MARKUP = re.compile(r"<(!doctype\s+html|html\b|\?xml|quiz\b|w:document|workbook)", re.IGNORECASE)

_ESCAPED = re.compile(r"\\.")
_GIFT_BLOCK = re.compile(r"\{([^{}]*)\}")
_GIFT_ANSWERS = re.compile(r"^(?:[=~#]|(?:T|TRUE|F|FALSE)\s*(?:#|$)|$)", re.IGNORECASE)
_GIFT_TITLE = re.compile(r"^[ \t]*::[^\n]*?::", re.MULTILINE)
_GIFT_CATEGORY = re.compile(r"^[ \t]*\$CATEGORY\s*:", re.MULTILINE)
_AIKEN_CHOICE = re.compile(r"^\s*[A-Ha-h]\s*[.)]")
_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t")


def detect(data: bytes, filename: str = "") -> str:
    """docx, xlsx, csv, aiken or gift; else the kind of file refused (a key of _REFUSALS):
    empty, ole2, pdf, odf, pptx, zip, broken_zip, image, archive, rtf, markup, utf16, unknown
    (binary) or text (text in none of the formats). `filename` is not consulted."""
    if not data.removeprefix(UTF8_BOM).strip():
        return "empty"
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _zip_kind(data)
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    head = data[:HEAD_BYTES]
    if _is_utf16(head):
        return "utf16"
    if b"\x00" in head:
        return "unknown"
    if len(data) > HEAD_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n")]  # whole lines only
    try:
        text = decode(head)  # UTF-8 (BOM or not), else Windows-1258/1252, as the parsers read it
    except UnsafeFile:
        text = head.decode("utf-8", errors="replace")
    return _text_kind(text.removeprefix("\ufeff"))


def _zip_kind(data: bytes) -> str:
    """Decided on the member names alone: nothing is decompressed here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "broken_zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "META-INF/manifest.xml" in names or "mimetype" in names and "content.xml" in names:
        return "odf"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return "zip"


def _is_utf16(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:2048]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    # ASCII-heavy UTF-16 without a BOM: one byte of every pair is zero, the other never is.
    return (odd.count(0) > len(odd) * 0.4 and not even.count(0)) or (
        even.count(0) > len(even) * 0.4 and not odd.count(0)
    )


def _text_kind(text: str) -> str:
    if text.lstrip().startswith("<") and _MARKUP.match(text.lstrip()):
        return "markup"
    if text.lstrip().startswith("MIME-Version:"):
        return "markup"  # a Word "single file web page" (.mht)
    if _has_csv_header(text):
        return "csv"
    gift = _gift_score(text)
    aiken = _aiken_score(text)
    if gift > aiken:
        return "gift"
    if aiken:
        return "aiken"
    if _looks_delimited(text):
        return "csv"
    return "text"


def _records(text: str, delimiter: str):
    """The first rows of the text read as CSV; a malformed row ends the reading."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > HEADER_SCAN_ROWS:
                return
            yield cells
    except csv.Error:
        return


def _has_csv_header(text: str) -> bool:
    """A row naming a question column and two choice columns under some delimiter."""
    for delimiter in _DELIMITERS:
        for cells in _records(text, delimiter):
            if len(cells) < 3 or cells[0].lstrip().startswith(("//", "::", "$")):
                continue  # a GIFT comment such as "// Câu hỏi, A, B" is no header
            if read_layout(0, cells).is_header:
                return True
    return False


def _gift_score(text: str) -> int:
    plain = _ESCAPED.sub("", text)
    blocks = sum(1 for body in _GIFT_BLOCK.findall(plain) if _GIFT_ANSWERS.match(body.strip()))
    return blocks + len(_GIFT_TITLE.findall(plain)) + len(_GIFT_CATEGORY.findall(plain))


def _aiken_score(text: str) -> int:
    """`ANSWER:` lines right after a choice line (blank lines aside)."""
    score, after_choice = 0, False
    for line in text.splitlines():
        if not line.strip():
            continue
        if _AIKEN_ANSWER.match(line):
            score += after_choice
            after_choice = False
        else:
            after_choice = bool(_AIKEN_CHOICE.match(line))
    return score


def _looks_delimited(text: str) -> bool:
    """Every one of the first rows splits into the same number (≥ 3) of cells: a table, not prose."""
    for delimiter in _DELIMITERS:
        sizes = {len(cells) for cells in _records(text, delimiter) if any(cell.strip() for cell in cells)}
        if len(sizes) == 1 and sizes.pop() >= 3:
            return True
    return False
