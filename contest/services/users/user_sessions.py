"""Server-side sessions: a login is a `user_session` row, so logging out really ends it.

Flask-Login keeps `<user id>:<secret>` in the session cookie and in the remember-me cookie
(User.get_id); the table keeps only the secret's digest. A request is logged in while its row
exists and has not expired: logging out deletes that row, "log out everywhere" and a password
change or reset delete the others too, so a copy of an old cookie is worth nothing. Checking
costs no extra statement: the row is joined to the account load (auth/views.py load_user) and
to the save's fast path (quick_save.py). Nothing is written per request.
"""
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contest.digests import digest
from contest.models import User, UserSession
from core.db import now_utc
from core.numbers import parse_id


def parse(login_id) -> tuple[int, str] | None:
    """(user id, secret) from a `<user id>:<secret>` value, if well formed."""
    if not isinstance(login_id, str):
        return None
    text, _colon, secret = login_id.partition(":")
    if (user_id := parse_id(text)) is None or not 20 <= len(secret) <= 100:
        return None
    return user_id, secret


def start(session: Session, user: User, *, remember: bool, days: int) -> str:
    """A new session for `user`, who gets its id (user.login_id); expired rows are swept."""
    now = now_utc()
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    secret = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, secret_hash=digest(secret), remember=remember, created_at=now,
                            expires_at=now + timedelta(days=days)))
    session.flush()
    user.login_id = f"{user.id}:{secret}"
    return user.login_id


def load(session: Session, login_id) -> User | None:
    """The account of a live session, in one statement; None once it ended or expired."""
    parsed = parse(login_id)
    if parsed is None:
        return None
    user_id, secret = parsed
    user = session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.secret_hash == digest(secret), UserSession.expires_at > now_utc())
    )
    if user is not None:
        user.login_id = login_id
    return user


def end(session: Session, login_id) -> None:
    """Ends one session (logout); an unknown or ended one is no error."""
    parsed = parse(login_id)
    if parsed is not None:
        user_id, secret = parsed
        session.execute(delete(UserSession).where(UserSession.user_id == user_id,
                                                  UserSession.secret_hash == digest(secret)))


def end_all(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """Ends every session of the account but `keep` (a password change keeps the one it came
    from; log out everywhere and an organizer's reset keep none). Returns how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    kept = parse(keep)
    if kept is not None:
        statement = statement.where(UserSession.secret_hash != digest(kept[1]))
    return session.execute(statement).rowcount
