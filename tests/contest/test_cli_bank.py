"""`import-questions` and `export-questions` as SPEC §3 and §4 spell them, on both engines."""
import io
import json
import zipfile

import pytest
from docx import Document
from sqlalchemy import func, select

from contest.extensions import db as _db
from core.files import MAX_FILE_BYTES
from question_bank.models import Choice, Question, SourceDocument, Topic
from tests.support import make_test_app
from tests.factories import make_question
from tests.question_bank.binary_files import encrypted_package
from tests.question_bank.sheets import rewrite_member, set_dimension, xlsx

HEADER = ["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ"]
ROWS = [
    ["Cơ quan nào là cơ quan thường trực giúp Chính phủ chỉ đạo công tác cải cách hành chính nhà nước?",
     "Bộ Nội vụ", "Bộ Tư pháp", "Văn phòng Chính phủ", "Bộ Tài chính", "A", "Bộ máy", "Dễ"],
    ["Dịch vụ công trực tuyến toàn trình cho phép người dân làm gì?", "Nộp hồ sơ và nhận kết quả trực tuyến",
     "Chỉ tra cứu", "Chỉ tải biểu mẫu", "Chỉ đặt lịch", "A", "Chính phủ số", "Trung bình"],
    # a duplicate of row 2 (case, punctuation and choice order differ)
    ["cơ quan nào là cơ quan thường trực giúp chính phủ chỉ đạo công tác cải cách hành chính nhà nước",
     "Bộ Tài chính", "Bộ Nội vụ", "Bộ Tư pháp", "Văn phòng Chính phủ.", "B", "Bộ máy", "Dễ"],
    # a near-duplicate of row 2: one word of twenty changed
    ["Cơ quan nào là cơ quan thường trực giúp Thủ tướng chỉ đạo công tác cải cách hành chính nhà nước?",
     "Bộ Nội vụ", "Bộ Công an", "Thanh tra Chính phủ", "Bộ Y tế", "A", "Bộ máy", "Khó"],
]
REPORT = {
    "imported": 3,
    "duplicates": 1,
    "warnings": [
        {"where": "Sheet1, dòng 4", "message": "Trùng với Sheet1, dòng 2 trong cùng tệp; bỏ qua."},
        {"where": "Sheet1, dòng 5", "message": "Gần giống Sheet1, dòng 2; hãy kiểm tra lại."},
    ],
    "errors": [],
}


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def question_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Question))


def one_json_object(stdout: str) -> dict:
    """SPEC §3: exactly one JSON object on stdout, nothing else."""
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    report = json.loads(lines[0])
    assert list(report) == ["imported", "duplicates", "warnings", "errors"]
    return report


def test_json_report_has_exactly_the_contract_keys_and_values(runner, db, tmp_path):
    path = write(tmp_path, "bank.xlsx", xlsx([HEADER, *ROWS]))
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert one_json_object(result.stdout) == REPORT
    assert result.stderr == ""
    assert question_count(db) == 3
    assert sorted(db.scalars(select(Topic.name))) == ["Bộ máy", "Chính phủ số"]


def test_human_report_names_counts_and_warnings(runner, db, tmp_path):
    path = write(tmp_path, "bank.xlsx", xlsx([HEADER, *ROWS]))
    result = runner.invoke(args=["import-questions", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Đã nhập 3 câu hỏi; 1 câu trùng bị bỏ qua.",
        "Cảnh báo — Sheet1, dòng 4: Trùng với Sheet1, dòng 2 trong cùng tệp; bỏ qua.",
        "Cảnh báo — Sheet1, dòng 5: Gần giống Sheet1, dòng 2; hãy kiểm tra lại.",
    ]


def test_dry_run_stores_nothing_and_reports_the_same(runner, db, tmp_path):
    path = write(tmp_path, "bank.xlsx", xlsx([HEADER, *ROWS]))
    dry = runner.invoke(args=["import-questions", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert one_json_object(dry.stdout) == REPORT
    assert question_count(db) == 0
    assert db.scalar(select(func.count()).select_from(Topic)) == 0

    human = runner.invoke(args=["import-questions", str(path), "--dry-run"])
    assert human.exit_code == 0
    assert human.stdout.splitlines()[0] == "Chạy thử: sẽ nhập 3 câu hỏi; 1 câu trùng sẽ bị bỏ qua. Chưa lưu gì."
    assert question_count(db) == 0

    real = runner.invoke(args=["import-questions", str(path), "--json"])
    assert one_json_object(real.stdout) == REPORT
    assert question_count(db) == 3


def test_dry_run_of_a_bad_file_reports_errors_and_zero(runner, db, tmp_path):
    path = write(tmp_path, "bank.xlsx", xlsx([HEADER, ROWS[0], [*ROWS[1][:5], "", *ROWS[1][6:]]]))
    result = runner.invoke(args=["import-questions", str(path), "--dry-run", "--json"])
    assert result.exit_code != 0
    assert one_json_object(result.stdout) == {
        "imported": 0, "duplicates": 0, "warnings": [],
        "errors": [{"where": "Sheet1, dòng 3", "message": "Thiếu đáp án (ô “Đáp án” để trống)."}],
    }
    assert result.stderr.splitlines() == ["Sheet1, dòng 3: Thiếu đáp án (ô “Đáp án” để trống)."]


def test_errors_store_nothing_and_print_one_line_each(runner, db, tmp_path):
    make_question(text="Câu hỏi có sẵn trong ngân hàng từ trước?")
    db.commit()
    rows = [HEADER, ROWS[0], [*ROWS[1][:5], "E", *ROWS[1][6:]], ROWS[3], ["", "Có", "Không", "", "", "A", "", ""]]
    path = write(tmp_path, "bank.xlsx", xlsx(rows))
    result = runner.invoke(args=["import-questions", str(path)])
    assert result.exit_code != 0
    assert result.stdout.splitlines()[0] == "Không nhập câu hỏi nào: tệp có 2 lỗi, xem từng lỗi bên dưới."
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0] == "Sheet1, dòng 3: Đáp án E không có trong các phương án."
    assert errors[1].startswith("Sheet1, dòng 5: ")
    assert "Traceback" not in result.output
    assert question_count(db) == 1


def _docx() -> bytes:
    document = Document()
    for line in ("Câu 1: Cơ quan nào chủ trì cải cách hành chính?", "A. Bộ Tư pháp", "B. Bộ Nội vụ", "Đáp án: B"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
           b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')


def _entity_bomb(data: bytes, member: str) -> bytes:
    """The part's XML declaration (if any) replaced by a DTD of nested entities, one used inside."""
    def change(xml: bytes) -> bytes:
        body = xml[xml.index(b"?>") + 2:] if xml.startswith(b"<?xml") else xml
        return _LAUGHS + body.replace(b"</", b"&c;</", 1)

    return rewrite_member(data, member, change)


def _zip_bomb() -> bytes:
    """A workbook whose sheet inflates 8 MB of spaces from a few kilobytes."""
    return rewrite_member(xlsx([HEADER, ROWS[0]]), "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 8_000_000, 1))


def _truncated() -> bytes:
    data = xlsx([HEADER, ROWS[0]])
    return data[: len(data) // 2]


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


HOSTILE = {
    "docx-entity-bomb": (lambda: _entity_bomb(_docx(), "word/document.xml"), "bank.docx", "DOCTYPE/ENTITY"),
    "xlsx-entity-bomb": (lambda: _entity_bomb(xlsx([HEADER, ROWS[0]]), "xl/worksheets/sheet1.xml"), "bank.xlsx",
                         "DOCTYPE/ENTITY"),
    "zip-bomb": (_zip_bomb, "bank.xlsx", "zip bomb"),
    "million-rows": (lambda: set_dimension(xlsx([HEADER, ROWS[0]]), "A1:H1000000"), "bank.xlsx", "100.000 dòng"),
    "encrypted": (encrypted_package, "bank.xlsx", "mật khẩu"),
    "corrupt-zip": (_truncated, "bank.xlsx", "hỏng"),
    "png-named-xlsx": (_png, "bank.xlsx", "Tệp ảnh"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_refused_file_still_prints_the_json_object(runner, db, tmp_path, case):
    make, name, words = HOSTILE[case]
    path = write(tmp_path, name, make())
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    report = one_json_object(result.stdout)
    assert (report["imported"], report["duplicates"], report["warnings"]) == (0, 0, [])
    assert [error["where"] for error in report["errors"]] == ["Tệp"]
    assert words in report["errors"][0]["message"]
    assert result.stderr.splitlines() == [f"Tệp: {report['errors'][0]['message']}"]
    assert question_count(db) == 0


def test_a_file_over_the_size_limit_is_refused(runner, db, tmp_path):
    data = xlsx([HEADER, ROWS[0]])
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", b"\x01" * MAX_FILE_BYTES)
    path = write(tmp_path, "bank.xlsx", buffer.getvalue())
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    report = one_json_object(result.stdout)
    assert report["errors"] == [{"where": "Tệp", "message": "Tệp quá lớn (20.0 MB); giới hạn là 20 MB."}]
    assert question_count(db) == 0


@pytest.mark.parametrize("target, message", [
    ("missing.xlsx", "Không tìm thấy tệp “{path}”."),
    ("", "“{path}” là một thư mục, không phải tệp."),
])
def test_an_unreadable_path_is_a_vietnamese_error_in_the_json(runner, db, tmp_path, target, message):
    path = tmp_path / target if target else tmp_path
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    assert one_json_object(result.stdout)["errors"] == [{"where": "Tệp", "message": message.format(path=path)}]
    assert result.stderr.splitlines() == [f"Tệp: {message.format(path=path)}"]


def _bank(db) -> list[tuple]:
    db.expire_all()
    return sorted(
        (q.text, tuple(c.text for c in q.choices), q.correct_choice.letter, q.topic.name if q.topic else None,
         q.difficulty, q.source.title if q.source else None, q.explanation, q.status)
        for q in db.scalars(select(Question))
    )


def test_export_then_import_into_an_empty_database_gives_the_same_bank(runner, db, tmp_path):
    make_question(text="=SUM(A1) trả về gì?", choices=["Tổng các ô", "=A1*2", "-1", "@A1"], topic="Tin học",
                  source="Thông tư 01/2025/TT-BNV", difficulty="hard", explanation="=SUM cộng các ô.")
    make_question(text="Câu hỏi đã ngừng dùng có sáu phương án?", choices=[f"Phương án {n}" for n in range(6)],
                  correct=5, topic=None, status="retired", difficulty="easy")
    make_question(text="Luật Cán bộ, công chức sửa đổi năm nào?", choices=["2012", "2019", "0.5"], correct=1,
                  source="Luật số 52/2019/QH14")
    db.commit()
    before = _bank(db)
    path = tmp_path / "ngan-hang.xlsx"
    result = runner.invoke(args=["export-questions", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Đã xuất 3 câu hỏi ra {path}."

    fresh = make_test_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "instance")
    try:
        imported = fresh.test_cli_runner().invoke(args=["import-questions", str(path), "--json"])
        assert imported.exit_code == 0, imported.output
        assert one_json_object(imported.stdout) == {"imported": 3, "duplicates": 0, "warnings": [], "errors": []}
        with fresh.app_context():
            assert _bank(_db.session) == before
            assert _db.session.scalar(select(func.count()).select_from(Choice)) == 4 + 6 + 3
            assert _db.session.scalar(select(func.count()).select_from(SourceDocument)) == 2
            _db.session.remove()
    finally:
        with fresh.app_context():
            _db.engine.dispose()


def test_export_into_a_missing_folder_is_a_vietnamese_error(runner, db, tmp_path):
    make_question()
    db.commit()
    path = tmp_path / "khong-co" / "ngan-hang.xlsx"
    result = runner.invoke(args=["export-questions", str(path)])
    assert result.exit_code != 0
    assert result.stderr.splitlines() == [
        f"Không ghi được tệp “{path}”: thư mục “{path.parent}” không tồn tại; hãy tạo thư mục trước."
    ]
    assert "Traceback" not in result.output and result.stdout == ""
    assert not path.parent.exists()


def test_export_onto_a_folder_is_a_vietnamese_error(runner, db, tmp_path):
    folder = tmp_path / "xuat"
    folder.mkdir()
    result = runner.invoke(args=["export-questions", str(folder)])
    assert result.exit_code != 0
    assert result.stderr.splitlines() == [f"“{folder}” là một thư mục, không phải tệp."]
    assert list(folder.iterdir()) == []
