"""Which format a file is, from its bytes; the name is only a hint for error messages."""
import re
import zipfile
import io

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*[A-Za-z]\s*$", re.MULTILINE)
_GIFT_BLOCK = re.compile(r"\{[^{}]*[=~][^{}]*\}", re.DOTALL)


def detect(data: bytes, filename: str = "") -> str:
    """docx, xlsx, ole2 (legacy or encrypted Office), pdf, aiken, gift, csv, or unknown."""
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return "unknown"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "unknown"
    if data.startswith(OLE2_MAGIC):
        return "ole2"
    if data.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in data[:4096]:
        return "unknown"
    head = data[:200_000]
    text = head.decode("utf-8", errors="replace")
    if _AIKEN_ANSWER.search(text):
        return "aiken"
    if _GIFT_BLOCK.search(text) and "::" in text or _looks_gift(text):
        return "gift"
    return "csv"


def _looks_gift(text: str) -> bool:
    blocks = _GIFT_BLOCK.findall(text)
    return len(blocks) >= 1 and not any("," in line and line.count(",") >= 3 for line in text.splitlines()[:1])
