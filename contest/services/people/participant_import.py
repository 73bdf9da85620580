"""Importing participants from .xlsx/.csv (SPEC §3 `import-participants`): all or nothing.

A row is one new participant account: a username or a phone (the phone becomes the username when
no username is given), full name, unit code (the unit must exist), optional email, date of
birth. Nobody gets a password: each account gets a one-time activation link instead, returned
once to the organizer. Every problem is reported with its row; with any error nothing is stored.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from contest.models import Unit, User
from contest.services.people.import_common import Columns, ImportReport, data_rows, get
from contest.services.users import activation
from contest.services.users.identity import (
    MAX_NAME,
    check_email,
    normalize_phone,
    parse_birth_date,
    phone_error,
    username_error,
)
from core.db import now_utc
from core.text import clean_text

CHUNK = 500  # bounded IN lists on both engines

COLUMNS = Columns(
    names={
        "username": ("ten dang nhap", "tai khoan", "ten tai khoan", "username", "user name", "login"),
        "phone": ("so dien thoai", "dien thoai", "sdt", "so dt", "dt", "di dong", "so di dong", "phone", "mobile",
                  "phone number"),
        "full_name": ("ho va ten", "ho ten", "ho va ten thi sinh", "ten thi sinh", "full name", "name"),
        "unit_code": ("ma don vi", "ma dv", "unit code", "unit"),
        "email": ("email", "e mail", "thu dien tu", "dia chi email"),
        "date_of_birth": ("ngay sinh", "ngay thang nam sinh", "ngay thang nam sinh dd mm yyyy", "date of birth",
                          "birth date", "dob", "birthday"),
    },
    labels={"username": _l("Tên đăng nhập"), "phone": _l("Số điện thoại"), "full_name": _l("Họ và tên"),
            "unit_code": _l("Mã đơn vị"), "email": _l("Email"), "date_of_birth": _l("Ngày sinh")},
    required=("full_name", "unit_code"),
    any_of=("username", "phone"),
    needed=("date_of_birth",),
    ignored=("stt", "tt", "so tt", "so thu tu", "no", "ten don vi", "don vi", "chuc vu", "gioi tinh", "ghi chu"),
)


@dataclass
class ParticipantRow:
    where: str
    username: str
    phone: str | None
    full_name: str
    unit_code: str
    email: str | None
    date_of_birth: date | None
    ok: bool = True  # False when the row has a problem of its own (still checked against the database)
    unit_id: int | None = None


@dataclass
class Activation:
    """One imported account and its link's token, shown to the organizer once."""

    username: str
    full_name: str
    unit_code: str
    token: str


@dataclass
class ParticipantReport(ImportReport):
    activations: list[Activation] = field(default_factory=list)


def import_participants(session: Session, data: bytes, *, dry_run: bool = False) -> ParticipantReport:
    """Parses, checks and (unless dry_run or any error) creates the accounts with activation
    tokens; the caller commits."""
    report = ParticipantReport()
    rows = _parse(data, report)
    _check_units(session, rows, report)
    _check_taken(session, rows, report)
    report.sort_problems()
    report.rows = rows
    if report.errors:
        return report
    report.imported = len(rows)
    if not dry_run:
        _store(session, rows, report)
    return report


def _parse(data: bytes, report: ParticipantReport) -> list[ParticipantRow]:
    rows: list[ParticipantRow] = []
    seen: dict[str, str] = {}  # every login (username, phone, email) → where it first appeared
    today = now_utc().date()
    for where, cells, layout in data_rows(data, COLUMNS, report, _("Tệp có dòng tiêu đề nhưng không có thí sinh nào.")):
        before = len(report.errors)
        username = clean_text(get(cells, layout, "username"))
        phone_text = clean_text(get(cells, layout, "phone"))
        full_name = clean_text(get(cells, layout, "full_name"))
        unit_code = clean_text(get(cells, layout, "unit_code"))
        email = clean_text(get(cells, layout, "email")).lower() or None
        birth_text = clean_text(get(cells, layout, "date_of_birth"))
        phone = None
        if phone_text:
            phone = normalize_phone(phone_text)
            if phone is None:
                report.error(where, phone_error(phone_text))
        if username:
            if problem := username_error(username):
                report.error(where, problem)
        elif not phone_text:
            report.error(where, _("Cần tên đăng nhập hoặc số điện thoại."))
        username = username or phone or ""
        if not full_name:
            report.error(where, _("Thiếu họ và tên."))
        elif len(full_name) > MAX_NAME:
            report.error(where, _("Họ và tên dài quá %(n)d ký tự.", n=MAX_NAME))
        if not unit_code:
            report.error(where, _("Thiếu mã đơn vị."))
        if email:
            email, problem = check_email(email)
            if problem:
                report.error(where, problem)
        born = None
        if not birth_text:
            if "date_of_birth" in layout.columns:
                report.error(where, _("Thiếu ngày sinh."))
        else:
            born, problem = parse_birth_date(birth_text, today)
            if problem:
                report.error(where, problem)
        for name, login in (("username", username), ("phone", phone), ("email", email)):
            if not login:
                continue
            key = login.lower()  # `BTC` and `btc` are one username
            if key in seen and seen[key] != where:
                report.error(where, _("%(field)s “%(login)s” trùng với %(place)s.",
                                      field=COLUMNS.label(name), login=login, place=seen[key]))
            else:
                seen.setdefault(key, where)
        rows.append(ParticipantRow(where, username, phone, full_name, unit_code, email, born,
                                   ok=len(report.errors) == before))
    return rows


def _chunks(values: list[str]):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _check_units(session: Session, rows: list[ParticipantRow], report: ImportReport) -> None:
    codes = sorted({row.unit_code for row in rows if row.unit_code})
    units: dict[str, int] = {}
    for chunk in _chunks(codes):
        units.update(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(chunk))).tuples().all())
    for row in rows:
        row.unit_id = units.get(row.unit_code)
        if row.unit_code and row.unit_id is None:
            report.error(row.where, _("Không có đơn vị mã “%(code)s”; hãy nhập danh sách đơn vị trước "
                                      "(mã phân biệt chữ hoa, chữ thường).", code=row.unit_code))


def _check_taken(session: Session, rows: list[ParticipantRow], report: ImportReport) -> None:
    """Usernames, phones and emails already used by an account. Login accepts any of the three,
    so a new phone must not be someone's username either, and the reverse."""
    # Compared lower-cased: usernames ignore case; phones are digits and emails lower case already.
    logins = sorted({login.lower() for row in rows for login in (row.username, row.phone, row.email) if login})
    owners: dict[str, str] = {}
    for chunk in _chunks(logins):
        found = session.execute(
            select(User.username, User.phone, User.email).where(
                or_(func.lower(User.username).in_(chunk), User.phone.in_(chunk), User.email.in_(chunk))
            )
        )
        for username, phone, email in found:
            for login in (username, phone, email):
                if login:
                    owners.setdefault(login.lower(), username)
    for row in rows:
        for name, login in (("username", row.username), ("phone", row.phone), ("email", row.email)):
            if login and login.lower() in owners:
                report.error(row.where, _("%(field)s “%(login)s” đã được dùng cho tài khoản “%(owner)s”.",
                                          field=COLUMNS.label(name), login=login, owner=owners[login.lower()]))


def _store(session: Session, rows: list[ParticipantRow], report: ParticipantReport) -> None:
    """One multi-row INSERT … RETURNING id (thousands of rows in a second), tokens hashed in place."""
    now = now_utc()
    expires = now + activation.TTL
    secrets_ = [activation.new_secret() for _row in rows]
    values = [
        {"username": row.username, "password_hash": activation.NO_PASSWORD, "full_name": row.full_name,
         "role": "participant", "unit_id": row.unit_id, "phone": row.phone, "email": row.email,
         "date_of_birth": row.date_of_birth, "is_active_account": True, "created_at": now,
         "activation_token_hash": digest, "activation_expires_at": expires}
        for row, (_secret, digest) in zip(rows, secrets_)
    ]
    ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), values).all()
    for row, user_id, (secret, _digest) in zip(rows, ids, secrets_):
        report.activations.append(
            Activation(row.username, row.full_name, row.unit_code, activation.token_for(user_id, secret))
        )
