"""Upgrading a database in use keeps every row (SPEC §9 migrations): on SQLite Alembic rebuilds a
table to alter it (copy, DROP TABLE, rename), and with foreign keys on, as contest/extensions.py
sets them, the DROP would delete the rows referring to it or stop the upgrade half-way. Rounds
closed before the upgrade keep the ranking they closed with (no time floor)."""
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import JSON, DateTime, column, func, insert, select, table, text
from sqlalchemy.exc import IntegrityError

from contest import create_app
from contest.models import Round
from tests.contest.test_username_case import empty_database  # noqa: F401  (fixture)

START = "5b8e0c2d7a41"  # the last revision released before issue 14
NOW = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
DAY = timedelta(days=1)


def _insert(conn, name, *rows):
    for row in rows:
        types = {key: JSON() if isinstance(value, (dict, list)) else DateTime() if isinstance(value, datetime) else None
                 for key, value in row.items()}
        conn.execute(insert(table(name, *(column(key, types[key]) for key in row))).values(**row))


def _round(id_, title, opens_at, closes_at):
    return dict(id=id_, contest_id=1, title=title, rules="Trả lời 2 câu.", opens_at=opens_at, closes_at=closes_at,
                duration_seconds=600, max_attempts=None, grading="best", show_score=True, question_count=2,
                points_per_question=5, shuffle_choices=True, prediction_prompt=None, is_published=True,
                created_at=NOW - 90 * DAY)


def _fill(conn, with_attempts: bool):
    """A contest as it would stand at START: a closed round with a finished attempt, an open one, a
    future one, and everything that refers to them."""
    _insert(conn, "unit", dict(id=1, code="SNV", name="Sở Nội vụ", parent_id=None, headcount=40, group="Sở"),
            dict(id=2, code="PCCHC", name="Phòng Cải cách hành chính", parent_id=1, headcount=8, group=None))
    _insert(conn, "user", *(dict(id=id_, username=username, password_hash="x", full_name=full_name, role=role,
                                 unit_id=unit_id, is_active_account=True, created_at=NOW - 100 * DAY)
                            for id_, username, full_name, role, unit_id in (
                                (1, "admin", "Quản trị", "admin", None),
                                (2, "btc", "Ban tổ chức", "organizer", 1),
                                (3, "hoa01", "Nguyễn Thị Hoa", "participant", 2))))
    _insert(conn, "topic", dict(id=1, name="Cải cách hành chính"))
    _insert(conn, "source_document", dict(id=1, title="Nghị quyết 76/NQ-CP"))
    _insert(conn, "question", *(dict(id=id_, text=f"Câu hỏi số {id_}?", topic_id=1, source_id=1, difficulty="easy",
                                     explanation=None, status="active", dedup_key=f"k{id_}", created_at=NOW - 80 * DAY,
                                     updated_at=NOW - 80 * DAY, created_by_id=2) for id_ in (1, 2)))
    _insert(conn, "choice", *(dict(id=(q - 1) * 4 + p + 1, question_id=q, position=p, text=f"Phương án {q}.{p}",
                                   is_correct=p == 0) for q in (1, 2) for p in range(4)))
    _insert(conn, "contest", dict(id=1, name="Tìm hiểu cải cách hành chính 2026", description="", created_at=NOW - 90 * DAY))
    _insert(conn, "contest_staff", dict(contest_id=1, user_id=2))
    _insert(conn, "round", _round(1, "Tuần 1 (đã đóng)", NOW - 60 * DAY, NOW - 30 * DAY),
            _round(2, "Tuần 2 (đang mở)", NOW - DAY, NOW + 30 * DAY),
            _round(3, "Tuần 3 (sắp mở)", NOW + 31 * DAY, NOW + 60 * DAY))
    _insert(conn, "draw_rule", *(dict(id=r, round_id=r, topic_id=1, difficulty=None, count=2) for r in (1, 2, 3)))
    _insert(conn, "round_unit", dict(round_id=1, unit_id=1), dict(round_id=2, unit_id=2))
    _insert(conn, "prize_quota", dict(id=1, round_id=1, scope="individual", prize="first", count=1))
    _insert(conn, "prize_exclusion", dict(id=1, round_id=1, user_id=None, unit_id=2, reason="Đơn vị tổ chức",
                                          excluded_by_id=2, created_at=NOW - 29 * DAY))
    _insert(conn, "audit_log", dict(id=1, at=NOW - 29 * DAY, user_id=2, action="round.close", target="round:1",
                                    details={"why": "hết giờ"}, ip="10.0.0.1"),
            dict(id=2, at=NOW - 28 * DAY, user_id=None, action="login.failed", target="user:hoa01", details={},
                 ip="10.0.0.2"))
    if with_attempts:
        started = NOW - 40 * DAY
        _insert(conn, "attempt", dict(id=1, round_id=1, user_id=3, number=1, started_at=started,
                                      deadline=started + timedelta(seconds=600), finished_at=started + timedelta(seconds=95),
                                      submitted_at=started + timedelta(seconds=95), finished_by="participant",
                                      duration_seconds=95, score=5, max_score=10, prediction=120,
                                      receipt_code="R7K2M9QX", start_key="s1"))
        _insert(conn, "attempt_question", *(dict(attempt_id=1, question_id=q, position=q - 1, choice_order=[3, 1, 0, 2],
                                                 points=5) for q in (1, 2)))
        _insert(conn, "answer", dict(attempt_id=1, question_id=1, choice_id=1, saved_at=started + timedelta(seconds=40)),
                dict(attempt_id=1, question_id=2, choice_id=6, saved_at=started + timedelta(seconds=90)))


TABLES = ("unit", "user", "topic", "source_document", "question", "choice", "contest", "contest_staff", "round",
          "draw_rule", "round_unit", "prize_quota", "prize_exclusion", "audit_log", "attempt", "attempt_question",
          "answer")


def _counts(conn) -> dict[str, int]:
    return {name: conn.scalar(select(func.count()).select_from(table(name))) for name in TABLES}


@pytest.mark.parametrize("with_attempts", [True, False], ids=["with-attempts", "no-attempts"])
def test_upgrading_a_filled_database_keeps_every_row(empty_database, with_attempts):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "k"})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        from contest.extensions import db

        try:
            _upgrade_and_check(db, directory, with_attempts)
        finally:  # a failed check must not leave a connection for a later test's garbage collection
            db.session.remove()
            db.engine.dispose()


def _upgrade_and_check(db, directory, with_attempts):
    upgrade(directory=directory, revision=START)
    with db.engine.begin() as conn:
        _fill(conn, with_attempts)
        before = _counts(conn)
    assert before["choice"] == 8 and before["answer"] == (2 if with_attempts else 0)

    upgrade(directory=directory)

    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == ScriptDirectory(directory).get_current_head()
        assert _counts(conn) == before
        assert conn.execute(text("SELECT id, text FROM choice WHERE id IN (1, 8) ORDER BY id")).all() == [
            (1, "Phương án 1.0"), (8, "Phương án 2.3")]
        # ON DELETE SET NULL did not fire either: who did what is still known.
        assert conn.execute(text("SELECT id, user_id FROM audit_log ORDER BY id")).all() == [(1, 2), (2, None)]
        assert conn.scalar(text("SELECT count(*) FROM question WHERE created_by_id = 2")) == 2
        assert conn.scalar(text("SELECT excluded_by_id FROM prize_exclusion")) == 2
        assert conn.execute(text('SELECT id, unit_id FROM "user" ORDER BY id')).all() == [(1, None), (2, 1), (3, 2)]
        assert conn.execute(text("SELECT round_id, unit_id FROM round_unit ORDER BY round_id")).all() == [(1, 1), (2, 2)]
        # The time floor is off for the round closed before the upgrade, 3 s for the others.
        assert conn.execute(text("SELECT id, min_seconds_per_question FROM round ORDER BY id")).all() == [
            (1, 0), (2, 3), (3, 3)]
        if with_attempts:
            assert conn.execute(text("SELECT question_id, choice_id FROM answer ORDER BY question_id")).all() == [
                (1, 1), (2, 6)]
            assert conn.scalar(text("SELECT score FROM attempt WHERE id = 1")) == 5
            assert conn.execute(text("SELECT version FROM attempt_question")).scalars().all() == [1, 1]
        if db.engine.dialect.name == "sqlite":
            assert conn.scalar(text("PRAGMA foreign_keys")) == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    # Foreign keys are enforced again after the upgrade: a referenced unit cannot go.
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM unit WHERE id = 1"))
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM unit")) == 2
    # A round created from now on gets the 3-second floor.
    assert Round.__table__.c.min_seconds_per_question.default.arg == 3


def test_an_upgrade_that_would_leave_dangling_references_stops_and_changes_nothing(tmp_path):
    """SQLite only (PostgreSQL never turns its foreign keys off): the check after the upgrade."""
    url = f"sqlite:///{tmp_path / 'dangling.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k"})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        from contest.extensions import db

        upgrade(directory=directory, revision=START)
        with db.engine.connect() as conn:
            driver = conn.connection.driver_connection
            driver.execute("PRAGMA foreign_keys=OFF")
            driver.execute("INSERT INTO \"user\" (id, username, password_hash, full_name, role, unit_id, "
                           "is_active_account, created_at) VALUES (7, 'lan', 'x', 'Lan', 'participant', 99, 1, "
                           "'2026-11-01 00:00:00')")
            driver.execute("PRAGMA foreign_keys=ON")
        # Alembic's own command, as `init-db` runs it (Flask-Migrate then logs the message and exits 1).
        with pytest.raises(RuntimeError) as caught:
            command.upgrade(app.extensions["migrate"].migrate.get_config(directory), "head")
        assert "1 row(s) referring to rows that do not exist (user rowid 7 -> unit)" in str(caught.value)
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == START
            assert "version" not in {row[1] for row in conn.execute(text("PRAGMA table_info(question)"))}
            assert conn.scalar(text("SELECT count(*) FROM \"user\"")) == 1
            assert conn.scalar(text("PRAGMA foreign_keys")) == 1
        db.engine.dispose()
