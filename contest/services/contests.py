"""Creating and editing contests."""
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import Conflict, ValidationFailed
from contest.models import Attempt, Contest, ContestStaff, Round, User
from contest.services import permissions
from core.text import clean_text

MAX_NAME = 300
MAX_DESCRIPTION = 5000


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
    if created_by is not None and permissions.scope(session, created_by) is not None:
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
