"""The choices each question of an attempt shows, cached per process.

An attempt's questions and their choice orders are fixed when it starts, and the ordinary save
path and a submit carrying answers must check that each chosen choice is one its question shows.
Reading them once per attempt and worker (or taking them from the start or the load that just
read them) spares those paths a query each time. (quick_save.py checks the choice in SQL and
needs no cache.) Entries are keyed by the attempt's id and hold its receipt code, drawn at random
per attempt: an id that a database hands out again (SQLite reuses them once a table is emptied)
never meets another attempt's orders.
"""
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Attempt, AttemptQuestion
from core.cache import BoundedCache

MAX_ATTEMPTS = 10_000  # attempts in progress on one worker at once; about 1.5 KB each
Orders = dict[int, tuple[int, ...]]
_cache = BoundedCache(MAX_ATTEMPTS)  # attempt id → (receipt code, orders), least recently used out first


def remember(attempt: Attempt, items: Iterable[tuple[int, list[int]]]) -> Orders:
    orders = {question_id: tuple(order) for question_id, order in items}
    _cache.put(attempt.id, (attempt.receipt_code, orders))
    return orders


def of(session: Session, attempt: Attempt) -> Orders:
    """question id → the choice ids it shows, for every question of the attempt."""
    entry = _cache.get(attempt.id)
    if entry is not None and entry[0] == attempt.receipt_code:
        return entry[1]
    items = session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.choice_order).where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    return remember(attempt, items)


def clear() -> None:
    _cache.clear()
