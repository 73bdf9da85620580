"""Refusing hostile files before a parser sees them: size, zip bombs, XML entity tricks."""
import io
import re
import zipfile

from flask_babel import gettext as _

from .result import UnsafeFile

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
            raise UnsafeFile(_("Tệp được mã hoá (có mật khẩu); hãy bỏ mật khẩu rồi tải lên lại."))
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
