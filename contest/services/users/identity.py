"""Checking what a person says about themselves: username, phone, email, date of birth, ID number.

Shared by the participant import, self-registration and the organizer's edit page, so a phone
typed in a form and one read from a workbook are the same number. Each check returns the clean
value or a Vietnamese message naming the field and the value; none touches the database.
"""
import re
from datetime import date

from flask_babel import gettext as _

MAX_USERNAME, MAX_NAME, MAX_EMAIL = 100, 200, 254
MIN_AGE, MAX_AGE = 15, 100
MIN_PASSWORD, MAX_PASSWORD = 8, 200

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_PHONE_NOISE = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"0[35789]\d{8}")
_OLD_MOBILE = re.compile(r"01\d{9}")  # 11-digit numbers renumbered to 10 digits in 2018
_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?: 00:00(?::00)?)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_ID_NOISE = re.compile(r"[\s.\-]")
_ID_NUMBER = re.compile(r"\d{9}|\d{12}")


def _phone_digits(text: str) -> str:
    digits = _PHONE_NOISE.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:].removeprefix("0")  # "+84 0912…": the trunk zero typed as well
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits[:1] in "35789":
        digits = "0" + digits  # a number cell: Excel dropped the leading zero
    return digits


def normalize_phone(text: str) -> str | None:
    """A Vietnamese mobile number as 0xxxxxxxxx: +84/84 prefixes, spaces and dots accepted, and
    Excel's lost leading zero (a number cell 912345678) restored. None when it is no such number."""
    digits = _phone_digits(text)
    return digits if _MOBILE.fullmatch(digits) else None


def phone_error(text: str) -> str:
    """Why `text` is not a mobile number (call only when normalize_phone gave None)."""
    if _OLD_MOBILE.fullmatch(_phone_digits(text)):
        return _("Số điện thoại “%(phone)s” là đầu số cũ 11 chữ số; hãy nhập số mới 10 chữ số "
                 "(ví dụ 0168 xxx xxxx nay là 038 xxx xxxx).", phone=text)
    return _("Số điện thoại “%(phone)s” không hợp lệ: cần số di động Việt Nam 10 chữ số bắt đầu bằng "
             "03, 05, 07, 08 hoặc 09 (ví dụ 0912 345 678 hoặc +84 912 345 678).", phone=text)


def check_phone(text: str) -> tuple[str | None, str | None]:
    """(0xxxxxxxxx, None) or (None, message)."""
    phone = normalize_phone(text)
    return (phone, None) if phone else (None, phone_error(text))


def check_email(text: str) -> tuple[str | None, str | None]:
    """(lower-cased email, None) or (None, message); the caller has cleaned the text."""
    email = text.lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        return None, _("Email “%(email)s” không hợp lệ (ví dụ ten@donvi.gov.vn).", email=email[:MAX_EMAIL])
    return email, None


def username_error(username: str) -> str | None:
    if len(username) > MAX_USERNAME or not _USERNAME.fullmatch(username):
        return _("Tên đăng nhập “%(username)s” không hợp lệ: chỉ dùng chữ không dấu, "
                 "chữ số và . _ - @, không có dấu cách, tối đa %(max)d ký tự.",
                 username=username[:MAX_USERNAME], max=MAX_USERNAME)
    return None


def full_name_error(full_name: str) -> str | None:
    """None for a usable name; the caller reports an empty one in its own words."""
    if len(full_name) > MAX_NAME:
        return _("Họ và tên dài quá %(max)d ký tự.", max=MAX_NAME)
    if not any(char.isalpha() for char in full_name):
        return _("Họ và tên “%(name)s” phải có chữ cái.", name=full_name)
    return None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_birth_date(text: str, today: date) -> tuple[date | None, str | None]:
    """(date, None) or (None, Vietnamese message): dd/mm/yyyy (or - .), yyyy-mm-dd, or a date cell."""
    match = _DATE.fullmatch(text)
    if match:
        day, month, year = match.groups()
    else:
        iso = _ISO_DATE.fullmatch(text)
        if iso is None:
            return None, _("Ngày sinh “%(date)s” không đúng dạng ngày/tháng/năm (ví dụ 15/03/1985).", date=text)
        year, month, day = iso.groups()
    if len(year) != 4:
        return None, _("Ngày sinh “%(date)s”: hãy ghi năm đủ 4 chữ số (ví dụ 15/03/1985).", date=text)
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return None, _("Ngày sinh “%(date)s” không có thật (ngày/tháng/năm).", date=text)
    if born > today:
        return None, _("Ngày sinh “%(date)s” ở tương lai.", date=text)
    age = age_on(born, today)
    if not MIN_AGE <= age <= MAX_AGE:
        return None, _("Ngày sinh “%(date)s” cho tuổi %(age)d, ngoài khoảng %(min)d–%(max)d tuổi; "
                       "hãy kiểm tra lại năm sinh.", date=text, age=age, min=MIN_AGE, max=MAX_AGE)
    return born, None


def check_id_number(text: str) -> tuple[str | None, str | None]:
    """A citizen ID (CCCD, 12 digits) or an old identity card (CMND, 9 digits), spaces and dots
    removed: (digits, None) or (None, message)."""
    digits = _ID_NOISE.sub("", text)
    if not _ID_NUMBER.fullmatch(digits):
        return None, _("Số CCCD/CMND “%(number)s” không hợp lệ: căn cước công dân có 12 chữ số, "
                       "chứng minh nhân dân cũ có 9 chữ số.", number=text)
    return digits, None


def password_error(password: str, username: str = "", phone: str | None = None) -> str | None:
    """Long enough, not only digits (a phone or a birth date), not the account's own name."""
    if len(password) < MIN_PASSWORD:
        return _("Mật khẩu phải có ít nhất %(min)d ký tự.", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _("Mật khẩu dài tối đa %(max)d ký tự.", max=MAX_PASSWORD)
    if password.isdigit():
        return _("Mật khẩu không được chỉ gồm chữ số; hãy thêm chữ cái.")
    lowered = password.casefold()
    if (username and lowered == username.casefold()) or (phone and lowered == phone):
        return _("Mật khẩu không được trùng với tên đăng nhập hoặc số điện thoại.")
    return None
