"""Self-registration for a contest, and what may change afterwards: details only by an organizer,
the password only by its owner (who must know the current one) or an organizer's reset link.

Every check runs before anything is stored and all problems come back together, each naming
its field (`DetailsInvalid.errors`). Uniqueness is the database's answer: the pre-check gives the
friendly message and covers a phone typed as someone else's username, the unique constraints
catch the race between two people registering the same phone at the same moment.

Password hashing is slow on purpose, so the services take a ready hash: the view computes it
while it holds no SQLite write lock (see auth/passwords.py).
"""
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import Conflict, DomainError, Forbidden, ValidationFailed
from contest.models import REGISTRATION_MODES, Contest, Unit, UnitInvitation, User
from contest.services import unit_tree
from contest.services.users import identity, user_sessions
from core.db import now_utc
from core.numbers import parse_id
from core.text import clean_text

# The details a contest may require, in the order the form shows them.
OPTIONAL_FIELDS = ("date_of_birth", "phone", "email", "unit_id", "id_number")
_FLAGS = {"date_of_birth": "require_date_of_birth", "phone": "require_phone", "email": "require_email",
          "unit_id": "require_unit", "id_number": "require_id_number"}  # field → Contest column
# Lazy msgids: `_missing` / `_taken` turn them into str in the request's language.
_MISSING = {
    "full_name": _l("Hãy nhập họ và tên."),
    "date_of_birth": _l("Hãy nhập ngày sinh."),
    "phone": _l("Hãy nhập số điện thoại."),
    "email": _l("Hãy nhập email."),
    "unit_id": _l("Hãy chọn đơn vị công tác."),
    "id_number": _l("Hãy nhập số CCCD/CMND."),
}
_TAKEN = {
    "username": _l("Tên đăng nhập “%(value)s” đã được dùng cho một tài khoản khác."),
    "phone": _l("Số điện thoại “%(value)s” đã được dùng cho một tài khoản khác; nếu đó là bạn, hãy đăng nhập "
                "hoặc liên hệ ban tổ chức."),
    "email": _l("Email “%(value)s” đã được dùng cho một tài khoản khác; nếu đó là bạn, hãy đăng nhập "
                "hoặc liên hệ ban tổ chức."),
    "id_number": _l("Số CCCD/CMND “%(value)s” đã được dùng cho một tài khoản khác; nếu đó là bạn, "
                    "hãy liên hệ ban tổ chức."),
}
# How each engine names a unique constraint in its error: PostgreSQL by name, SQLite by column.
_CONSTRAINTS = {name: (f"uq_user_{name}", f"user.{name}") for name in _TAKEN}


class RegistrationClosed(DomainError):
    code = "registration_closed"
    status = 403
    message = _l("Cuộc thi này hiện không nhận đăng ký tài khoản mới; hãy liên hệ ban tổ chức.")


class DetailsInvalid(ValidationFailed):
    """Several problems at once: `errors` lists (field, message), the first is the exception's own."""

    def __init__(self, errors: list[tuple[str, str]], *, wrong_password: bool = False):
        super().__init__(errors[0][1], field=errors[0][0])
        self.errors = errors
        self.wrong_password = wrong_password  # a guess of the current password failed: rate-limited


@dataclass
class Details:
    """A person's details, cleaned: what registration stores and an organizer may edit."""

    username: str
    full_name: str
    date_of_birth: date | None = None
    phone: str | None = None
    email: str | None = None
    unit_id: int | None = None
    id_number: str | None = None


def _missing(name: str) -> str:
    return str(_MISSING[name])


def _taken(name: str, value) -> str:
    return str(_TAKEN[name]) % {"value": value}


def required_fields(contest: Contest) -> set[str]:
    return {name for name, flag in _FLAGS.items() if getattr(contest, flag)}


def update_settings(contest: Contest, *, is_open: bool, required: set[str], mode: str = "open",
                    trust_declared_units: bool = False) -> None:
    unknown = required - set(OPTIONAL_FIELDS)
    if unknown:
        raise ValidationFailed(_("Không có trường “%(field)s”.", field=sorted(unknown)[0]), field="required")
    if mode not in REGISTRATION_MODES:
        raise ValidationFailed(_("Hãy chọn một cách đăng ký trong danh sách."), field="registration_mode")
    contest.registration_open = is_open
    contest.registration_mode = mode
    contest.trust_declared_units = trust_declared_units
    for name, flag in _FLAGS.items():
        setattr(contest, flag, name in required)


def unit_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every unit in tree order, sub-units indented under their parent."""
    rows = session.execute(select(Unit.id, Unit.name, Unit.parent_id).order_by(Unit.code)).all()
    return [(row.id, "\u2003" * depth + ("└ " if depth else "") + row.name)
            for row, depth in unit_tree.tree_order(rows)]


# --- checking ------------------------------------------------------------------------------------


def _text(data: Mapping, name: str) -> str:
    return clean_text(data.get(name))


def _clean_details(session: Session, data: Mapping, required: set[str], errors: list) -> dict:
    """Every detail but the username, cleaned; problems appended to `errors`."""
    out: dict = {}
    full_name = _text(data, "full_name")
    if not full_name:
        errors.append(("full_name", _missing("full_name")))
    elif problem := identity.full_name_error(full_name):
        errors.append(("full_name", problem))
    out["full_name"] = full_name
    checks = {"phone": identity.check_phone, "email": identity.check_email, "id_number": identity.check_id_number,
              "date_of_birth": lambda text: identity.parse_birth_date(text, now_utc().date())}
    for name in OPTIONAL_FIELDS:
        if name == "unit_id":
            out[name] = _unit(session, data.get(name), name in required, errors)
            continue
        text = _text(data, name)
        value = None
        if not text:
            if name in required:
                errors.append((name, _missing(name)))
        else:
            value, problem = checks[name](text)
            if problem:
                errors.append((name, problem))
        out[name] = value
    return out


def _unit(session: Session, value, required: bool, errors: list) -> int | None:
    if value in (None, ""):
        if required:
            errors.append(("unit_id", _missing("unit_id")))
        return None
    unit_id = parse_id(str(value))
    if unit_id is None or session.get(Unit, unit_id) is None:
        errors.append(("unit_id", _("Đơn vị đã chọn không có trong danh sách; hãy chọn lại.")))
        return None
    return unit_id


def _username(text: str, phone: str | None, errors: list) -> str:
    """The chosen username, or the phone when none was chosen."""
    if not text:
        if phone is None:
            errors.append(("username", _("Hãy nhập tên đăng nhập hoặc số điện thoại (khi không có tên đăng nhập, "
                                         "số điện thoại được dùng để đăng nhập).")))
        return phone or ""
    if problem := identity.username_error(text):
        errors.append(("username", problem))
    elif "@" in text:
        errors.append(("username", _("Tên đăng nhập “%(username)s” không được chứa @; bạn có thể đăng nhập bằng "
                                     "email đã khai.", username=text)))
    elif (as_phone := identity.normalize_phone(text)) is not None:
        if as_phone != phone:  # else the number would block its real owner from registering
            errors.append(("username", _("Tên đăng nhập “%(username)s” là một số điện thoại khác số bạn khai; hãy "
                                         "để trống để dùng số điện thoại của bạn, hoặc chọn tên khác.",
                                         username=text)))
        return as_phone
    return text


def _check_taken(session: Session, details: Details, errors: list, *, user_id: int | None = None,
                 only: set[str] | None = None) -> None:
    """Logins (username, phone, email) must be nobody else's login of any kind: login accepts all three."""
    logins = {name: getattr(details, name) for name in ("username", "phone", "email")
              if getattr(details, name) and (only is None or name in only)}
    wanted_id = details.id_number if details.id_number and (only is None or "id_number" in only) else None
    if not logins and not wanted_id:
        return
    # Usernames ignore case (`BTC` is `btc`); phones are stored normalised, emails lower-cased.
    values = sorted({value.lower() for value in logins.values()})
    conditions = ([func.lower(User.username).in_(values), User.phone.in_(values), User.email.in_(values)]
                  if values else [])
    if wanted_id:
        conditions.append(User.id_number == wanted_id)
    query = select(User.username, User.phone, User.email, User.id_number).where(or_(*conditions))
    if user_id is not None:
        query = query.where(User.id != user_id)
    used: set[str] = set()
    used_ids: set[str] = set()
    for username, phone, email, id_number in session.execute(query):
        used.update(value.lower() for value in (username, phone, email) if value)
        if id_number:
            used_ids.add(id_number)
    for name, value in logins.items():
        if value.lower() in used:
            errors.append((name, _taken(name, value)))
    if wanted_id in used_ids:
        errors.append(("id_number", _taken("id_number", wanted_id)))


def _order(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    order = ("invitation_code", "full_name", "username", "password", "confirm", *OPTIONAL_FIELDS)
    return sorted(errors, key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def check_application(session: Session, contest: Contest, data: Mapping, password: str, confirm: str) -> Details:
    """The cleaned details of a registration, or DetailsInvalid with every problem. Reads only."""
    if not contest.registration_open:
        raise RegistrationClosed()
    errors: list[tuple[str, str]] = []
    required = required_fields(contest)
    if contest.registration_mode == "invitation":  # the code names the unit
        required.discard("unit_id")
        data = {**data, "unit_id": None}
    cleaned = _clean_details(session, data, required, errors)
    if contest.registration_mode == "invitation":
        cleaned["unit_id"] = _invited_unit(session, contest, data.get("invitation_code"), errors)
    username = _username(_text(data, "username"), cleaned["phone"], errors)
    if not password:
        errors.append(("password", _("Hãy nhập mật khẩu.")))
    elif problem := identity.password_error(password, username, cleaned["phone"]):
        errors.append(("password", problem))
    if password and not confirm:
        errors.append(("confirm", _("Hãy nhập lại mật khẩu.")))
    elif password and confirm != password:
        errors.append(("confirm", _("Hai mật khẩu không khớp.")))
    details = Details(username=username, **cleaned)
    failed = {name for name, _message in errors}
    _check_taken(session, details, errors, only={"username", "phone", "email", "id_number"} - failed)
    if errors:
        raise DetailsInvalid(_order(errors))
    return details


def _taken_field(exc: IntegrityError) -> str | None:
    text = str(exc.orig)
    return next((name for name, marks in _CONSTRAINTS.items() if any(mark in text for mark in marks)), None)


def _save(session: Session, user: User, details: Details) -> None:
    """Writes the details in a savepoint; a unique value taken meanwhile becomes that field's error."""
    try:
        with session.begin_nested():
            for name, value in asdict(details).items():
                setattr(user, name, value)
            session.add(user)
    except IntegrityError as exc:
        name = _taken_field(exc)
        if name is None:
            raise
        raise DetailsInvalid([(name, _taken(name, getattr(details, name)))]) from None


def register(session: Session, contest: Contest, details: Details, password_hash: str) -> User:
    """Creates the participant account from check_application's details; the caller commits.

    A unit chosen from the list is only declared (it counts once an organizer confirms it); a
    unit named by its invitation code is confirmed. Under approval the account waits, inactive."""
    if not contest.registration_open:  # closed while the password was being hashed
        raise RegistrationClosed()
    pending = contest.registration_mode == "approval"
    user = User(role="participant", password_hash=password_hash, is_active_account=not pending,
                awaiting_approval=pending,
                unit_unconfirmed=details.unit_id is not None and contest.registration_mode != "invitation",
                registered_contest_id=contest.id)
    _save(session, user, details)
    return user


def normalize_code(text) -> str:
    """Invitation codes are read aloud and typed on phones: case, spaces and dashes do not matter."""
    if not isinstance(text, str):
        return ""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())[:20]


def _invited_unit(session: Session, contest: Contest, text, errors: list) -> int | None:
    code = normalize_code(text)
    if not code:
        errors.append(("invitation_code", _("Hãy nhập mã mời mà ban tổ chức cấp cho đơn vị của bạn.")))
        return None
    unit_id = session.scalar(select(UnitInvitation.unit_id).where(UnitInvitation.contest_id == contest.id,
                                                                  UnitInvitation.code == code))
    if unit_id is None:
        errors.append(("invitation_code", _("Mã mời “%(code)s” không đúng với cuộc thi này; hãy kiểm tra lại "
                                            "hoặc hỏi ban tổ chức.", code=code)))
    return unit_id


# --- after registration ----------------------------------------------------------------------


def details_of(user: User) -> dict:
    """The form's starting values for an organizer's edit."""
    data = {field.name: getattr(user, field.name) or "" for field in fields(Details)}
    data["date_of_birth"] = user.date_of_birth.isoformat() if user.date_of_birth else ""
    data["unit_id"] = str(user.unit_id) if user.unit_id else ""
    return data


def update_details(session: Session, user: User, data: Mapping) -> dict[str, list]:
    """An organizer's edit of a participant: the same checks as registration, nothing required but
    the name and a login. Returns {field: [old, new]} of what changed, for the audit log."""
    errors: list[tuple[str, str]] = []
    cleaned = _clean_details(session, data, set(), errors)
    username = _text(data, "username")
    if not username:
        errors.append(("username", _("Hãy nhập tên đăng nhập.")))
    elif username != user.username:
        username = _username(username, cleaned["phone"], errors)
    details = Details(username=username, **cleaned)
    before = {field.name: getattr(user, field.name) for field in fields(Details)}
    changed = {name for name, value in asdict(details).items() if value != before[name]}
    failed = {name for name, _message in errors}
    _check_taken(session, details, errors, user_id=user.id, only=changed - failed)
    if errors:
        raise DetailsInvalid(_order(errors))
    _save(session, user, details)
    if "unit_id" in changed:  # the organizer chose it: no longer only declared
        user.unit_unconfirmed = False
    return {name: [_plain(before[name]), _plain(getattr(details, name))] for name in sorted(changed)}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def check_password_change(user: User, current: str, new: str, confirm: str) -> None:
    """Raises DetailsInvalid unless `current` is the password and `new` is acceptable. Reads only."""
    errors: list[tuple[str, str]] = []
    wrong = bool(current) and not user.check_password(current)
    if not current:
        errors.append(("current_password", _("Hãy nhập mật khẩu hiện tại.")))
    elif wrong:
        errors.append(("current_password", _("Mật khẩu hiện tại không đúng.")))
    if not new:
        errors.append(("new_password", _("Hãy nhập mật khẩu mới.")))
    elif problem := identity.password_error(new, user.username, user.phone):
        errors.append(("new_password", problem))
    elif new == current:
        errors.append(("new_password", _("Mật khẩu mới phải khác mật khẩu hiện tại.")))
    if new and confirm != new:
        errors.append(("confirm", _("Hai mật khẩu mới không khớp.") if confirm else _("Hãy nhập lại mật khẩu mới.")))
    if errors:
        raise DetailsInvalid(errors, wrong_password=wrong)


def set_password_hash(session: Session, user: User, old_hash: str, new_hash: str, *, keep_session: str | None) -> None:
    """Stores the new hash unless the password changed since it was checked (another session or
    an organizer's reset in between): of two concurrent changes, exactly one wins. Every session
    of the account but `keep_session` (the one making the change) ends."""
    if not user.is_active_account:
        raise Forbidden(_("Tài khoản đã bị khoá."))
    done = session.execute(
        update(User).where(User.id == user.id, User.password_hash == old_hash).values(password_hash=new_hash)
        .execution_options(synchronize_session="fetch")
    )
    if done.rowcount != 1:
        raise Conflict(_("Mật khẩu vừa được thay đổi ở nơi khác; hãy đăng nhập lại rồi thử lại."),
                       field="current_password")
    user_sessions.end_all(session, user.id, keep=keep_session)
