"""Old binary Office files (issue 16 point 5): .xls read with xlrd exactly as .xlsx, .doc converted
by LibreOffice, password-protected packages and other compound files refused with what to do."""
import io
import stat
import time
from pathlib import Path

import pytest
from docx import Document

from core import office, xls_reader
from core.files import FILE_WHERE, sniff
from core.sheets import read_rows
from question_bank.importers import parse_file
from tests.support import csrf_token

from .binary_files import BANK, PARTICIPANTS, UNITS, read, renamed_stream
from .sheets import xlsx


def problems(result, kind="errors"):
    return [(p.where, p.message) for p in getattr(result, kind)]


def questions(result):
    return [(q.where, q.text, q.choices, q.correct, q.topic, q.difficulty, q.source, q.explanation)
            for q in result.questions]


def cells_of(table):
    """Each sheet's rows, trailing empty cells aside (openpyxl stores a "" cell, Excel does not)."""
    def trimmed(cells):
        while cells and cells[-1] == "":
            cells = cells[:-1]
        return cells

    return [(sheet.title, [(number, trimmed(cells)) for number, cells in sheet]) for sheet in table.sheets]


def word_bank() -> bytes:
    """A .docx of two questions, the right choice in bold (SPEC §4), to be saved as .doc."""
    document = Document()
    for stem, choices, right in [("Câu 1: Ai ban hành Nghị quyết 76/NQ-CP?", ["Quốc hội", "Chính phủ", "Bộ Nội vụ"], 1),
                                 ("Câu 2: Năm ban hành Luật Cán bộ, công chức?", ["2008", "2010", "2012"], 0)]:
        document.add_paragraph(stem)
        for index, choice in enumerate(choices):
            document.add_paragraph().add_run(f"{'ABC'[index]}. {choice}").bold = index == right
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def word_97(soffice):
    return office.convert(word_bank(), ".docx", "doc")


def test_compound_files_are_told_apart_by_their_streams():
    workbook = read("bank.xls")
    assert sniff(workbook) == "xls"
    assert sniff(renamed_stream(workbook, "Workbook", "EncryptedPackage")) == "encrypted"
    assert sniff(renamed_stream(workbook, "Workbook", "EncryptionInfo")) == "encrypted"
    assert sniff(renamed_stream(workbook, "Workbook", "WordDocument")) == "doc"
    assert sniff(renamed_stream(workbook, "Workbook", "PowerPoint Document")) == "ole2"
    assert sniff(workbook[:600]) == "ole2"  # a header with no directory left


def test_xls_reads_exactly_as_the_same_xlsx():
    old, new = parse_file(read("bank.xls"), "bank.xls"), parse_file(xlsx(*BANK), "bank.xlsx")
    assert (old.format, new.format) == ("xls", "xlsx")
    assert questions(old) == questions(new)
    assert problems(old) == problems(new) and problems(old, "warnings") == problems(new, "warnings")
    by_place = {q.where: q for q in old.questions}
    assert by_place["Chương 1, dòng 4"].choices == ["2012", "2015", "2020", "1996"]  # not 2012.0
    assert by_place["Chương 1, dòng 5"].choices == ["05/03/2024", "15/12/2024"]  # dates as the user sees them
    assert [where for where, _ in problems(old)] == ["Chương 1, dòng 6"]
    assert problems(old, "warnings") == [("Ghi chú", "Trang tính “Ghi chú” không có dòng tiêu đề câu hỏi; đã bỏ qua.")]


@pytest.mark.parametrize("name, rows", [("units.xls", UNITS), ("participants.xls", PARTICIPANTS)])
def test_read_rows_gives_the_cells_of_the_same_xlsx(name, rows):
    with read_rows(read(name)) as old, read_rows(xlsx(rows)) as new:
        assert (old.format, old.errors) == ("xls", [])
        assert cells_of(old) == cells_of(new)
        cells = cells_of(old)[0][1]
    if name == "participants.xls":
        assert cells[1][1][1] == "912345678" and cells[1][1][5] == "15/03/1985"


def test_a_sheet_past_the_row_cap_is_refused(monkeypatch):
    monkeypatch.setattr(xls_reader, "MAX_ROWS", 3)
    result = parse_file(read("bank.xls"), "bank.xls")
    assert result.questions == []
    assert problems(result) == [(FILE_WHERE, "Trang tính “Chương 1” có hơn 100.000 dòng; hãy chia nhỏ tệp.")]
    with read_rows(read("units.xls")) as table:
        with pytest.raises(xls_reader.UnsafeFile, match="có hơn"):
            list(table.sheets[0])


@pytest.mark.parametrize("change, message", [
    (lambda data: renamed_stream(data, "Workbook", "EncryptedPackage"), "có mật khẩu"),
    (lambda data: data[:len(data) // 2] + bytes(len(data) // 2), "bị hỏng"),  # the directory is gone
    (lambda data: data[:3000], "bị hỏng"),
    # A sector chain running in a circle: xlrd's own compound-file reader never returns from it.
    (lambda data: data[:1000] + bytes(2000) + data[3000:], "Tệp Excel bị hỏng"),
    (lambda data: data.replace(b"\x42\x00\x02\x00\xb0\x04", b"\x42\x00\x02\x00\xaa\x04"), "Tệp Excel bị hỏng"),
], ids=["password", "half-zeroed", "truncated", "sector-loop", "bogus-codepage"])
def test_broken_or_locked_xls_is_refused_with_what_to_do(change, message):
    data = change(read("bank.xls"))
    for result in (parse_file(data, "bank.xls"), read_rows(data)):
        assert len(result.errors) == 1 and message in result.errors[0].message
        assert result.errors[0].where == FILE_WHERE


def test_doc_is_converted_by_libreoffice_and_read_as_docx(word_97):
    assert sniff(word_97) == "doc"
    started = time.monotonic()
    result = parse_file(word_97, "bank.doc")
    assert time.monotonic() - started < office.CONVERT_TIMEOUT
    assert result.format == "doc" and problems(result) == []
    assert [(q.text, q.choices, q.correct) for q in result.questions] == [
        ("Ai ban hành Nghị quyết 76/NQ-CP?", ["Quốc hội", "Chính phủ", "Bộ Nội vụ"], [1]),
        ("Năm ban hành Luật Cán bộ, công chức?", ["2008", "2010", "2012"], [0]),
    ]


def test_without_libreoffice_a_doc_is_refused_with_how_to_resave(monkeypatch):
    monkeypatch.setenv("SOFFICE_PATH", "/nonexistent/soffice")
    data = renamed_stream(read("bank.xls"), "Workbook", "WordDocument")
    result = parse_file(data, "bank.doc")
    assert result.format == "doc" and result.questions == []
    assert problems(result) == [(FILE_WHERE, "Mở tệp bằng Word, chọn Lưu thành… (Save As) → Word Document (.docx) "
                                             "rồi tải tệp .docx lên.")]
    assert "Word" in read_rows(data).errors[0].message  # not a spreadsheet


def test_a_conversion_past_the_timeout_is_stopped_with_its_processes(monkeypatch, tmp_path):
    pid_file = tmp_path / "pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pid_file}\nwait\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SOFFICE_PATH", str(fake))
    monkeypatch.setattr(office, "CONVERT_TIMEOUT", 1)
    started = time.monotonic()
    result = parse_file(renamed_stream(read("bank.xls"), "Workbook", "WordDocument"), "bank.doc")
    assert time.monotonic() - started < 5
    assert "mất quá lâu" in problems(result)[0][1] and "Lưu thành" in problems(result)[0][1]
    status = Path(f"/proc/{int(pid_file.read_text())}/status")  # the grandchild went with the group:
    for _ in range(40):  # gone, or dead and not yet reaped (SIGKILL lands when it is next scheduled)
        if not status.exists() or "State:\tZ" in status.read_text():
            break
        time.sleep(0.05)
    else:
        pytest.fail("the process LibreOffice's script started still runs")


def test_a_file_libreoffice_cannot_convert_is_refused(soffice):
    junk = renamed_stream(read("bank.xls"), "Workbook", "WordDocument")
    result = parse_file(junk, "bank.doc")
    assert result.questions == []
    assert len(result.errors) == 1 and "Lưu thành" in result.errors[0].message


def test_the_import_page_reads_an_xls_and_names_the_bad_row(client, db, organizer):
    upload = client.post("/bank/import", data={"csrf_token": csrf_token(client), "topic": "",
                                               "file": (io.BytesIO(read("bank.xls")), "nganhang.xls")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)
    html = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "Luật Ban hành văn bản được thông qua năm nào?" in html and "2012.0" not in html
    assert "05/03/2024" in html and "Chương 1, dòng 6" in html


def test_libreoffice_runs_without_network_where_the_system_allows(monkeypatch, tmp_path):
    if not office._without_network():
        pytest.skip("no unprivileged network namespaces here (unshare -rn)")
    seen = tmp_path / "interfaces"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\ncat /proc/self/net/dev > {seen}\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SOFFICE_PATH", str(fake))
    with pytest.raises(office.ConversionFailed):
        office.convert(b"x", ".doc", "docx")
    interfaces = [line.split(":")[0].strip() for line in seen.read_text().splitlines()[2:]]
    assert interfaces == ["lo"]
