"""Writing the audit log; the caller's transaction carries the entry."""
from sqlalchemy.orm import Session

from contest.models import AuditLog


def record(
    session: Session,
    action: str,
    *,
    user_id: int | None = None,
    target: str = "",
    details: dict | None = None,
    ip: str | None = None,
) -> AuditLog:
    entry = AuditLog(action=action, user_id=user_id, target=target[:200], details=details or {}, ip=ip)
    session.add(entry)
    return entry

