"""Format detection: decided by the bytes, never by the name; every refusal says what the file is."""
import io
import time
import zipfile

import pytest

from core.files import HEAD_BYTES
from question_bank.importers import _REFUSALS, PARSERS, parse_file
from question_bank.importers.detect import detect

from .sheets import cp1258, csv_text, xlsx

CSV_HEADER = ["Câu hỏi", "A", "B", "C", "Đáp án"]


def zipped(*names: str, content: bytes = b"<x/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, b"application/vnd.oasis.opendocument.text" if name == "mimetype" else content)
    return buffer.getvalue()


def utf8(text: str) -> bytes:
    return text.encode()


AIKEN = "Thủ đô của Việt Nam?\nA. Hà Nội\nB. Huế\nANSWER: A\n\nCơ quan nào?\nA) Bộ Nội vụ\nB) Bộ Tư pháp\nANSWER: A\n"
GIFT = "Thủ đô của Việt Nam? {=Hà Nội ~Huế}\n\nCơ quan nào? {~Bộ Tư pháp =Bộ Nội vụ}\n"

SAMPLES = [
    # Office packages, by the parts they name.
    ("docx", zipped("[Content_Types].xml", "word/document.xml"), "docx"),
    ("xlsx", xlsx([CSV_HEADER, ["Hỏi?", "a", "b", "c", "A"]]), "xlsx"),
    ("ods", zipped("mimetype", "content.xml", "META-INF/manifest.xml"), "odf"),
    ("odt-without-mimetype", zipped("content.xml", "META-INF/manifest.xml"), "odf"),
    ("pptx", zipped("[Content_Types].xml", "ppt/presentation.xml"), "pptx"),
    ("plain-zip", zipped("cau-hoi.txt"), "zip"),
    ("empty-zip", zipped(), "zip"),
    ("broken-zip", b"PK\x03\x04broken", "broken_zip"),
    # Other binaries, by signature.
    ("ole2", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), "ole2"),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image"),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image"),
    ("gif", b"GIF89a\x01\x00\x01\x00", "image"),
    ("gzip", b"\x1f\x8b\x08\x00" + bytes(16), "archive"),
    ("rar", b"Rar!\x1a\x07\x01\x00", "archive"),
    ("7z", b"7z\xbc\xaf\x27\x1c\x00\x04", "archive"),
    ("rtf", utf8("{\\rtf1\\ansi {\\fonttbl} Câu 1 {=a ~b}}"), "rtf"),
    ("random-binary", bytes(range(256)) * 4, "unknown"),
    ("utf-16-bom", "Câu hỏi,A,B,Đáp án\r\n".encode("utf-16"), "utf16"),
    ("utf-16-le-no-bom", "Question,A,B,Answer\r\nQ?,x,y,A\r\n".encode("utf-16-le"), "utf16"),
    # Markup saved from Word, Excel or Moodle.
    ("html", utf8("<!DOCTYPE html>\n<html><body>Câu 1 {=a ~b}</body></html>"), "markup"),
    ("html-lower", utf8("  <html xmlns:o='urn:schemas-microsoft-com:office:office'>"), "markup"),
    ("moodle-xml", utf8('<?xml version="1.0" encoding="UTF-8"?>\n<quiz><question type="multichoice">'), "markup"),
    ("mht", utf8("MIME-Version: 1.0\nContent-Type: multipart/related"), "markup"),
    # Empty.
    ("empty", b"", "empty"),
    ("only-spaces", b"  \r\n\t\n", "empty"),
    ("only-bom", b"\xef\xbb\xbf\r\n", "empty"),
    # CSV: a header row wins over whatever the cells hold.
    ("csv", utf8(csv_text([CSV_HEADER, ["Hỏi?", "a", "b", "c", "A"]])), "csv"),
    ("csv-gift-like-cells", utf8(csv_text([CSV_HEADER, ["::T:: Hỏi {=a ~b}?", "x = 1", "~y", "{z}", "A"],
                                           ["$CATEGORY: x", "{T}", "{=a}", "::b::", "B"]])), "csv"),
    ("csv-aiken-like-cells", utf8(csv_text([CSV_HEADER, ["Hỏi?\nA. x\nANSWER: A", "A. x", "B. y", "c", "A"]])), "csv"),
    ("csv-semicolon-bom", csv_text([CSV_HEADER, ["Hỏi {=a ~b}?", "a", "b", "c", "A"]], ";").encode("utf-8-sig"),
     "csv"),
    ("csv-tab", utf8(csv_text([["Question", "A", "B", "Answer"], ["Q {~x =y}?", "x", "y", "B"]], "\t")), "csv"),
    ("csv-windows-1258", cp1258(csv_text([CSV_HEADER, ["Điền {=từ ~chữ} vào chỗ trống?", "ả", "ẵ", "ỵ", "A"]])),
     "csv"),
    ("csv-title-rows", utf8(csv_text([["DANH SÁCH CÂU HỎI {=~}"], [], CSV_HEADER, ["Hỏi?", "a", "b", "c", "A"]])),
     "csv"),
    ("csv-without-header", utf8("Mã,Tên,Số lượng\r\nDV1,Sở Nội vụ,20\r\n"), "csv"),
    # Aiken.
    ("aiken", utf8(AIKEN), "aiken"),
    ("aiken-braces", utf8("Điền {từ} vào {chỗ trống}?\nA. x {=y}\nB. z\nANSWER: A\n\n" + AIKEN), "aiken"),
    ("aiken-bom-crlf", AIKEN.replace("\n", "\r\n").encode("utf-8-sig"), "aiken"),
    ("aiken-windows-1258", cp1258(AIKEN), "aiken"),
    ("aiken-bad-answer-line", utf8("Hỏi?\nA. x\nB. y\nANSWER: Bộ Nội vụ\n"), "aiken"),
    ("aiken-commas", utf8("Hỏi, rồi trả lời, ngay?\nA. x, y, z\nB. u, v, w\nANSWER: A\n"), "aiken"),
    # GIFT.
    ("gift", utf8(GIFT), "gift"),
    ("gift-titles", utf8("::Câu 1:: Hỏi? {=a ~b}\n\n::Câu 2:: Hỏi? {T}\n"), "gift"),
    ("gift-only-category", utf8("$CATEGORY: $course$/top/Chủ đề X\n"), "gift"),
    ("gift-true-false-only", utf8("Trời xanh. {T}\n\nĐất vuông. {FALSE}\n"), "gift"),
    ("gift-answer-in-stem", utf8("Dòng sau nghĩa là gì?\nANSWER: B\n{=Đáp án là B ~Đáp án là A}\n"), "gift"),
    ("gift-aiken-example-in-stem", utf8("::Aiken:: Trong tệp Aiken\nA. Hà Nội\nANSWER: A\nlà gì? {=Đáp án A ~Khác}\n"),
     "gift"),
    ("gift-header-like-comment", utf8("// Câu hỏi, A, B, C, Đáp án\n" + GIFT), "gift"),
    ("gift-commas", utf8("Hỏi, rồi trả lời, ngay? {=x, y, z ~u, v, w}\n\nHai, ba, bốn? {=a ~b}\n"), "gift"),
    ("gift-windows-1258", cp1258("$CATEGORY: Cải cách\n\n" + GIFT), "gift"),
    ("gift-unsupported-kinds", utf8("Số? {#5}\n\nTự luận? {}\n\nGhép {=a -> b =c -> d}\n"), "gift"),
    ("gift-escaped-braces", utf8("Hỏi \\{x\\}? {=a ~b}\n"), "gift"),
    # Text in none of the formats.
    ("prose", utf8("Xin chào, đây là một tệp văn bản.\nKhông có câu hỏi nào, cả.\n"), "text"),
    ("word-layout-as-text", utf8("Câu 1: Hỏi?\nA. x\nB. y\nĐáp án: A\n"), "text"),
]


@pytest.mark.parametrize("data, expected", [pytest.param(d, e, id=i) for i, d, e in SAMPLES])
def test_detect(data, expected):
    assert detect(data) == expected


@pytest.mark.parametrize("data, expected", [pytest.param(d, e, id=i) for i, d, e in SAMPLES])
def test_the_name_never_changes_the_verdict(data, expected):
    for name in ("bank.docx", "bank.xlsx", "bank.csv", "bank.txt", "bank.gift", "", "bank"):
        assert detect(data, name) == expected


def test_every_verdict_is_parsed_or_refused():
    assert {expected for _, _, expected in SAMPLES} <= set(PARSERS) | set(_REFUSALS)
    assert not set(PARSERS) & set(_REFUSALS)


REFUSED = [
    ("empty", b"", "Tệp rỗng"),
    ("odf", zipped("mimetype", "content.xml", "META-INF/manifest.xml"), "OpenDocument"),
    ("odf", zipped("mimetype", "content.xml", "META-INF/manifest.xml"), "không phải tệp Word/Excel"),
    ("pptx", zipped("ppt/presentation.xml"), "PowerPoint"),
    ("zip", zipped("a.txt"), "không phải tệp Word/Excel"),
    ("broken-zip", b"PK\x03\x04broken", "Không nhận ra định dạng tệp: tệp nén bị hỏng"),
    ("ole2", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "(.doc/.xls)"),
    ("pdf", b"%PDF-1.4", "PDF"),
    ("png", b"\x89PNG\r\n\x1a\n\x00", "Tệp ảnh"),
    ("jpeg", b"\xff\xd8\xff\xdb", "Tệp ảnh"),
    ("rar", b"Rar!\x1a\x07\x00", "Tệp nén (.gz, .rar, .7z)"),
    ("rtf", b"{\\rtf1 x}", "RTF"),
    ("html", b"<html><body>x</body></html>", "HTML"),
    ("moodle-xml", b"<?xml version='1.0'?><quiz/>", "Moodle XML"),
    ("utf16", "Câu hỏi".encode("utf-16"), "UTF-16"),
    ("binary", bytes(range(256)), "tệp nhị phân"),
    ("text", "Câu 1: Hỏi?\nA. x\nB. y\nĐáp án: A\n".encode(), "Không nhận ra định dạng tệp văn bản"),
]


@pytest.mark.parametrize("data, words", [pytest.param(d, w, id=i) for i, d, w in REFUSED])
def test_refused_files_get_one_vietnamese_error_for_the_whole_file(data, words):
    result = parse_file(data, "bank.docx")
    assert result.questions == []
    [problem] = result.errors
    assert problem.where == "Tệp"
    assert words in problem.message


def test_refusal_messages_are_distinct_and_end_with_a_full_stop():
    messages = list(_REFUSALS.values())
    assert len(set(messages)) == len(messages)
    assert all(message.endswith(".") for message in messages)


def test_text_refusal_names_every_text_format():
    message = _REFUSALS["text"]
    assert "“Câu hỏi”" in message and "“Đáp án”" in message and "ANSWER" in message and "{=đúng ~sai}" in message


def test_only_a_bounded_head_is_read():
    # A CSV header, then 20 MB that would look like GIFT if it were read: still CSV, and fast.
    header = csv_text([CSV_HEADER, ["Hỏi?", "a", "b", "c", "A"]]).encode()
    tail = b"::T:: Hoi? {=a ~b}\n\n" * ((20 * 1024 * 1024 - len(header)) // 20)
    data = header + tail
    assert len(data) > 100 * HEAD_BYTES
    started = time.perf_counter()
    assert detect(data) == "csv"
    assert detect(b"x" * (20 * 1024 * 1024)) == "text"  # one 20 MB line
    assert detect(tail) == "gift"
    assert time.perf_counter() - started < 1


def test_gift_beyond_the_head_does_not_turn_aiken_into_gift():
    aiken = (AIKEN + "\n") * (HEAD_BYTES // len(AIKEN.encode()) + 10)
    data = (aiken + GIFT * 50).encode()
    assert detect(data) == "aiken"
