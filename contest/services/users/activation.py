"""One-time activation links: how a bulk-imported (or reset) account gets its first password.

The link carries `<user id>.<secret>`; only the secret's SHA-256 is stored, with an expiry. The
secret has 256 random bits, so a fast hash is enough, and the comparison is constant-time. Using
the link sets the password and clears the token in one conditional UPDATE, so of two concurrent
uses exactly one wins. Opening the link (GET) consumes nothing: chat apps fetch links to preview.
"""
import hmac
import secrets
from datetime import timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from contest.digests import digest as _digest
from contest.errors import DomainError, ValidationFailed
from contest.models import User
from contest.services.users import user_sessions
from contest.services.users.accounts import MIN_PASSWORD
from core.db import now_utc
from core.numbers import parse_id

TTL = timedelta(days=14)
# Not a hash werkzeug can parse, so check_password_hash is False for every password.
NO_PASSWORD = "!activation-pending"
MAX_PASSWORD = 200


class InvalidActivation(DomainError):
    code = "invalid_activation"
    status = 404
    message = _l("Liên kết kích hoạt không hợp lệ, đã được dùng hoặc đã hết hạn; "
                 "hãy liên hệ ban tổ chức để nhận liên kết mới.")



def new_secret() -> tuple[str, str]:
    """(secret, the digest to store); the link's token is token_for(user id, secret)."""
    secret = secrets.token_urlsafe(32)
    return secret, _digest(secret)


def token_for(user_id: int, secret: str) -> str:
    return f"{user_id}.{secret}"


def issue(user: User, ttl: timedelta = TTL) -> str:
    """A fresh token for a flushed user; any earlier one stops working. Returns the token."""
    secret, user.activation_token_hash = new_secret()
    user.activation_expires_at = now_utc() + ttl
    return token_for(user.id, secret)


def reset(session: Session, user: User, ttl: timedelta = TTL) -> str:
    """An organizer's reset: the old password and every session end at once; the new link sets one."""
    user.password_hash = NO_PASSWORD
    user_sessions.end_all(session, user.id)
    return issue(user, ttl)


def _split(token: str) -> tuple[int, str] | None:
    user_id, dot, secret = (token or "").partition(".")
    user_id = parse_id(user_id)
    if not dot or user_id is None or not 20 <= len(secret) <= 100:
        return None
    return user_id, secret


def find(session: Session, token: str) -> User | None:
    """The account a still-valid token belongs to, else None."""
    parts = _split(token)
    if parts is None:
        return None
    user = session.get(User, parts[0])
    if user is None or not user.activation_token_hash or user.activation_expires_at is None:
        return None
    if not hmac.compare_digest(user.activation_token_hash, _digest(parts[1])):
        return None
    if now_utc() >= user.activation_expires_at or not user.is_active_account:
        return None
    return user


def activate(session: Session, token: str, password: str) -> User:
    """Sets the password and spends the token; raises InvalidActivation or ValidationFailed."""
    user = find(session, token)
    if user is None:
        raise InvalidActivation()
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(_("Mật khẩu phải có ít nhất %(min)d ký tự.", min=MIN_PASSWORD), field="password")
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed(_("Mật khẩu dài tối đa %(max)d ký tự.", max=MAX_PASSWORD), field="password")
    spent = session.execute(
        update(User)
        .where(User.id == user.id, User.activation_token_hash == user.activation_token_hash,
               User.activation_expires_at > now_utc())
        .values(password_hash=generate_password_hash(password), activation_token_hash=None,
                activation_expires_at=None)
        .execution_options(synchronize_session="fetch")
    )
    if spent.rowcount != 1:  # someone used it between our read and this write
        raise InvalidActivation()
    return user
