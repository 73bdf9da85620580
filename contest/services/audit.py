"""Writing the audit log (the caller's transaction carries the entry) and reading it back."""
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from contest.models import AuditLog, User
from core.paging import Page, clamp
from core.text import clean_text


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


# --- reading it (the organizers' audit page) ---------------------------------------------------
PAGE_SIZE = 50


def actions(session: Session) -> list[str]:
    """Every action the log holds, for the filter."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def search(session: Session, *, action: str | None = None, who: str = "", since: datetime | None = None,
           until: datetime | None = None, page: int = 1) -> Page[AuditLog]:
    """Entries newest first; `who` matches a username or full name; `since` ≤ at < `until` (UTC)."""
    query = select(AuditLog)
    if action:
        query = query.where(AuditLog.action == action)
    who = clean_text(who or "")
    if who:
        pattern = "%" + who.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.join(User, User.id == AuditLog.user_id).where(
            or_(User.username.ilike(pattern, escape="\\"), User.full_name.ilike(pattern, escape="\\")))
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if until is not None:
        query = query.where(AuditLog.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    number = clamp(page, total, PAGE_SIZE)
    entries = session.scalars(
        query.options(selectinload(AuditLog.user)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    return Page(list(entries), total, number, PAGE_SIZE)
