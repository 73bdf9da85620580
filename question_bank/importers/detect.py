"""Which format a file is, from its bytes alone: the name is never trusted (SPEC §4).

Binary files are told apart by core.files.sniff (signatures; a zip by the parts it names). Text is judged on
a bounded head, in this order: a CSV header row (`Câu hỏi`, `A`, `B`, … within the first rows)
makes CSV whatever its cells hold; otherwise GIFT answer blocks, `::titles::` and `$CATEGORY:`
lines are weighed against Aiken `ANSWER:` lines that follow a choice line; a text with neither
but with a regular delimiter is CSV (its parser then names the missing header).
"""
import csv
import io
import re

from core.files import HEAD_BYTES, UnsafeFile, sniff
from core.sheets import HEADER_SCAN_ROWS
from core.text import decode

from .aiken import answer_lines, closed_questions
from .table import read_layout

_ESCAPED = re.compile(r"\\.")
_GIFT_BLOCK = re.compile(r"\{([^{}]*)\}")
_GIFT_ANSWERS = re.compile(r"^(?:[=~#]|(?:T|TRUE|F|FALSE)\s*(?:#|$)|$)", re.IGNORECASE)
_GIFT_TITLE = re.compile(r"^[ \t]*::[^\n]*?::", re.MULTILINE)
_GIFT_CATEGORY = re.compile(r"^[ \t]*\$CATEGORY\s*:", re.MULTILINE)
_DELIMITERS = (",", ";", "\t")


def detect(data: bytes, filename: str = "") -> str:
    """docx, doc, xlsx, xls, csv, aiken or gift; else the kind of file refused (a key of _REFUSALS):
    empty, encrypted, ole2, pdf, odf, pptx, zip, broken_zip, image, archive, rtf, markup, utf16, unknown
    (binary) or text (text in none of the formats). `filename` is not consulted."""
    kind = sniff(data)
    if kind != "text":
        return kind
    head = data[:HEAD_BYTES]
    if len(data) > HEAD_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n")]  # whole lines only
    try:
        text = decode(head)  # UTF-8 (BOM or not), else Windows-1258/1252, as the parsers read it
    except UnsafeFile:
        text = head.decode("utf-8", errors="replace")
    return _text_kind(text.removeprefix("\ufeff"))


def _text_kind(text: str) -> str:
    if _has_csv_header(text):
        return "csv"
    gift = _gift_score(text)
    aiken = closed_questions(text.splitlines())
    if gift > aiken:
        return "gift"
    if aiken or (not gift and answer_lines(text.splitlines())):
        return "aiken"  # `ANSWER:` lines without choices before them: its parser says what is missing
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
    """A row naming a question column and two choice columns (or a choices column, or the answer
    column) under some delimiter."""
    for delimiter in _DELIMITERS:
        for cells in _records(text, delimiter):
            if len(cells) < 2 or cells[0].lstrip().startswith(("//", "::", "$")):
                continue  # a GIFT comment such as "// Câu hỏi, A, B" is no header
            layout = read_layout(0, cells)
            # "Câu hỏi, Đáp án" alone: the choices may sit in the question cell; else the CSV
            # parser says what the header lacks (so it does for "Câu, A, B, Đáp án").
            if layout.is_header or layout.almost_header:
                return True
    return False


def _gift_score(text: str) -> int:
    plain = _ESCAPED.sub("", text)
    blocks = sum(1 for body in _GIFT_BLOCK.findall(plain) if _GIFT_ANSWERS.match(body.strip()))
    return blocks + len(_GIFT_TITLE.findall(plain)) + len(_GIFT_CATEGORY.findall(plain))


def _looks_delimited(text: str) -> bool:
    """Every one of the first rows splits into the same number (≥ 3) of cells: a table, not prose."""
    for delimiter in _DELIMITERS:
        sizes = {len(cells) for cells in _records(text, delimiter) if any(cell.strip() for cell in cells)}
        if len(sizes) == 1 and sizes.pop() >= 3:
            return True
    return False
