"""The choices each question of an attempt shows, cached per process.

An attempt's questions and their choice orders are fixed when it starts, and every save must
check that the chosen choice is one its question shows. Reading them once per attempt and worker
(or taking them from the start or the load that just read them) rather than once per save takes
one of the save's four queries away (bench/load_bench.py). Entries are keyed by the attempt's id
and its receipt code, drawn at random per attempt, so an id that a database hands out again
(SQLite reuses them once a table is emptied) never meets another attempt's orders.
"""
import threading
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Attempt, AttemptQuestion

MAX_ATTEMPTS = 10_000  # attempts in progress on one worker at once; about 1.5 KB each
_lock = threading.Lock()
_cache: "OrderedDict[tuple[int, str], dict[int, tuple[int, ...]]]" = OrderedDict()


def remember(attempt: Attempt, items: Iterable[tuple[int, list[int]]]) -> dict[int, tuple[int, ...]]:
    orders = {question_id: tuple(order) for question_id, order in items}
    key = (attempt.id, attempt.receipt_code)
    with _lock:
        _cache[key] = orders
        _cache.move_to_end(key)
        while len(_cache) > MAX_ATTEMPTS:
            _cache.popitem(last=False)
    return orders


def of(session: Session, attempt: Attempt) -> dict[int, tuple[int, ...]]:
    """question id → the choice ids it shows, for every question of the attempt."""
    key = (attempt.id, attempt.receipt_code)
    with _lock:
        orders = _cache.get(key)
        if orders is not None:
            _cache.move_to_end(key)
            return orders
    items = session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.choice_order).where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    return remember(attempt, items)


def clear() -> None:
    with _lock:
        _cache.clear()
