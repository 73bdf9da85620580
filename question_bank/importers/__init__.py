"""bytes → ParseResult for every bank format; the format comes from the content."""
from flask_babel import gettext as _, lazy_gettext as _l

from core.files import ENCRYPTED, UnsafeFile, check_size, file_where

from . import aiken, csv, doc, docx, gift, xls, xlsx
from .detect import detect
from .result import ParseResult
from .validate import check_question

PARSERS = {
    "docx": docx.parse, "doc": doc.parse, "xlsx": xlsx.parse, "xls": xls.parse, "csv": csv.parse,
    "aiken": aiken.parse, "gift": gift.parse,
}

# Every kind detect() refuses, with what to do about it (lazy: made str where used).
_REFUSALS = {
    "empty": _l("Tệp rỗng: không có nội dung nào."),
    "encrypted": ENCRYPTED,
    "ole2": _l("Tệp Office đời cũ không phải Word/Excel (.doc/.xls) hoặc bị hỏng; hãy mở bằng Word/Excel và "
               "lưu lại dưới dạng .docx/.xlsx."),
    "pdf": _l("Tệp PDF không được hỗ trợ; hãy dùng .docx, .xlsx, .csv, Aiken hoặc GIFT."),
    "odf": _l("Tệp OpenDocument (.odt/.ods của LibreOffice) không phải tệp Word/Excel; "
              "hãy lưu lại dưới dạng .docx hoặc .xlsx."),
    "pptx": _l("Tệp PowerPoint (.pptx) không phải tệp Word/Excel; hãy chép câu hỏi sang .docx hoặc .xlsx."),
    "zip": _l("Tệp nén .zip không phải tệp Word/Excel (.docx/.xlsx); hãy giải nén và tải lên tệp câu hỏi."),
    "broken_zip": _l("Không nhận ra định dạng tệp: tệp nén bị hỏng hoặc không đầy đủ; "
                     "nếu là tệp Word/Excel, hãy mở và lưu lại rồi tải lên lại."),
    "image": _l("Tệp ảnh (PNG, JPEG, GIF…) không được hỗ trợ; hãy dùng .docx, .xlsx, .csv, Aiken hoặc GIFT."),
    "archive": _l("Tệp nén (.gz, .rar, .7z) không được hỗ trợ; hãy giải nén và tải lên tệp câu hỏi."),
    "rtf": _l("Tệp RTF không được hỗ trợ; hãy mở bằng Word và lưu lại dưới dạng .docx."),
    "markup": _l("Tệp HTML/XML (trang web, Moodle XML, Word/Excel 2003 XML) không được hỗ trợ; "
                 "hãy lưu lại dưới dạng .docx/.xlsx hoặc xuất từ Moodle dạng GIFT/Aiken."),
    "utf16": _l("Tệp văn bản mã UTF-16 (Unicode) không được hỗ trợ; hãy lưu lại với mã UTF-8."),
    "text": _l("Không nhận ra định dạng tệp văn bản: cần CSV có dòng tiêu đề "
               "(“Câu hỏi”, “A”, “B”, …, “Đáp án”), Aiken (các dòng “A.”, “B.”, … rồi “ANSWER: B”) "
               "hoặc GIFT (“{=đúng ~sai}”)."),
    "unknown": _l("Không nhận ra định dạng tệp (tệp nhị phân); hãy dùng .docx, .xlsx, .csv, Aiken hoặc GIFT."),
}


def parse_file(data: bytes, filename: str = "") -> ParseResult:
    """Detects, parses and checks every question; never raises for a bad or hostile file."""
    try:
        check_size(data)
        fmt = detect(data, filename)
        if fmt in _REFUSALS:
            return ParseResult.refused(str(_REFUSALS[fmt]), fmt)
        result = PARSERS[fmt](data)
    except UnsafeFile as exc:
        return ParseResult.refused(str(exc))
    result.format = fmt
    for question in result.questions:
        result.errors.extend(check_question(question))
    if not result.questions and not result.errors:
        result.error(file_where(), _("Tệp không có câu hỏi nào."))
    return result
