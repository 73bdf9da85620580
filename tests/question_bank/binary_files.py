"""The old binary files the tests read (.xls in files/), and the rows they were made from.

The .xls files are committed: xlrd's tests must not need LibreOffice. They were made once by
`.venv/bin/python -m tests.question_bank.binary_files` (LibreOffice 7.4, Debian 12), which writes
each workbook with openpyxl and has LibreOffice save it as Excel 97–2003; run it again after
changing the rows below. A test compares each .xls with the .xlsx of the same rows.
"""
from datetime import date
from pathlib import Path

from tests.question_bank.sheets import HEADER, ROW, xlsx

FILES = Path(__file__).resolve().parent / "files"

BANK = (
    ("Chương 1", [
        ["NGÂN HÀNG CÂU HỎI CẢI CÁCH HÀNH CHÍNH"],
        HEADER,
        ROW,
        ["Luật Ban hành văn bản được thông qua năm nào?", 2012, 2015, 2020, 1996, "B", "Văn bản", "Trung bình",
         "", ""],
        ["Ngày nào là hạn nộp báo cáo?", date(2024, 3, 5), date(2024, 12, 15), "", "", "A", "", "", "", ""],
        ["Câu có đáp án không tồn tại?", "Một", "Hai", "", "", "E", "", "", "", ""],
    ]),
    ("Ghi chú", [["Tệp thử: các ô số, ngày và một dòng sai đáp án."]]),
)
UNITS = [
    ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Biên chế", "Khối"],
    ["UBND-TINH", "UBND tỉnh Thái Nguyên", "", 0, ""],
    ["SNV", "Sở Nội vụ", "UBND-TINH", 62, "Sở, ban, ngành"],
    ["STP", "Sở Tư pháp", "UBND-TINH", 45.0, "Sở, ban, ngành"],
]
PARTICIPANTS = [
    ["Tên đăng nhập", "Số điện thoại", "Họ và tên", "Mã đơn vị", "Email", "Ngày sinh"],
    ["an", 912345678, "Nguyễn Văn An", "SNV", "", date(1985, 3, 15)],
    ["binh", "0356 789 012", "Trần Thị Bình", "STP", "binh@example.vn", "01/02/1990"],
]
WORKBOOKS = {"bank.xls": xlsx(*BANK), "units.xls": xlsx(UNITS), "participants.xls": xlsx(PARTICIPANTS)}


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def renamed_stream(data: bytes, old: str, new: str) -> bytes:
    """A copy of a compound file whose root stream `old` is called `new` (≤ 31 characters): e.g. an
    .xls made to look like a password-protected .xlsx, whose package sits in an "EncryptedPackage" stream."""
    old_name = old.encode("utf-16-le") + b"\0\0"
    start = data.index(old_name.ljust(64, b"\0"))  # a directory entry: the name padded to 64 bytes
    new_name = new.encode("utf-16-le") + b"\0\0"
    entry = new_name.ljust(64, b"\0") + len(new_name).to_bytes(2, "little")
    return data[:start] + entry + data[start + len(entry):]


def encrypted_package() -> bytes:
    """A compound file shaped like a password-protected .docx/.xlsx (an EncryptedPackage stream)."""
    return renamed_stream(read("bank.xls"), "Workbook", "EncryptedPackage")


def write_files() -> None:
    from core.office import convert

    for name, data in WORKBOOKS.items():
        (FILES / name).write_bytes(convert(data, ".xlsx", "xls"))


if __name__ == "__main__":
    write_files()
