"""Importing participants (SPEC §3 `import-participants`): validation, duplicates, activation links."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import User
from contest.services.people.participant_import import import_participants, normalize_phone, parse_birth_date
from contest.services.users import activation
from core.files import FILE_WHERE
from tests.factories import make_unit, make_user
from tests.question_bank.binary_files import read
from tests.question_bank.sheets import add_member, cp1258, csv_text, xlsx

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
HEADER = ["STT", "Tên đăng nhập", "Số điện thoại", "Họ và tên", "Mã đơn vị", "Email", "Ngày sinh"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def units(db):
    make_unit(code="SNV", name="Sở Nội vụ")
    make_unit(code="STP", name="Sở Tư pháp")
    db.commit()


def problems(report):
    return [(p.where, p.message) for p in report.errors]


def count_participants(db) -> int:
    return db.scalar(select(func.count()).select_from(User).where(User.role == "participant"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("912345678", "0912345678"),  # a number cell: Excel dropped the leading zero
        ("0356-789-012", "0356789012"),
        ("(+84) 86 123 4567", "0861234567"),
        ("0212345678", None),  # a landline prefix
        ("091234567", None),  # 9 digits
        ("09123456789", None),  # 11 digits
        ("0612345678", None),
        ("abc", None),
    ],
)
def test_phone_numbers(text, expected):
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    "text, expected, message",
    [
        ("15/03/1985", date(1985, 3, 15), None),
        ("5/3/1985", date(1985, 3, 5), None),
        ("15-03-1985", date(1985, 3, 15), None),
        ("15.03.1985", date(1985, 3, 15), None),
        ("1985-03-15", date(1985, 3, 15), None),
        ("01/12/2011", date(2011, 12, 1), None),  # exactly 15 today
        ("02/12/2011", None, "Ngày sinh “02/12/2011” cho tuổi 14, ngoài khoảng 15–100 tuổi; "
                             "hãy kiểm tra lại năm sinh."),
        ("01/12/1926", date(1926, 12, 1), None),  # exactly 100
        ("30/11/1925", None, "Ngày sinh “30/11/1925” cho tuổi 101, ngoài khoảng 15–100 tuổi; "
                             "hãy kiểm tra lại năm sinh."),
        ("02/12/2026", None, "Ngày sinh “02/12/2026” ở tương lai."),
        ("31/02/1990", None, "Ngày sinh “31/02/1990” không có thật (ngày/tháng/năm)."),
        ("15/03/85", None, "Ngày sinh “15/03/85”: hãy ghi năm đủ 4 chữ số (ví dụ 15/03/1985)."),
        ("tháng 3/1985", None, "Ngày sinh “tháng 3/1985” không đúng dạng ngày/tháng/năm (ví dụ 15/03/1985)."),
        ("31123", None, "Ngày sinh “31123” không đúng dạng ngày/tháng/năm (ví dụ 15/03/1985)."),
    ],
)
def test_birth_dates(text, expected, message):
    assert parse_birth_date(text, TODAY) == (expected, message)


def test_import_creates_accounts_without_password_and_with_activation_tokens(db, units):
    rows = [
        [1, "nguyenvanan", "0912 345 678", "Nguyễn Văn An", "SNV", "An.Nguyen@SNV.gov.vn", datetime(1985, 3, 15)],
        [2, "", 987654321, "Trần Thị Bình", "STP", "", "20/10/1990"],  # username from the phone
    ]
    report = import_participants(db, xlsx([["DANH SÁCH THÍ SINH"], HEADER, *rows]))
    db.commit()
    assert problems(report) == [] and report.warnings == []
    assert report.imported == 2
    users = {user.username: user for user in db.scalars(select(User))}
    an, binh = users["nguyenvanan"], users["0987654321"]
    assert (an.full_name, an.unit.code, an.phone, an.email, an.date_of_birth, an.role) == (
        "Nguyễn Văn An", "SNV", "0912345678", "an.nguyen@snv.gov.vn", date(1985, 3, 15), "participant",
    )
    assert (binh.phone, binh.email, binh.date_of_birth, binh.unit.code) == (
        "0987654321", None, date(1990, 10, 20), "STP",
    )
    assert not an.check_password("") and not an.check_password(activation.NO_PASSWORD)
    tokens = {item.username: item.token for item in report.activations}
    assert [(item.username, item.full_name, item.unit_code) for item in report.activations] == [
        ("nguyenvanan", "Nguyễn Văn An", "SNV"), ("0987654321", "Trần Thị Bình", "STP"),
    ]
    assert activation.find(db, tokens["nguyenvanan"]) is an
    assert an.activation_expires_at == NOW + activation.TTL
    assert tokens["nguyenvanan"].split(".")[1] not in an.activation_token_hash  # only a hash is stored


def test_english_headers_and_windows_1258_csv(db, units):
    rows = [["Username", "Phone", "Full name", "Unit code", "Email", "Date of birth"],
            ["lethic", "", "Lê Thị Cúc", "SNV", "", "01/01/1980"]]
    report = import_participants(db, cp1258(csv_text(rows, ";")))
    assert problems(report) == []
    assert [(row.username, row.full_name) for row in report.rows] == [("lethic", "Lê Thị Cúc")]


def test_headers_without_diacritics_and_utf8_bom(db, units):
    rows = [["Ho va ten", "So dien thoai", "Ma don vi", "Ngay sinh"],
            ["Phạm Văn Dũng", "0356789012", "STP", "2/9/1975"]]
    report = import_participants(db, csv_text(rows).encode("utf-8-sig"))
    db.commit()
    assert problems(report) == []
    assert db.scalar(select(User.username).where(User.full_name == "Phạm Văn Dũng")) == "0356789012"


@pytest.mark.parametrize(
    "row, expected",
    [
        (["", "", "Không ai", "SNV", "", "01/01/1980"], "Cần tên đăng nhập hoặc số điện thoại."),
        (["x1", "0212345678", "A", "SNV", "", "01/01/1980"],
         "Số điện thoại “0212345678” không hợp lệ: cần số di động Việt Nam 10 chữ số bắt đầu bằng "
         "03, 05, 07, 08 hoặc 09 (ví dụ 0912 345 678 hoặc +84 912 345 678)."),
        (["nguyễn an", "", "A", "SNV", "", "01/01/1980"],
         "Tên đăng nhập “nguyễn an” không hợp lệ: chỉ dùng chữ không dấu, chữ số và . _ - @, không có dấu cách, "
         "tối đa 100 ký tự."),
        (["x2", "", "", "SNV", "", "01/01/1980"], "Thiếu họ và tên."),
        (["x3", "", "A", "", "", "01/01/1980"], "Thiếu mã đơn vị."),
        (["x4", "", "A", "KHONG", "", "01/01/1980"],
         "Không có đơn vị mã “KHONG”; hãy nhập danh sách đơn vị trước (mã phân biệt chữ hoa, chữ thường)."),
        (["x5", "", "A", "SNV", "an@", "01/01/1980"], "Email “an@” không hợp lệ (ví dụ ten@donvi.gov.vn)."),
        (["x6", "", "A", "SNV", "an@snv", "01/01/1980"], "Email “an@snv” không hợp lệ (ví dụ ten@donvi.gov.vn)."),
        (["x7", "", "A", "SNV", "", ""], "Thiếu ngày sinh."),
        (["x8", "", "A", "SNV", "", "01/01/2030"], "Ngày sinh “01/01/2030” ở tương lai."),
        (["x9", "", "A", "SNV", "", "01/01/1900"],
         "Ngày sinh “01/01/1900” cho tuổi 126, ngoài khoảng 15–100 tuổi; hãy kiểm tra lại năm sinh."),
    ],
    ids=["no-login", "landline", "bad-username", "no-name", "no-unit", "unknown-unit", "email-no-domain",
         "email-no-tld", "no-birth-date", "future", "too-old"],
)
def test_row_errors(db, units, row, expected):
    good = ["tot", "0912345678", "Người tốt", "SNV", "tot@snv.gov.vn", "01/01/1980"]
    report = import_participants(db, xlsx([HEADER[1:], good, row]))
    assert problems(report) == [("Sheet1, dòng 3", expected)]
    assert report.imported == 0
    db.rollback()
    assert count_participants(db) == 0


def test_duplicates_within_the_file(db, units):
    rows = [
        ["an", "0912345678", "An", "SNV", "an@snv.gov.vn", "01/01/1980"],
        ["an", "", "An 2", "SNV", "", "01/01/1980"],
        ["binh", "+84 912 345 678", "Bình", "SNV", "", "01/01/1980"],
        ["cuc", "", "Cúc", "SNV", "AN@snv.gov.vn", "01/01/1980"],
        ["0912345678", "", "Dũng", "SNV", "", "01/01/1980"],
    ]
    report = import_participants(db, xlsx([HEADER[1:], *rows]))
    assert problems(report) == [
        ("Sheet1, dòng 3", "Tên đăng nhập “an” trùng với Sheet1, dòng 2."),
        ("Sheet1, dòng 4", "Số điện thoại “0912345678” trùng với Sheet1, dòng 2."),
        ("Sheet1, dòng 5", "Email “an@snv.gov.vn” trùng với Sheet1, dòng 2."),
        ("Sheet1, dòng 6", "Tên đăng nhập “0912345678” trùng với Sheet1, dòng 2."),
    ]


def test_duplicates_against_existing_accounts(db, units):
    make_user(username="an", phone="0912345678", email="an@snv.gov.vn")
    make_user(username="0987654321")
    db.commit()
    rows = [
        ["an", "", "An", "SNV", "", "01/01/1980"],
        ["binh", "0912.345.678", "Bình", "SNV", "", "01/01/1980"],
        ["cuc", "", "Cúc", "SNV", "An@SNV.gov.vn", "01/01/1980"],
        ["", "0987654321", "Dũng", "SNV", "", "01/01/1980"],  # the phone would be the username
        ["em", "", "Em", "SNV", "", "01/01/1980"],
    ]
    report = import_participants(db, xlsx([HEADER[1:], *rows]))
    assert problems(report) == [
        ("Sheet1, dòng 2", "Tên đăng nhập “an” đã được dùng cho tài khoản “an”."),
        ("Sheet1, dòng 3", "Số điện thoại “0912345678” đã được dùng cho tài khoản “an”."),
        ("Sheet1, dòng 4", "Email “an@snv.gov.vn” đã được dùng cho tài khoản “an”."),
        ("Sheet1, dòng 5", "Tên đăng nhập “0987654321” đã được dùng cho tài khoản “0987654321”."),
        ("Sheet1, dòng 5", "Số điện thoại “0987654321” đã được dùng cho tài khoản “0987654321”."),
    ]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == 2  # "em" was not stored either


def test_a_row_with_several_problems_reports_each(db, units):
    row = ["", "123", "", "NOPE", "x@", "99/99/1999"]
    report = import_participants(db, xlsx([HEADER[1:], row]))
    assert [message for _where, message in problems(report)] == [
        "Số điện thoại “123” không hợp lệ: cần số di động Việt Nam 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09 "
        "(ví dụ 0912 345 678 hoặc +84 912 345 678).",
        "Thiếu họ và tên.",
        "Email “x@” không hợp lệ (ví dụ ten@donvi.gov.vn).",
        "Ngày sinh “99/99/1999” không có thật (ngày/tháng/năm).",
        "Không có đơn vị mã “NOPE”; hãy nhập danh sách đơn vị trước (mã phân biệt chữ hoa, chữ thường).",
    ]


@pytest.mark.parametrize(
    "rows, where, message",
    [
        ([["Tên đăng nhập", "Họ và tên", "Mã đơn vị"], ["an", "An", "SNV"]], "Sheet1, dòng 1",
         "Thiếu cột “Ngày sinh” ở dòng tiêu đề."),
        ([["Họ và tên", "Mã đơn vị", "Ngày sinh"], ["An", "SNV", "01/01/1980"]], FILE_WHERE,
         "Không tìm thấy dòng tiêu đề trong 20 dòng đầu; cần các cột “Họ và tên”, “Mã đơn vị” và "
         "“Tên đăng nhập” hoặc “Số điện thoại”."),
        ([HEADER], FILE_WHERE, "Tệp có dòng tiêu đề nhưng không có thí sinh nào."),
    ],
    ids=["no-birth-date-column", "no-login-column", "no-rows"],
)
def test_layout_errors(db, units, rows, where, message):
    report = import_participants(db, xlsx(rows))
    assert problems(report)[0] == (where, message)


def test_hostile_workbook_is_refused(db, units):
    data = add_member(xlsx([HEADER, [1, "an", "", "An", "SNV", "", "01/01/1980"]]), "xl/media/a.bin",
                      b"\0" * 20_000_000)
    report = import_participants(db, data)
    assert problems(report) == [(FILE_WHERE, "Tệp nén bất thường (zip bomb): dung lượng giải nén quá lớn.")]


def test_dry_run_creates_nothing_and_issues_no_token(db, units):
    report = import_participants(db, xlsx([HEADER[1:], ["an", "", "An", "SNV", "", "01/01/1980"]]), dry_run=True)
    assert (report.imported, report.activations) == (1, [])
    db.rollback()
    assert count_participants(db) == 0


# --- the command -----------------------------------------------------------------------------


def test_command_prints_accounts_with_links_once(runner, db, units, tmp_path, client):
    path = tmp_path / "thi-sinh.xlsx"
    path.write_bytes(xlsx([HEADER[1:], ["an", "0912345678", "Nguyễn Văn An", "SNV", "", "15/03/1985"]]))
    result = runner.invoke(args=["import-participants", str(path), "--json", "--base-url", "https://thi.example.vn/"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["imported"], body["errors"], body["warnings"]) == (1, [], [])
    assert "updated" not in body
    [account] = body["accounts"]
    assert (account["username"], account["full_name"], account["unit_code"]) == ("an", "Nguyễn Văn An", "SNV")
    prefix = "https://thi.example.vn/activate/"
    assert account["activation_url"].startswith(prefix)
    # The link the command printed is the one the site accepts.
    assert client.get("/activate/" + account["activation_url"][len(prefix):]).status_code == 200
    again = runner.invoke(args=["import-participants", str(path)])
    assert again.exit_code == 1
    assert again.stderr.splitlines() == [
        "Sheet1, dòng 2: Tên đăng nhập “an” đã được dùng cho tài khoản “an”.",
        "Sheet1, dòng 2: Số điện thoại “0912345678” đã được dùng cho tài khoản “an”.",
    ]


def test_command_text_output_and_dry_run(runner, db, units, tmp_path):
    path = tmp_path / "thi-sinh.csv"
    path.write_bytes(csv_text([HEADER[1:], ["an", "", "An", "SNV", "", "15/03/1985"]]).encode())
    dry = runner.invoke(args=["import-participants", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0
    assert json.loads(dry.stdout) == {"imported": 1, "errors": [], "warnings": [], "accounts": []}
    assert count_participants(db) == 0
    result = runner.invoke(args=["import-participants", str(path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Đã tạo 1 tài khoản thí sinh."
    assert lines[2].startswith("an\tAn\thttp://127.0.0.1:5000/activate/")


def test_command_errors_exit_non_zero_and_store_nothing(runner, db, units, tmp_path):
    path = tmp_path / "thi-sinh.csv"
    rows = [["an", "", "An", "SNV", "", "15/03/1985"], ["binh", "", "Bình", "KHONG", "", "15/03/1985"]]
    path.write_bytes(csv_text([HEADER[1:], *rows]).encode())
    result = runner.invoke(args=["import-participants", str(path), "--json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert (body["imported"], body["accounts"]) == (0, [])
    assert body["errors"] == [{"where": "CSV, dòng 3", "message": "Không có đơn vị mã “KHONG”; hãy nhập danh sách "
                                                                 "đơn vị trước (mã phân biệt chữ hoa, chữ thường)."}]
    assert count_participants(db) == 0


def test_tokens_expire_after_the_ttl(db, units):
    report = import_participants(db, xlsx([HEADER[1:], ["an", "", "An", "SNV", "", "15/03/1985"]]))
    db.commit()
    token = report.activations[0].token
    with time_machine.travel(NOW + activation.TTL - timedelta(seconds=1), tick=False):
        assert activation.find(db, token) is not None
    with time_machine.travel(NOW + activation.TTL, tick=False):
        assert activation.find(db, token) is None


def test_an_old_excel_file_imports_as_its_xlsx(db, units):
    # tests/question_bank/files/participants.xls: made by LibreOffice from binary_files.PARTICIPANTS,
    # with a phone typed as a number (leading zero dropped) and a real date cell.
    report = import_participants(db, read("participants.xls"))
    db.commit()
    assert problems(report) == [] and report.imported == 2
    users = {user.username: user for user in db.scalars(select(User))}
    assert (users["an"].phone, users["an"].date_of_birth, users["an"].unit.code) == ("0912345678", date(1985, 3, 15), "SNV")
    assert (users["binh"].phone, users["binh"].email, users["binh"].date_of_birth) == (
        "0356789012", "binh@example.vn", date(1990, 2, 1))
