"""Listing participant accounts for organizers: search, unit filter (with sub-units), pages."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from contest.models import User
from contest.services.unit_tree import subtree_ids
from core.paging import Page, clamp
from core.text import clean_text

PAGE_SIZE = 50


def search(session: Session, q: str = "", unit_id: int | None = None, page: int = 1) -> Page:
    """Participants whose username, name, phone or email contains `q`, in `unit_id`'s subtree."""
    query = select(User).where(User.role == "participant")
    q = clean_text(q)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\")
                                  for column in (User.username, User.full_name, User.phone, User.email))))
    if unit_id is not None:
        query = query.where(User.unit_id.in_(sorted(subtree_ids(session, unit_id))))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = clamp(page, total, PAGE_SIZE)
    users = session.scalars(
        query.options(selectinload(User.unit)).order_by(User.full_name, User.username, User.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(users), total, page, PAGE_SIZE)


def get_participant(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.role == "participant" else None
