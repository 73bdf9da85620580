"""Creating accounts and checking credentials."""
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import Conflict, NotFound, ValidationFailed
from contest.models import ROLES, Contest, ContestStaff, Unit, User
from question_bank.normalize import clean_text

from .identity import MIN_PASSWORD, normalize_phone



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
        raise Conflict(_("Tên đăng nhập “%(username)s” đã được dùng.", username=username), field="username") from None
    return user


def find_login(session: Session, login: str) -> User | None:
    """An account by username, phone (written any way normalize_phone reads) or email (any case).

    A username wins over someone else's phone or email: imports and registration refuse a new
    login that is already any of the three, so a tie only comes from data typed in by hand."""
    login = clean_text(login)
    if not login:
        return None
    phone = normalize_phone(login)
    found = session.scalars(
        select(User).where(or_(User.username == login, User.phone == (phone or login), User.email == login.lower()))
        .limit(3)
    ).all()
    return next((user for user in found if user.username == login), found[0] if found else None)


def authenticate(session: Session, login: str, password: str) -> User | None:
    user = find_login(session, login)
    if user is None or not user.is_active_account or not user.check_password(password):
        return None
    return user
