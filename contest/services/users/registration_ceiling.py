"""The per-address registration ceiling, settled in the database (SPEC §9, issue 14).

The rate-limit rule `registration_address` (ratelimits.py) is the cheap first gate, but
Flask-Limiter tests a rule before the view and counts it after the response, and a registration
hashes a password in between: 150 requests released together from one address created 97
accounts against a ceiling of 30. This check is the authority. It runs inside the registration's
own write transaction, under a lock per address (SQLite: the transaction is BEGIN IMMEDIATE, so
writers queue; PostgreSQL: a transaction-scoped advisory lock on the address), and counts the
`registered` audit entries from that address within the window, which that same transaction
adds to. So the ceiling holds exactly, however the requests are timed.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from limits import parse
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from contest.errors import DomainError
from contest.models import AuditLog


class CeilingReached(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, seconds: int):
        super().__init__(_("Đã có quá nhiều tài khoản được đăng ký từ địa chỉ mạng này. Vui lòng thử lại sau "
                           "%(seconds)d giây hoặc liên hệ ban tổ chức để được cấp tài khoản.", seconds=seconds))
        self.retry_after = seconds


def check(session: Session, address: str | None, limit_text: str, now: datetime) -> None:
    """Raises CeilingReached when `address` has registered as many accounts as `limit_text`
    ("30 per hour") allows within its window; call in the transaction that registers."""
    if not address:
        return
    limit = parse(limit_text)
    since = now - timedelta(seconds=limit.get_expiry())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"registration:{address}"})
    rows = session.execute(
        select(func.count(), func.min(AuditLog.at)).where(
            AuditLog.action == "registered", AuditLog.ip == address, AuditLog.at >= since)
    ).one()
    count, oldest = rows
    if count >= limit.amount:
        seconds = max(1, int((oldest + timedelta(seconds=limit.get_expiry()) - now).total_seconds()) + 1)
        raise CeilingReached(seconds)
