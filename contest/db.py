"""When a transaction takes SQLite's write lock: the one place that decides.

In WAL mode a transaction that read first and writes later fails at once with SQLITE_BUSY_SNAPSHOT
if another writer committed in between, whatever the busy timeout. So a request or command that
writes begins its transactions IMMEDIATE (extensions.py emits the BEGIN this module chooses), and
plain reads begin deferred and stay concurrent. The choice lasts for the application context (one
request or one CLI command); nothing else reads or sets it:

- every request that changes state (any method but GET/HEAD/OPTIONS) writes: `mark_request`;
- a CLI command writes: `begin_writes` (cli/support.py writer_context);
- a GET that always writes: `@writes_on_get`;
- a GET that finds it must write (lazy finalisation): `upgrade_to_write(session)`;
- a GET that writes a little and then reads a lot (an export's audit line): `with short_write(session)`;
- slow work that must not hold the lock (password hashing): `with reading(session)`, or
  `begin_reads(session)` … `begin_writes()` around the part that only reads.

PostgreSQL ignores the choice (row locks and MVCC need no up-front lock).
"""
import functools
from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_app_context, request
from sqlalchemy.orm import Session

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_write_lock() -> bool:
    """True when this context's transactions begin IMMEDIATE on SQLite."""
    return has_app_context() and g.get("write_transaction", False)


def begin_statement() -> str:
    """What extensions.py's engine hook sends to begin a SQLite transaction."""
    return "BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN"


def begin_writes() -> None:
    """From here on, this request's or command's transactions take the write lock up front."""
    g.write_transaction = True


def begin_reads(session: Session) -> None:
    """Ends the transaction in progress (loading the account may have begun a writer's); those that
    follow read without the write lock until `begin_writes`."""
    session.rollback()
    g.write_transaction = False


def mark_request() -> None:
    """before_request: a request that changes state writes."""
    if request.method not in _SAFE_METHODS:
        begin_writes()


def writes_on_get(view):
    """For a view that writes whatever the method: its transactions take the write lock up front."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        begin_writes()
        return view(*args, **kwargs)

    return wrapped


def upgrade_to_write(session: Session) -> None:
    """A reader that finds it must write: on SQLite its read transaction ends (what it loaded must
    be read again) and the next one takes the write lock."""
    if session.get_bind().dialect.name == "sqlite" and not wants_write_lock():
        session.rollback()
        begin_writes()


@contextmanager
def short_write(session: Session) -> Iterator[None]:
    """A write of its own inside a reading request, committed at the end of the block; afterwards
    the request reads as before (an export logs its download, then streams without the lock)."""
    was_writing = wants_write_lock()
    upgrade_to_write(session)
    yield
    session.commit()
    g.write_transaction = was_writing


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """The block holds no write lock and no transaction of the request's (slow password checks):
    the transaction in progress ends before it, the block's own after it, and the request takes
    the lock again as before."""
    was_writing = wants_write_lock()
    begin_reads(session)
    try:
        yield
    finally:
        session.rollback()
        g.write_transaction = was_writing
