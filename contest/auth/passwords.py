"""Slow password work without holding SQLite's write lock.

scrypt takes tens of milliseconds on purpose. A POST begins its transactions IMMEDIATE on SQLite
(extensions.py), so a view that checks or hashes a password first reads in a plain transaction,
then ends it, hashes, and only then starts the short transaction that writes, as login does.
"""
from flask import g
from werkzeug.security import generate_password_hash

from contest.extensions import db


def read_first() -> None:
    """Call at the top of the view: what follows, password checks included, takes no write lock.

    Loading the user for `login_required` may already have begun a writer's transaction: end it."""
    db.session.rollback()
    g.write_transaction = False


def hash_then_write(password: str) -> str:
    """Ends the read transaction, hashes, and makes the next transaction a writer."""
    db.session.rollback()
    password_hash = generate_password_hash(password)
    g.write_transaction = True
    return password_hash
