"""What organizers do about self-registrations: units' invitation codes, approving accounts that
wait for it, and confirming the units people declared (issue 14).

A declared unit counts for unit rankings and unit-restricted rounds only once confirmed, unless
the contest trusts declared units (`counts_for_units`).
"""
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.models import Contest, Unit, UnitInvitation, User
from core.db import now_utc

# No 0/O, 1/I/L: the codes are read aloud and typed on phones.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def counts_for_units(contest: Contest, user: User) -> bool:
    return contest.trust_declared_units or not user.unit_unconfirmed


def invitations(session: Session, contest: Contest) -> list[UnitInvitation]:
    return list(session.scalars(select(UnitInvitation).join(Unit).where(UnitInvitation.contest_id == contest.id)
                                .order_by(Unit.code)))


def _new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def generate_codes(session: Session, contest: Contest, unit_ids: list[int]) -> list[str]:
    """A fresh code for each unit (replacing its old one); returns the codes of the units changed.

    Two generations at once (two organizers, a double click) queue on the contest's row
    (PostgreSQL; SQLite writes one at a time anyway), so the second reads the first's codes and
    replaces them instead of inserting a second row per unit. 31^8 codes: a clash with a stored
    one is drawn again; a clash with a code another contest is storing this instant is retried."""
    session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _replace_codes(session, contest, unit_ids)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _replace_codes(session: Session, contest: Contest, unit_ids: list[int]) -> list[str]:
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.code)))
    existing = {row.unit_id: row for row in session.scalars(
        select(UnitInvitation).where(UnitInvitation.contest_id == contest.id,
                                     UnitInvitation.unit_id.in_([unit.id for unit in units])))}
    taken = set(session.scalars(select(UnitInvitation.code)))
    for unit in units:
        code = _new_code()
        while code in taken:
            code = _new_code()
        taken.add(code)
        row = existing.get(unit.id) or UnitInvitation(contest_id=contest.id, unit_id=unit.id)
        row.code, row.created_at = code, now_utc()
        session.add(row)
    session.flush()
    return [unit.code for unit in units]


def pending_accounts(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.awaiting_approval.is_(True)).order_by(User.created_at)))


def unconfirmed_units(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).where(User.unit_unconfirmed.is_(True), User.awaiting_approval.is_(False),
                           User.unit_id.is_not(None)).order_by(User.unit_id, User.created_at)))


def approve(session: Session, user_ids: list[int]) -> list[str]:
    """Activates waiting accounts (their declared unit with them: the organizer saw it on the same
    row); returns their usernames. Accounts not waiting are left alone."""
    users = list(session.scalars(select(User).where(User.id.in_(user_ids), User.awaiting_approval.is_(True))))
    for user in users:
        user.awaiting_approval, user.is_active_account, user.unit_unconfirmed = False, True, False
    session.flush()
    return sorted(user.username for user in users)


def confirm_units(session: Session, user_ids: list[int]) -> list[str]:
    """Confirms the declared units of these participants; returns their usernames."""
    names = sorted(session.scalars(select(User.username).where(User.id.in_(user_ids),
                                                               User.unit_unconfirmed.is_(True))))
    session.execute(update(User).where(User.id.in_(user_ids), User.unit_unconfirmed.is_(True))
                    .values(unit_unconfirmed=False).execution_options(synchronize_session=False))
    return names
