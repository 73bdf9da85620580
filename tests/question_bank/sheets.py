"""Building .xlsx and .csv bytes for the importer tests."""
import io
import re
import unicodedata
import zipfile

from openpyxl import Workbook

HEADER = ["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích"]
ROW = [
    "Thủ tục hành chính được công bố ở đâu?", "Cổng Dịch vụ công quốc gia", "Báo Nhân dân", "Đài truyền hình",
    "Bảng tin xã", "A", "Thủ tục hành chính", "Dễ", "Nghị định 63/2010/NĐ-CP", "Điều 15 quy định việc công bố.",
]


def xlsx(*sheets, first_title: str = "Sheet1") -> bytes:
    """xlsx(rows) or xlsx(("Title", rows), ("Other", rows))."""
    if sheets and not isinstance(sheets[0], tuple):
        sheets = ((first_title, sheets[0]),)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, name: str, change) -> bytes:
    """A copy of a zip with one member's bytes passed through change(bytes) → bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == name:
                content = change(content)
            target.writestr(info.filename, content)
    source.close()
    return buffer.getvalue()


def add_member(data: bytes, name: str, content: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def set_dimension(data: bytes, ref: str) -> bytes:
    return rewrite_member(
        data, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)
    )


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: precomposed base letters, tone marks combining."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(ch for ch in parts if ch in _TONES)
        base = unicodedata.normalize("NFC", "".join(ch for ch in parts if ch not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def csv_text(rows, delimiter: str = ",") -> str:
    def quote(value) -> str:
        value = str(value)
        if any(ch in value for ch in (delimiter, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(quote(v) for v in row) + "\r\n" for row in rows)


_INLINE = re.compile(rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t>(.*?)</t></is></c>', re.DOTALL)
_SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(data: bytes, rich: dict[str, bytes] | None = None) -> bytes:
    """The same workbook as Excel saves it: every text in xl/sharedStrings.xml, cells t="s".

    `rich` maps a plain text to the <si> body to store instead (rich-text runs, phonetic hints).
    """
    rich = rich or {}
    strings: list[bytes] = []

    def to_shared(match) -> bytes:
        text = match.group(3).decode()
        strings.append(rich.get(text, b"<t>" + match.group(3) + b"</t>"))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), len(strings) - 1)

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = _INLINE.sub(to_shared, content)
            elif info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + _SST_TYPE + b'"/></Types>'
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSst" Type="' + _SST_REL + b'" Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(info.filename, content)
        items = b"".join(b"<si>" + body + b"</si>" for body in strings)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + items + b"</sst>",
        )
    source.close()
    return buffer.getvalue()
