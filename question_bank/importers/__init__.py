"""bytes → ParseResult for every bank format; the format comes from the content."""
from . import aiken, csv, docx, gift, xlsx
from .detect import detect
from .result import ParseResult, UnsafeFile
from .safety import check_size
from .validate import check_question

PARSERS = {"docx": docx.parse, "xlsx": xlsx.parse, "csv": csv.parse, "aiken": aiken.parse, "gift": gift.parse}

_REFUSALS = {
    "ole2": "Tệp Word/Excel đời cũ (.doc/.xls) hoặc tệp có mật khẩu; hãy lưu lại dưới dạng .docx/.xlsx không mật khẩu.",
    "pdf": "Tệp PDF không được hỗ trợ; hãy dùng .docx, .xlsx, .csv, Aiken hoặc GIFT.",
    "unknown": "Không nhận ra định dạng tệp; hãy dùng .docx, .xlsx, .csv, Aiken hoặc GIFT.",
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
