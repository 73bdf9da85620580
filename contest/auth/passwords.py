"""Slow password work without holding SQLite's write lock.

scrypt takes tens of milliseconds on purpose. A POST begins its transactions IMMEDIATE on SQLite
(contest/db.py), so a view that checks or hashes a password first reads in a plain transaction,
then ends it, hashes, and only then starts the short transaction that writes, as login does.
"""
from werkzeug.security import generate_password_hash

from contest.db import begin_reads, begin_writes
from contest.extensions import db


def read_first() -> None:
    """Call at the top of the view: what follows, password checks included, takes no write lock.

    Loading the user for `login_required` may already have begun a writer's transaction: end it."""
    begin_reads(db.session)


def hash_then_write(password: str) -> str:
    """Ends the read transaction, hashes, and makes the next transaction a writer."""
    begin_reads(db.session)
    password_hash = generate_password_hash(password)
    begin_writes()
    return password_hash
