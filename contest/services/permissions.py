"""Who works on which contest: the staff rules, written once (SPEC §3, docs/security.md).

An organizer or judge with contest_staff rows works on those contests only; one without any
works on every contest (`create-user --contest`). Admins work on every contest. Pure functions
of the account and the contest: the loader (contest/access.py), the services and the CLI ask them.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Contest, ContestStaff, User

MANAGE_ROLES = ("admin", "organizer")  # contests, rounds, registration, result settings
RESULTS_ROLES = ("admin", "organizer", "judge")  # read results, exclude from the prizes


def scope(session: Session, user: User) -> set[int] | None:
    """The contests the user is limited to; None: every contest."""
    if user.role == "admin":
        return None
    ids = set(session.scalars(select(ContestStaff.contest_id).where(ContestStaff.user_id == user.id)))
    return ids or None


def _works_on(session: Session, user: User, contest: Contest) -> bool:
    ids = scope(session, user)
    return ids is None or contest.id in ids


def can_manage(session: Session, user: User | None, contest: Contest) -> bool:
    """Admins; organizers on this contest (or on every contest when not scoped)."""
    return user is not None and user.role in MANAGE_ROLES and _works_on(session, user, contest)


def can_view_results(session: Session, user: User | None, contest: Contest) -> bool:
    """Admins; organizers and judges on this contest (or on every contest when not scoped)."""
    return user is not None and user.role in RESULTS_ROLES and _works_on(session, user, contest)


def contests_of(session: Session, user: User) -> list[Contest]:
    """The contests the user works on, newest first (roles are the caller's blueprint guard)."""
    stmt = select(Contest).order_by(Contest.created_at.desc(), Contest.id.desc())
    ids = scope(session, user)
    if ids is not None:
        stmt = stmt.where(Contest.id.in_(ids))
    return list(session.scalars(stmt))
