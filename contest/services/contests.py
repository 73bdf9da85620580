"""Creating and editing contests, and which contests a staff member works on."""
from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import Conflict, ValidationFailed
from contest.models import Attempt, Contest, ContestStaff, Round, User
from core.text import clean_text

MAX_NAME = 300
MAX_DESCRIPTION = 5000


def _is_scoped(session: Session, user: User) -> bool:
    """An organizer or judge with contest_staff rows works on those contests only."""
    if user.role == "admin":
        return False
    return bool(session.scalar(select(exists().where(ContestStaff.user_id == user.id))))


def manageable_contests(session: Session, user: User) -> list[Contest]:
    stmt = select(Contest).order_by(Contest.created_at.desc(), Contest.id.desc())
    if _is_scoped(session, user):
        stmt = stmt.join(ContestStaff).where(ContestStaff.user_id == user.id)
    return list(session.scalars(stmt))


def can_manage(session: Session, user: User, contest: Contest) -> bool:
    if user.role not in ("admin", "organizer"):
        return False
    if not _is_scoped(session, user):
        return True
    return bool(session.get(ContestStaff, (contest.id, user.id)))


def can_read_results(session: Session, user: User, contest: Contest) -> bool:
    """Admins; organizers and judges on this contest (or on every contest when not scoped)."""
    if user.role == "admin":
        return True
    if user.role not in ("organizer", "judge"):
        return False
    return not _is_scoped(session, user) or bool(session.get(ContestStaff, (contest.id, user.id)))


def _clean(name: str, description: str) -> tuple[str, str]:
    name = clean_text(name or "")
    if not name:
        raise ValidationFailed(_("Tên cuộc thi không được để trống."), field="name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(_("Tên cuộc thi không được dài quá %(max)d ký tự.", max=MAX_NAME), field="name")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(_("Mô tả không được dài quá %(max)d ký tự.", max=MAX_DESCRIPTION), field="description")
    return name, description


def _store(session: Session, contest: Contest, name: str, description: str) -> None:
    try:
        # A taken name is the database's answer, not a pre-check. The values are set inside
        # the savepoint: begin_nested() flushes what is pending before it starts.
        with session.begin_nested():
            contest.name, contest.description = name, description
            session.add(contest)
    except IntegrityError:
        raise Conflict(_("Đã có cuộc thi tên “%(name)s”.", name=name), field="name") from None


def create_contest(session: Session, name: str, description: str = "", *, created_by: User | None = None,
                   forbid_immediate_score: bool = False) -> Contest:
    name, description = _clean(name, description)
    contest = Contest(forbid_immediate_score=bool(forbid_immediate_score))
    _store(session, contest, name, description)
    if created_by is not None and _is_scoped(session, created_by):
        # A scoped organizer would otherwise lose sight of the contest they just made.
        session.add(ContestStaff(contest=contest, user=created_by))
        session.flush()
    return contest


def update_contest(session: Session, contest: Contest, name: str, description: str = "", *,
                   forbid_immediate_score: bool | None = None) -> Contest:
    name, description = _clean(name, description)
    if forbid_immediate_score is not None:  # old rounds keep show_score; score_at_once reads this too
        contest.forbid_immediate_score = bool(forbid_immediate_score)
    _store(session, contest, name, description)
    return contest


def attempt_counts(session: Session, contest: Contest) -> dict[int, int]:
    """Attempts started per round of the contest (rounds with none are absent)."""
    rows = session.execute(
        select(Attempt.round_id, func.count())
        .join(Round, Round.id == Attempt.round_id)
        .where(Round.contest_id == contest.id)
        .group_by(Attempt.round_id)
    )
    return {round_id: count for round_id, count in rows}
