"""The choices each question of an attempt shows, cached per process.

An attempt's questions and their choice orders are fixed when it starts, and every save must
check that the chosen choice is one its question shows. Reading them once per attempt and worker
(or taking them from the start or the load that just read them) rather than once per save takes
one of the save's four queries away (bench/load_bench.py), and lets quick_save check a choice
before its single statement. Entries are keyed by the attempt's id and hold its receipt code,
drawn at random per attempt: an id that a database hands out again (SQLite reuses them once a
table is emptied) never meets another attempt's orders, and quick_save's statement matches the
code too.
"""
import threading
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Attempt, AttemptQuestion

MAX_ATTEMPTS = 10_000  # attempts in progress on one worker at once; about 1.5 KB each
_lock = threading.Lock()
Orders = dict[int, tuple[int, ...]]
_cache: "OrderedDict[int, tuple[str, Orders]]" = OrderedDict()


def remember(attempt: Attempt, items: Iterable[tuple[int, list[int]]]) -> Orders:
    orders = {question_id: tuple(order) for question_id, order in items}
    with _lock:
        _cache[attempt.id] = (attempt.receipt_code, orders)
        _cache.move_to_end(attempt.id)
        while len(_cache) > MAX_ATTEMPTS:
            _cache.popitem(last=False)
    return orders


def peek(attempt_id: int) -> tuple[str, Orders] | None:
    """(receipt code, orders) of an attempt this process has seen, without a query."""
    with _lock:
        return _cache.get(attempt_id)


def of(session: Session, attempt: Attempt) -> Orders:
    """question id → the choice ids it shows, for every question of the attempt."""
    with _lock:
        entry = _cache.get(attempt.id)
        if entry is not None and entry[0] == attempt.receipt_code:
            _cache.move_to_end(attempt.id)
            return entry[1]
    items = session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.choice_order).where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    return remember(attempt, items)


def clear() -> None:
    with _lock:
        _cache.clear()
