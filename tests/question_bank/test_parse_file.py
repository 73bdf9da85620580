"""parse_file end to end: the content decides the parser whatever the name, and the CLI reports it."""
import io
import json

import pytest
from docx import Document
from sqlalchemy import select

from core.files import MAX_FILE_BYTES
from question_bank.importers import parse_file
from question_bank.models import Question, Topic

from .sheets import csv_text, xlsx

HEADER = ["Câu hỏi", "A", "B", "C", "Đáp án", "Chủ đề"]
ROW = ["Cơ quan nào chủ trì cải cách hành chính?", "Bộ Tư pháp", "Bộ Nội vụ", "Bộ Tài chính", "B", "Bộ máy"]
EXPECTED = [("Cơ quan nào chủ trì cải cách hành chính?", ["Bộ Tư pháp", "Bộ Nội vụ", "Bộ Tài chính"], [1])]


def word() -> bytes:
    document = Document()
    for line in ("Câu 1: Cơ quan nào chủ trì cải cách hành chính?", "A. Bộ Tư pháp", "B. Bộ Nội vụ",
                 "C. Bộ Tài chính", "Đáp án: B"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SOURCES = {
    "csv": lambda: csv_text([HEADER, ROW]).encode(),
    "xlsx": lambda: xlsx([HEADER, ROW]),
    "docx": word,
    "aiken": lambda: f"{ROW[0]}\nA. {ROW[1]}\nB. {ROW[2]}\nC. {ROW[3]}\nANSWER: B\n".encode(),
    "gift": lambda: f"$CATEGORY: $course$/top/Bộ máy\n\n{ROW[0]} {{~{ROW[1]} ={ROW[2]} ~{ROW[3]}}}\n".encode(),
}
NAMES = ["bank.xlsx", "bank.docx", "bank.csv", "bank.txt", "bank.gift", "bank.doc", "bank"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", list(SOURCES))
def test_the_content_picks_the_parser_whatever_the_name(fmt, name):
    result = parse_file(SOURCES[fmt](), name)
    assert result.format == fmt
    assert result.errors == []
    assert [(q.text, q.choices, q.correct) for q in result.questions] == EXPECTED


def test_places_follow_each_format():
    places = {fmt: parse_file(make(), "x").questions[0].where for fmt, make in SOURCES.items()}
    assert places == {"csv": "CSV, dòng 2", "xlsx": "Sheet1, dòng 2", "docx": "Câu 1", "aiken": "Câu 1",
                      "gift": "Câu 1"}


def test_file_over_the_size_limit_is_refused_before_detection():
    result = parse_file("Câu hỏi,A,B,Đáp án\n".encode() + b"x" * MAX_FILE_BYTES, "bank.csv")
    assert [(p.where, p.message) for p in result.errors] == [("Tệp", "Tệp quá lớn (20.0 MB); giới hạn là 20 MB.")]


def test_undecodable_text_is_a_clean_error():
    # 0x81 exists in neither Windows-1258 nor Windows-1252, and it is not UTF-8.
    result = parse_file(b"Thu do? {=Ha Noi ~Hue \x81}\n", "bank.txt")
    assert [(p.where, p.message) for p in result.errors] == [
        ("Tệp", "Không đọc được mã ký tự của tệp; hãy lưu tệp dưới dạng UTF-8.")
    ]


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_cli_imports_a_gift_file_with_its_topic(runner, db, tmp_path):
    path = write(tmp_path, "moodle.xlsx", SOURCES["gift"]())
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 1, "duplicates": 0, "warnings": [], "errors": []}
    stored = db.execute(select(Question.text, Topic.name).join(Topic)).all()
    assert stored == [(ROW[0], "Bộ máy")]


def test_cli_reports_aiken_errors_by_question_and_stores_nothing(runner, db, tmp_path):
    text = SOURCES["aiken"]().decode() + "\nCâu thứ hai?\nA. Có\nB. Không\nANSWER: D\n"
    path = write(tmp_path, "bank.txt", text.encode())
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stdout) == {
        "imported": 0, "duplicates": 0, "warnings": [],
        "errors": [{"where": "Câu 2", "message": "Đáp án D không có trong các phương án."}],
    }
    assert db.scalars(select(Question)).all() == []


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(b"", "Tệp rỗng: không có nội dung nào.", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00", "Tệp ảnh (PNG, JPEG, GIF…) không được hỗ trợ; "
                     "hãy dùng .docx, .xlsx, .csv, Aiken hoặc GIFT.", id="image"),
    ],
)
def test_cli_refusal_still_prints_the_json_object(runner, db, tmp_path, data, message):
    path = write(tmp_path, "bank.docx", data)
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stdout) == {
        "imported": 0, "duplicates": 0, "warnings": [], "errors": [{"where": "Tệp", "message": message}],
    }
