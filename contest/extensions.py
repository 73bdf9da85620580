"""The extension objects, created unbound and initialised by create_app."""
import sqlite3

from flask import g, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite ships with foreign keys off; WAL lets readers work while one writer commits.
    if isinstance(dbapi_connection, sqlite3.Connection):
        # We emit BEGIN ourselves (below): pysqlite's own handling breaks SAVEPOINT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # In WAL mode a transaction that read first and writes later fails at once with
    # SQLITE_BUSY_SNAPSHOT if another writer committed in between, whatever the busy timeout.
    # Requests that write therefore take the write lock up front; plain reads stay concurrent.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def wants_write_lock() -> bool:
    """Set per request (security.py) and per CLI command (cli/support.py); plain reads begin deferred."""
    return has_app_context() and g.get("write_transaction", False)


def upgrade_to_write(session) -> None:
    """A GET that finds it must write (lazy finalisation): restart its transaction as a writer."""
    if session.get_bind().dialect.name == "sqlite" and not wants_write_lock():
        session.rollback()
        g.write_transaction = True
