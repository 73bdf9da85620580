"""Who may see and change results: staff see their contests; organizers and admins change them.

An organizer or judge with contest_staff rows works on those contests only; one without any
works on every contest (SPEC §3, create-user --contest).
"""
from flask import abort
from flask_login import current_user
from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest, ContestStaff, Round

VIEW_ROLES = ("admin", "organizer", "judge")
MANAGE_ROLES = ("admin", "organizer")


def scoped_contest_ids() -> set[int] | None:
    """The contests the current user is limited to; None: every contest."""
    if current_user.role == "admin":
        return None
    ids = set(db.session.scalars(select(ContestStaff.contest_id).where(ContestStaff.user_id == current_user.id)))
    return ids or None


def may_view(contest: Contest) -> bool:
    if current_user.role not in VIEW_ROLES:
        return False
    ids = scoped_contest_ids()
    return ids is None or contest.id in ids


def may_manage(contest: Contest) -> bool:
    return current_user.role in MANAGE_ROLES and may_view(contest)


def visible_contests() -> list[Contest]:
    stmt = select(Contest).order_by(Contest.created_at.desc(), Contest.id.desc())
    ids = scoped_contest_ids()
    if ids is not None:
        stmt = stmt.where(Contest.id.in_(ids))
    return list(db.session.scalars(stmt))


def load_contest(contest_id: int, *, manage: bool = False) -> Contest:
    contest = db.session.get(Contest, contest_id) or abort(404)
    if not (may_manage(contest) if manage else may_view(contest)):
        abort(403)
    return contest


def load_round(round_id: int, *, manage: bool = False) -> Round:
    round_ = db.session.get(Round, round_id) or abort(404)
    load_contest(round_.contest_id, manage=manage)
    return round_
