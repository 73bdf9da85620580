"""Old Word 97–2003 files (.doc): converted to .docx by LibreOffice (core.office), then read as .docx.

Without LibreOffice on the server the file is refused with how to re-save it in Word.
"""
from flask_babel import gettext as _

from core.office import ConversionFailed, convert, soffice_path

from . import docx
from .result import ParseResult


def parse(data: bytes) -> ParseResult:
    if soffice_path() is None:
        return ParseResult.refused(resave_advice(), "doc")
    try:
        converted = convert(data, ".doc", "docx")
    except ConversionFailed as exc:
        if exc.timed_out:
            return ParseResult.refused(
                _("Chuyển tệp Word đời cũ (.doc) sang .docx mất quá lâu nên đã dừng. %(advice)s",
                  advice=resave_advice()), "doc")
        return ParseResult.refused(
            _("Không chuyển được tệp Word đời cũ (.doc): tệp bị hỏng hoặc không phải tệp Word. %(advice)s",
              advice=resave_advice()), "doc")
    return docx.parse(converted)


def resave_advice() -> str:
    return _("Mở tệp bằng Word, chọn Lưu thành… (Save As) → Word Document (.docx) rồi tải tệp .docx lên.")
