"""The shared checks of a person's details (contest/services/users/identity.py): pure, no database."""
from datetime import date

import pytest

from contest.services.people import participant_import
from contest.services.users import identity

TODAY = date(2026, 12, 1)
PHONE_MESSAGE = ("Số điện thoại “{}” không hợp lệ: cần số di động Việt Nam 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
                 "hoặc 09 (ví dụ 0912 345 678 hoặc +84 912 345 678).")


def test_the_import_uses_the_shared_validators():
    assert participant_import.normalize_phone is identity.normalize_phone
    assert participant_import.parse_birth_date is identity.parse_birth_date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 0912 345 678", "0912345678"),  # the trunk zero typed after +84
        ("84912345678", "0912345678"),
        ("84 912.345.678", "0912345678"),
        ("(+84) 86 123 4567", "0861234567"),
        ("912345678", "0912345678"),
        ("0356789012", "0356789012"),
        ("0523456789", "0523456789"),
        ("0701234567", "0701234567"),
        ("0812345678", "0812345678"),
    ],
)
def test_mobile_numbers_are_normalized(text, expected):
    assert identity.normalize_phone(text) == expected
    assert identity.check_phone(text) == (expected, None)


@pytest.mark.parametrize(
    "text",
    ["0212345678", "0412345678", "0612345678", "0112345678", "1912345678", "091234567", "09123456789",
     "+85 912 345 678", "0912 345 67a", "abc", ""],
)
def test_bad_mobile_numbers(text):
    assert identity.normalize_phone(text) is None
    assert identity.check_phone(text) == (None, PHONE_MESSAGE.format(text))


def test_old_eleven_digit_numbers_get_a_hint():
    phone, message = identity.check_phone("0168 123 4567")
    assert phone is None
    assert message == ("Số điện thoại “0168 123 4567” là đầu số cũ 11 chữ số; hãy nhập số mới 10 chữ số "
                       "(ví dụ 0168 xxx xxxx nay là 038 xxx xxxx).")


@pytest.mark.parametrize(
    "text, expected",
    [("an@snv.gov.vn", "an@snv.gov.vn"), ("An.Nguyen@SNV.Gov.VN", "an.nguyen@snv.gov.vn"),
     ("a+b@mail.example.com", "a+b@mail.example.com")],
)
def test_good_emails_are_lower_cased(text, expected):
    assert identity.check_email(text) == (expected, None)


@pytest.mark.parametrize("text", ["an@", "an@snv", "@snv.gov.vn", "an snv@gov.vn", "an@@snv.vn", "an@snv.v",
                                  "a" * 250 + "@x.vn"])
def test_bad_emails(text):
    email, message = identity.check_email(text)
    assert email is None
    assert message == f"Email “{text.lower()[:identity.MAX_EMAIL]}” không hợp lệ (ví dụ ten@donvi.gov.vn)."


@pytest.mark.parametrize(
    "text, expected, message",
    [
        ("15/03/1985", date(1985, 3, 15), None),
        ("1985-03-15", date(1985, 3, 15), None),  # what <input type=date> sends
        ("01/12/2011", date(2011, 12, 1), None),  # 15 today
        ("02/12/2011", None,
         "Ngày sinh “02/12/2011” cho tuổi 14, ngoài khoảng 15–100 tuổi; hãy kiểm tra lại năm sinh."),
        ("2020-01-01", None, "Ngày sinh “2020-01-01” cho tuổi 6, ngoài khoảng 15–100 tuổi; hãy kiểm tra lại năm sinh."),
        ("02/12/2026", None, "Ngày sinh “02/12/2026” ở tương lai."),
        ("2027-01-01", None, "Ngày sinh “2027-01-01” ở tương lai."),
        ("30/02/1990", None, "Ngày sinh “30/02/1990” không có thật (ngày/tháng/năm)."),
        ("15/3/85", None, "Ngày sinh “15/3/85”: hãy ghi năm đủ 4 chữ số (ví dụ 15/03/1985)."),
        ("mười lăm", None, "Ngày sinh “mười lăm” không đúng dạng ngày/tháng/năm (ví dụ 15/03/1985)."),
    ],
)
def test_birth_dates(text, expected, message):
    assert identity.parse_birth_date(text, TODAY) == (expected, message)


@pytest.mark.parametrize(
    "text, expected",
    [("001085012345", "001085012345"), ("001 085 012 345", "001085012345"), ("001.085.012.345", "001085012345"),
     ("123456789", "123456789")],
)
def test_good_id_numbers(text, expected):
    assert identity.check_id_number(text) == (expected, None)


@pytest.mark.parametrize("text", ["12345678", "1234567890", "12345678901", "0010850123456", "00108501234a", "CCCD"])
def test_bad_id_numbers(text):
    assert identity.check_id_number(text) == (
        None,
        f"Số CCCD/CMND “{text}” không hợp lệ: căn cước công dân có 12 chữ số, chứng minh nhân dân cũ có 9 chữ số.")


@pytest.mark.parametrize(
    "password, message",
    [
        ("Abc12345", None),
        ("mật khẩu dài", None),
        ("Abc1234", "Mật khẩu phải có ít nhất 8 ký tự."),
        ("12345678", "Mật khẩu không được chỉ gồm chữ số; hãy thêm chữ cái."),
        ("NguyenVanAn", "Mật khẩu không được trùng với tên đăng nhập hoặc số điện thoại."),
        ("x" * 201, "Mật khẩu dài tối đa 200 ký tự."),
    ],
)
def test_passwords(password, message):
    assert identity.password_error(password, username="nguyenvanan", phone="0912345678") == message


@pytest.mark.parametrize(
    "username, message",
    [("nguyen.van-an_01", None), ("an@snv.gov.vn", None),
     ("nguyễn an", "Tên đăng nhập “nguyễn an” không hợp lệ: chỉ dùng chữ không dấu, chữ số và . _ - @, "
                   "không có dấu cách, tối đa 100 ký tự."),
     (".an", "Tên đăng nhập “.an” không hợp lệ: chỉ dùng chữ không dấu, chữ số và . _ - @, "
             "không có dấu cách, tối đa 100 ký tự.")],
)
def test_usernames(username, message):
    assert identity.username_error(username) == message


@pytest.mark.parametrize(
    "name, message",
    [("Nguyễn Văn An", None), ("H'Hen Niê", None), ("12345", "Họ và tên “12345” phải có chữ cái."),
     ("A" * 201, "Họ và tên dài quá 200 ký tự.")],
)
def test_full_names(name, message):
    assert identity.full_name_error(name) == message
