"""`export-results ROUND_ID FILE.xlsx` (SPEC §3)."""
from openpyxl import load_workbook
from sqlalchemy import select

from contest.models import AuditLog
from tests.factories import finish, make_bank, make_contest, make_round, make_user


def test_writes_the_workbook(db, runner, tmp_path):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    finish(round_, make_user(full_name="Lê Thị Hoa"), 3, max_score=3)
    db.commit()
    path = tmp_path / "ket-qua.xlsx"
    result = runner.invoke(args=["export-results", str(round_.id), str(path)])
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["Xếp hạng cá nhân", "Xếp hạng đơn vị", "Thống kê câu hỏi", "Thông tin"]
    assert book["Xếp hạng cá nhân"]["B2"].value == "Lê Thị Hoa"
    assert db.scalars(select(AuditLog.action)).all()[-1] == "results.export"


def test_errors_exit_non_zero_and_write_nothing(db, runner, tmp_path):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    db.commit()
    cases = [
        (["export-results", "999999", str(tmp_path / "a.xlsx")], "Không có đợt thi số 999999."),
        (["export-results", str(round_.id), str(tmp_path / "a.csv")], "phải có đuôi .xlsx"),
        (["export-results", str(round_.id), str(tmp_path / "khong-co" / "a.xlsx")], "không tồn tại"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert message in result.output
    assert list(tmp_path.iterdir()) == []
