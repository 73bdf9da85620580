"""Creating accounts and checking credentials."""
import functools
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from contest.errors import Conflict, NotFound, ValidationFailed
from contest.models import ROLES, Contest, ContestStaff, Unit, User
from contest.services.users.identity import MIN_PASSWORD, normalize_phone
from core.text import clean_text


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    role: str = "participant",
    full_name: str = "",
    unit_code: str | None = None,
    contests: list[str] | tuple = (),
) -> User:
    username = clean_text(username)
    if not username or len(username) > 100:
        raise ValidationFailed(_("Tên đăng nhập phải có từ 1 đến 100 ký tự."), field="username")
    if role not in ROLES:
        raise ValidationFailed(_("Vai trò “%(role)s” không hợp lệ (admin, organizer, judge, participant).", role=role),
                               field="role")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(_("Mật khẩu phải có ít nhất %(min)d ký tự.", min=MIN_PASSWORD), field="password")
    if contests and role not in ("organizer", "judge"):
        raise ValidationFailed(_("Chỉ ban tổ chức và ban giám khảo được giới hạn theo cuộc thi."), field="contest")
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == clean_text(unit_code)))
        if unit is None:
            raise NotFound(_("Không có đơn vị mã “%(code)s”.", code=unit_code))
    user = User(username=username, role=role, full_name=clean_text(full_name), unit=unit)
    user.set_password(password)
    for name in contests:
        contest = session.scalar(select(Contest).where(Contest.name == clean_text(name)))
        if contest is None:
            raise NotFound(_("Không có cuộc thi “%(name)s”.", name=name))
        session.add(ContestStaff(contest=contest, user=user))
    try:
        with session.begin_nested():  # a taken username is the database's answer, not a pre-check
            session.add(user)
    except IntegrityError:
        raise Conflict(_("Tên đăng nhập “%(username)s” đã được dùng (không phân biệt chữ hoa, chữ thường).",
                         username=username), field="username") from None
    return user


def login_key(login: str) -> str:
    """One spelling per account for the login limit (ratelimits.py): a phone however typed
    (0912 345 678, +84912345678) becomes 0912345678, anything else lower case (usernames and
    emails ignore case). Only the counter uses it; find_login matches usernames as typed."""
    login = clean_text(login)
    return normalize_phone(login) or login.lower()


def find_login(session: Session, login: str) -> User | None:
    """An account by username (any case), phone (written any way normalize_phone reads) or email (any case).

    The username is compared with the text as typed, so a username that looks like a phone
    (`84912345678`, `0912.345.678`, made by create-user or an import) logs in with itself. A
    username wins over someone else's phone or email: imports and registration refuse a new login
    that is already any of the three, so a tie only comes from data typed in by hand."""
    typed = clean_text(login).lower()
    if not typed:
        return None
    conditions = [func.lower(User.username) == typed, User.email == typed]  # emails are stored lower-cased
    phone = normalize_phone(typed)
    if phone:
        # Phones are stored normalised; an older account whose username is its phone may have none.
        conditions += [User.phone == phone, func.lower(User.username) == phone]
    found = session.scalars(select(User).where(or_(*conditions)).limit(4)).all()

    def rank(user: User) -> int:  # the username as typed, then a phone or email, then a phone-like username
        if user.username.lower() == typed:
            return 0
        return 1 if (phone and user.phone == phone) or user.email == typed else 2

    return min(found, key=rank, default=None)


@functools.lru_cache(maxsize=1)  # one stand-in, made once per process
def _stand_in_hash() -> str:
    # A hash made the way real ones are (werkzeug's default scrypt), of a password nobody knows.
    return generate_password_hash(secrets.token_urlsafe(32))


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The account, if the password is right. Every failure runs one full password check, on a
    stand-in hash when there is no account (or no password yet), so that the time a failure
    takes does not tell whether the account exists (SPEC §9)."""
    user = find_login(session, login)
    usable = user is not None and user.is_active_account and user.has_usable_password
    matches = check_password_hash(user.password_hash if usable else _stand_in_hash(), password)
    return user if usable and matches else None
