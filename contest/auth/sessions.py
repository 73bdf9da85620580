"""Logging in and out, shared by the login page and the API (`POST`/`DELETE /api/v1/session`).

Each step is its own function so a view reads as the steps it takes: check the credentials, then
either record the failure or start the session.
"""
from flask import current_app, request, session
from flask_login import login_user, logout_user

from contest.db import reading
from contest.extensions import db
from contest.models import User
from contest.services import audit
from contest.services.users import accounts, user_sessions

from . import login_challenge


def login_id() -> str | None:
    """This browser's session id, `<user id>:<secret>`, where Flask-Login keeps it in the cookie."""
    return session.get("_user_id")


def principal() -> tuple[int, str] | None:
    """(user id, secret) of this browser's session id, if well formed; not yet checked against
    the table (the save's fast path checks it inside its one statement)."""
    return user_sessions.parse(login_id())


def check_credentials(login: str, password: str) -> User | None:
    """The account, or None; the slow hash runs in a plain read transaction (no SQLite write lock
    held meanwhile), and a failure costs the same time whether or not the account exists."""
    with reading(db.session):  # loading a cookie's account may have begun a writer's transaction
        return accounts.authenticate(db.session, login, password)


def log_in(user: User, *, remember: bool) -> None:
    """Logs `user` in on a new server-side session; the caller commits. A session this browser
    already had ends: a login never leaves the previous one usable behind it."""
    user_sessions.end(db.session, login_id())
    user_sessions.start(db.session, user, remember=remember, days=current_app.config["REMEMBER_DAYS"])
    login_user(user, remember=remember)


def start_session(user: User, *, remember: bool) -> None:
    """A login by password: log_in, audited."""
    log_in(user, remember=remember)
    audit.record(db.session, "login", user_id=user.id, target=user.username, ip=request.remote_addr)


def end_session() -> None:
    """Logs out and deletes this session's row, so no copy of its cookies works; the caller commits."""
    user_sessions.end(db.session, login_id())
    logout_user()


def record_failure(login: str) -> None:
    login_challenge.failed()  # counts towards the proof-of-work asked after a few failures
    audit.record(db.session, "login_failed", target=login, ip=request.remote_addr)
    db.session.commit()
