"""SQLite's write lock is an API (contest/db.py) and the attempt flow hands nothing over in hiding.

The grep tests keep the old patterns from coming back (issue 15, points 3 and 4): a flag toggled
by hand in views, the lazy finalisation written out in a view, state set on an ORM object for a
later call to pop, an error that makes its handler commit, a second copy of the answer upsert or
of reading Flask-Login's session key.
"""
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import event, text

from contest.db import mark_request, reading, short_write, wants_write_lock, writes_on_get
from contest.extensions import db as _db

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(path for package in ("contest", "question_bank", "core", "bench", "scripts")
                 for path in (ROOT / package).rglob("*.py"))


def _files_saying(needle: str) -> list[str]:
    return sorted(path.relative_to(ROOT).as_posix() for path in SOURCES if needle in path.read_text(encoding="utf-8"))


def test_only_contest_db_knows_the_write_lock_flag():
    assert _files_saying("write_transaction") == ["contest/db.py"]


@pytest.mark.parametrize("needle", ["upgrade_to_write(", "is_due(", "if_due("])
def test_no_view_finalises_or_takes_the_lock_by_hand(needle):
    # Views call attempts.touch() (or the contest/db.py helpers); the dance lives in services.
    outside = [name for name in _files_saying(needle)
               if name != "contest/db.py" and not name.startswith("contest/services/")]
    assert outside == []


@pytest.mark.parametrize("needle", ["just_started", "__dict__.pop(", "keep_changes"])
def test_the_attempt_flow_hands_nothing_over_in_hiding(needle):
    assert _files_saying(needle) == []


def test_the_answer_upsert_is_written_once():
    assert [Path(name).name for name in _files_saying("ON CONFLICT (attempt_id, question_id)")] == ["answers.py"]


def test_one_place_reads_the_session_id():
    assert _files_saying('"_user_id"') == ["contest/auth/sessions.py"]


@contextlib.contextmanager
def _begins(app):
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_get_marked_as_writing_takes_the_lock_up_front(app, client, engine_name):
    def read():
        _db.session.execute(text("SELECT 1"))
        return "ok"

    app.add_url_rule("/_test/reads", "test_reads", read)
    app.add_url_rule("/_test/writes", "test_writes", writes_on_get(read))
    app.add_url_rule("/_test/posts", "test_posts", read, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    lock = ["BEGIN IMMEDIATE"] if engine_name == "sqlite" else []  # PostgreSQL needs no up-front lock
    plain = ["BEGIN"] if engine_name == "sqlite" else []
    for path, method, expected in (("/_test/reads", "get", plain), ("/_test/writes", "get", lock),
                                   ("/_test/posts", "post", lock)):
        with _begins(app) as seen:
            assert getattr(client, method)(path).status_code == 200
        assert seen == expected, path


def test_reading_and_short_writes_give_the_mode_back(app):
    with app.test_request_context(method="POST"):
        mark_request()
        assert wants_write_lock()
        with reading(_db.session):
            assert not wants_write_lock()
        assert wants_write_lock()
    with app.test_request_context(method="GET"):
        mark_request()
        assert not wants_write_lock()
        with short_write(_db.session):
            assert wants_write_lock() or _db.session.get_bind().dialect.name != "sqlite"
        assert not wants_write_lock()
