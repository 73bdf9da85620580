"""bytes → ParseResult for every bank format; the format comes from the content."""
from . import aiken, csv, docx, gift, xlsx
from .detect import detect
from .result import ParseResult, UnsafeFile
from .safety import check_size
from .validate import check_question

PARSERS = {"docx": docx.parse, "xlsx": xlsx.parse, "csv": csv.parse, "aiken": aiken.parse, "gift": gift.parse}

_FORMATS = ".docx, .xlsx, .csv, Aiken hoặc GIFT"
# Every kind detect() refuses, with what to do about it.
_REFUSALS = {
    "empty": "Tệp rỗng: không có nội dung nào.",
    "ole2": "Tệp Word/Excel đời cũ (.doc/.xls) hoặc tệp có mật khẩu; hãy lưu lại dưới dạng .docx/.xlsx không mật khẩu.",
    "pdf": f"Tệp PDF không được hỗ trợ; hãy dùng {_FORMATS}.",
    "odf": "Tệp OpenDocument (.odt/.ods của LibreOffice) không phải tệp Word/Excel; "
           "hãy lưu lại dưới dạng .docx hoặc .xlsx.",
    "pptx": "Tệp PowerPoint (.pptx) không phải tệp Word/Excel; hãy chép câu hỏi sang .docx hoặc .xlsx.",
    "zip": "Tệp nén .zip không phải tệp Word/Excel (.docx/.xlsx); hãy giải nén và tải lên tệp câu hỏi.",
    "broken_zip": "Không nhận ra định dạng tệp: tệp nén bị hỏng hoặc không đầy đủ; "
                  "nếu là tệp Word/Excel, hãy mở và lưu lại rồi tải lên lại.",
    "image": f"Tệp ảnh (PNG, JPEG, GIF…) không được hỗ trợ; hãy dùng {_FORMATS}.",
    "archive": "Tệp nén (.gz, .rar, .7z) không được hỗ trợ; hãy giải nén và tải lên tệp câu hỏi.",
    "rtf": "Tệp RTF không được hỗ trợ; hãy mở bằng Word và lưu lại dưới dạng .docx.",
    "markup": "Tệp HTML/XML (trang web, Moodle XML, Word/Excel 2003 XML) không được hỗ trợ; "
              "hãy lưu lại dưới dạng .docx/.xlsx hoặc xuất từ Moodle dạng GIFT/Aiken.",
    "utf16": "Tệp văn bản mã UTF-16 (Unicode) không được hỗ trợ; hãy lưu lại với mã UTF-8.",
    "text": "Không nhận ra định dạng tệp văn bản: cần CSV có dòng tiêu đề "
            "(“Câu hỏi”, “A”, “B”, …, “Đáp án”), Aiken (các dòng “A.”, “B.”, … rồi “ANSWER: B”) "
            "hoặc GIFT (“{=đúng ~sai}”).",
    "unknown": f"Không nhận ra định dạng tệp (tệp nhị phân); hãy dùng {_FORMATS}.",
}


def parse_file(data: bytes, filename: str = "") -> ParseResult:
    """Detects, parses and checks every question; never raises for a bad or hostile file."""
    try:
        check_size(data)
        fmt = detect(data, filename)
        if fmt in _REFUSALS:
            return ParseResult.refused(_REFUSALS[fmt], fmt)
        result = PARSERS[fmt](data)
    except UnsafeFile as exc:
        return ParseResult.refused(str(exc))
    result.format = fmt
    for question in result.questions:
        result.errors.extend(check_question(question))
    if not result.questions and not result.errors:
        result.error("Tệp", "Tệp không có câu hỏi nào.")
    return result
