"""export-questions / import-questions through the CLI: round trip, formula safety, --json, all-or-nothing."""
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from question_bank.exporter import write_xlsx
from question_bank.models import Choice, Question, SourceDocument, Topic
from tests.factories import make_question

from .binary_files import encrypted_package
from .sheets import csv_text, xlsx


def bank(db) -> list[tuple]:
    """The whole bank as comparable tuples, independent of ids and insertion order."""
    db.expire_all()
    rows = []
    for q in db.scalars(select(Question)):
        rows.append((
            q.text,
            tuple(c.text for c in q.choices),
            q.correct_choice.letter,
            q.topic.name if q.topic else None,
            q.difficulty,
            q.source.title if q.source else None,
            q.explanation,
            q.status,
        ))
    return sorted(rows)


def question_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Question))


def make_sample_bank():
    make_question(
        text="=SUM(A1) trả về gì?", choices=["Tổng các ô", "=A1*2", "-1", "@A1"], correct=0, topic="Tin học văn phòng",
        source="Thông tư 01/2025/TT-BNV", difficulty="hard", explanation="=SUM cộng các ô được chọn.",
    )
    make_question(text="+84 là mã điện thoại của nước nào?", choices=["Lào", "Việt Nam"], correct=1, topic=None,
                  difficulty="easy")
    make_question(
        text="Luật Cán bộ, công chức được sửa đổi, bổ sung năm nào?", choices=["2012", "2019", "0.5", "1e5"],
        correct=1, source="Luật số 52/2019/QH14", explanation="Luật số 52/2019/QH14 ngày 25/11/2019.",
    )
    make_question(
        text="Câu hỏi đã ngừng dùng có sáu phương án?", choices=[f"Phương án thứ {n}" for n in range(1, 7)],
        correct=5, topic="Cải cách thủ tục hành chính", status="retired",
    )
    make_question(text="- Dấu gạch đầu dòng ở đầu câu hỏi có được giữ?", choices=["Có", "Không"], correct=0,
                  topic="Tin học văn phòng", difficulty="medium")


def test_export_then_import_round_trips_the_bank(runner, db, tmp_path):
    make_sample_bank()
    db.commit()
    before = bank(db)
    path = tmp_path / "ngan-hang.xlsx"

    result = runner.invoke(args=["export-questions", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã xuất 5 câu hỏi" in result.output

    workbook = load_workbook(path)
    sheet = workbook.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell for cell in cells if cell.data_type == "f"] == []
    formula_like = {cell.value: cell for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@"}
    assert set(formula_like) == {
        "=SUM(A1) trả về gì?", "=A1*2", "-1", "@A1", "=SUM cộng các ô được chọn.",
        "+84 là mã điện thoại của nước nào?", "- Dấu gạch đầu dòng ở đầu câu hỏi có được giữ?",
    }
    assert all(cell.quotePrefix and cell.data_type == "s" for cell in formula_like.values())
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header == ["Câu hỏi", "A", "B", "C", "D", "E", "F", "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích",
                      "Trạng thái"]
    assert all(cell.font.bold for cell in next(sheet.iter_rows(max_row=1)))
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 60
    difficulties = {row[0]: row[9] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert difficulties["=SUM(A1) trả về gì?"] == "Khó"
    assert difficulties["+84 là mã điện thoại của nước nào?"] == "Dễ"
    workbook.close()

    for model in (Choice, Question, Topic, SourceDocument):
        db.execute(delete(model))
    db.commit()
    assert question_count(db) == 0

    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["imported"], report["duplicates"], report["errors"]) == (5, 0, [])
    assert bank(db) == before


def test_export_of_an_empty_bank_is_a_template(db, tmp_path):
    path = tmp_path / "trong.xlsx"
    assert write_xlsx(db, path) == 0
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert rows == [("Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích", "Trạng thái")]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


HEADER = ["STT", "Câu hỏi", "A", "B", "C", "Đáp án", "Chủ đề"]
GOOD_ROWS = [
    [1, "Cơ quan nào tiếp nhận hồ sơ một cửa?", "Bộ phận Một cửa", "Văn thư", "Bảo vệ", "A", "Một cửa"],
    [2, "Dịch vụ công trực tuyến toàn trình là gì?", "Nộp và nhận kết quả trực tuyến", "Chỉ tra cứu", None, "a", None],
    [3, "Năm ban hành Nghị định 61/2018/NĐ-CP?", 2017, 2018, 2019, 2018, "Một cửa"],
]


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_json_reports_exactly_the_contract_keys(runner, db, tmp_path):
    path = write(tmp_path, "bank.xlsx", xlsx([["NGÂN HÀNG CÂU HỎI"], HEADER, *GOOD_ROWS]))
    result = runner.invoke(args=["import-questions", str(path), "--json", "--topic", "Chung"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == {"imported": 3, "duplicates": 0, "warnings": [], "errors": []}
    topics = dict(db.execute(select(Question.text, Topic.name).join(Topic)).all())
    assert topics["Dịch vụ công trực tuyến toàn trình là gì?"] == "Chung"
    assert topics["Năm ban hành Nghị định 61/2018/NĐ-CP?"] == "Một cửa"
    third = db.scalar(select(Question).where(Question.text.startswith("Năm ban hành")))
    assert [c.text for c in third.choices] == ["2017", "2018", "2019"]
    assert third.correct_choice.letter == "B"

    again = runner.invoke(args=["import-questions", str(path), "--json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert (report["imported"], report["duplicates"], report["errors"]) == (0, 3, [])
    assert [w["where"] for w in report["warnings"]] == ["Sheet1, dòng 3", "Sheet1, dòng 4", "Sheet1, dòng 5"]
    assert question_count(db) == 3


def test_dry_run_stores_nothing_and_reports_the_same(runner, db, tmp_path):
    path = write(tmp_path, "bank.xlsx", xlsx([HEADER, *GOOD_ROWS]))
    result = runner.invoke(args=["import-questions", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 3, "duplicates": 0, "warnings": [], "errors": []}
    assert question_count(db) == 0
    assert db.scalar(select(func.count()).select_from(Topic)) == 0


def test_one_bad_row_stores_nothing_and_every_bad_row_is_named(runner, db, tmp_path):
    rows = [HEADER, GOOD_ROWS[0], [4, "Thiếu đáp án?", "Có", "Không", None, None, None], GOOD_ROWS[1],
            [5, "Đáp án lạ?", "Có", "Không", None, "E", None], GOOD_ROWS[2]]
    path = write(tmp_path, "bank.xlsx", xlsx(rows))

    result = runner.invoke(args=["import-questions", str(path)])
    assert result.exit_code != 0
    assert "Sheet1, dòng 3: Thiếu đáp án (ô “Đáp án” để trống)." in result.stderr
    assert "Sheet1, dòng 5: Đáp án E không có trong các phương án." in result.stderr
    assert question_count(db) == 0

    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    report = json.loads(result.stdout)
    assert report["imported"] == 0
    assert report["errors"] == [
        {"where": "Sheet1, dòng 3", "message": "Thiếu đáp án (ô “Đáp án” để trống)."},
        {"where": "Sheet1, dòng 5", "message": "Đáp án E không có trong các phương án."},
    ]
    assert question_count(db) == 0


def test_csv_import_through_the_cli(runner, db, tmp_path):
    rows = [["Câu hỏi", "Phương án A", "Phương án B", "Đáp án", "Mức độ"], ["Hỏi qua CSV?", "Có", "Không", "Không", "3"]]
    path = write(tmp_path, "bank.csv", csv_text(rows, ";").encode("utf-8-sig"))
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 1
    question = db.scalar(select(Question))
    assert (question.text, question.correct_choice.text, question.difficulty) == ("Hỏi qua CSV?", "Không", "hard")


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(encrypted_package(), "mật khẩu", id="encrypted"),
        pytest.param(b"PK\x03\x04broken", "Không nhận ra định dạng", id="corrupt-zip"),
    ],
)
def test_refused_workbook_still_prints_the_json_object(runner, db, tmp_path, data, message):
    path = write(tmp_path, "bank.xlsx", data)
    result = runner.invoke(args=["import-questions", str(path), "--json"])
    assert result.exit_code != 0
    report = json.loads(result.stdout)
    assert report["imported"] == 0 and len(report["errors"]) == 1
    assert report["errors"][0]["where"] == "Tệp" and message in report["errors"][0]["message"]
