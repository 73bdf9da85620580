"""Uploaded files: refusing hostile ones before a parser sees them (size, zip bombs, XML entity
tricks), telling binary kinds apart by their bytes, and problems reported with their place."""
import io
import re
import zipfile
from dataclasses import dataclass

import olefile
from flask_babel import gettext as _, lazy_gettext as _l

# `where` for problems that belong to the whole file rather than to one question or row: the
# msgid, kept a plain str for callers that compare with it; file_where() is the shown label.
FILE_WHERE = "Tệp"


def file_where() -> str:
    return _("Tệp")


@dataclass
class Problem:
    where: str
    message: str

    def as_dict(self) -> dict:
        return {"where": self.where, "message": self.message}


# A password-protected file: an encrypted zip, an OOXML package wrapped in OLE2, an encrypted .xls.
ENCRYPTED = _l("Tệp được mã hoá (có mật khẩu); hãy bỏ mật khẩu rồi tải lên lại.")


class UnsafeFile(Exception):
    """Raised by the safety checks; the message is Vietnamese and shown as is."""


MAX_FILE_BYTES = 20 * 1024 * 1024  # the upload limit (413 on the web, an error on the CLI)
MAX_ZIP_MEMBERS = 2_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # declared total of all members
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per member of any real size
MAX_ROWS = 100_000  # a sheet past this is refused without reading further

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_size(data: bytes, limit: int = MAX_FILE_BYTES) -> None:
    if len(data) > limit:
        raise UnsafeFile(
            _("Tệp quá lớn (%(size)s MB); giới hạn là %(limit)s MB.",
              size=format(len(data) / 1048576, ".1f"), limit=format(limit / 1048576, ".0f"))
        )


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Opens an OOXML package after checking every member's declared size and ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise UnsafeFile(_("Tệp bị hỏng hoặc không phải tệp Office hợp lệ.")) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnsafeFile(_("Tệp chứa %(count)s thành phần, vượt giới hạn an toàn.", count=len(members)))
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise UnsafeFile(str(ENCRYPTED))
        total += info.file_size
        too_big = info.file_size > MAX_MEMBER_BYTES or total > MAX_UNZIPPED_BYTES
        ratio = info.file_size / max(info.compress_size, 1)
        if too_big or (info.file_size > 1_000_000 and ratio > MAX_RATIO):
            raise UnsafeFile(_("Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn."))
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Reads one member, stopping at `limit` whatever its header claims."""
    try:
        with archive.open(name) as handle:
            data = handle.read(limit + 1)
    except KeyError as exc:
        raise UnsafeFile(_("Tệp thiếu thành phần %(part)s; tệp bị hỏng.", part=name)) from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnsafeFile(_("Tệp bị hỏng, không giải nén được.")) from exc
    if len(data) > limit:
        raise UnsafeFile(_("Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn."))
    return data


def check_xml(data: bytes) -> None:
    """OOXML never needs a DTD; one that declares entities is an expansion attack."""
    if _DOCTYPE.search(data[:4096]) or (b"<!ENTITY" in data or b"<!DOCTYPE" in data):
        raise UnsafeFile(_("Tệp chứa khai báo XML không được phép (DOCTYPE/ENTITY); tệp bị từ chối."))


def check_package(data: bytes) -> zipfile.ZipFile:
    """Size, zip and XML checks on a whole OOXML package; returns the opened archive."""
    check_size(data)
    archive = open_zip(data)
    for info in archive.infolist():
        if info.filename.endswith((".xml", ".rels")):
            check_xml(read_member(archive, info.filename))
    return archive


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
UTF8_BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 128 * 1024  # text formats are decided on this much; a 20 MB file costs the same

_SIGNATURES = (
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


_MARKUP = re.compile(rb"<(!doctype\s+html|html\b|\?xml|quiz\b|w:document|workbook)", re.IGNORECASE)


def sniff(data: bytes) -> str:
    """The kind of a file from its bytes alone (the name is never trusted): "empty", "xlsx", "docx",
    "odf", "pptx", "zip", "broken_zip", "xls", "doc", "encrypted" (a password-protected .docx/.xlsx),
    "ole2" (another or a broken compound file), "pdf", "image", "archive", "rtf", "utf16", "markup",
    "unknown" (other binary) or "text" (whose format the caller judges)."""
    if not data.removeprefix(UTF8_BOM).strip():
        return "empty"
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _zip_kind(data)
    if data.startswith(OLE2_MAGIC):
        return _ole2_kind(data)
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    head = data[:HEAD_BYTES]
    if _is_utf16(head):
        return "utf16"
    if b"\x00" in head:
        return "unknown"
    start = head.removeprefix(UTF8_BOM).lstrip()
    if _MARKUP.match(start) or start.startswith(b"MIME-Version:"):  # HTML, XML, a Word .mht
        return "markup"
    return "text"


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


# Root streams naming what an OLE2 compound file holds: Excel 97–2003 ("Workbook"; "Book" in
# Excel 5/95, which xlrd reads too), Word 97–2003, and Office's password encryption, which wraps a
# whole .docx/.xlsx in an OLE2 file (MS-OFFCRYPTO).
_OLE2_STREAMS = (("encryptedpackage", "encrypted"), ("encryptioninfo", "encrypted"),
                 ("workbook", "xls"), ("book", "xls"), ("worddocument", "doc"))


def _ole2_kind(data: bytes) -> str:
    """Decided on the compound file's directory alone: no stream is read."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:  # BytesIO: olefile takes short bytes for a path
            streams = {entry[0].lower() for entry in ole.listdir(streams=True, storages=False) if len(entry) == 1}
    except Exception:  # noqa: BLE001  (olefile raises many kinds on a damaged directory)
        return "ole2"
    for stream, kind in _OLE2_STREAMS:
        if stream in streams:
            return kind
    return "ole2"


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
