"""Usernames are unique without regard to case (SPEC §9): `BTC` is refused when `btc` exists, in
the schema, create-user, participant imports, registration and organizer edits; login ignores
case; the migration reports existing clashes instead of failing half-way or renaming anyone."""
import os
import secrets
from datetime import datetime, timezone

import pytest
import time_machine
from alembic import command
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from contest import create_app
from contest.models import User
from contest.services.people.participant_import import import_participants
from contest.services.users import registration
from tests.conftest import AuthActions, csrf_token, form_with_challenge
from tests.contest.test_participant_import import HEADER, problems
from tests.factories import PASSWORD, make_contest, make_unit, make_user
from tests.question_bank.sheets import xlsx

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
BEFORE = "a7d3c9e1f205"  # the revision before usernames ignored case


@pytest.fixture
def btc(db):
    user = make_user(role="organizer", username="btc")
    make_unit(code="SNV", name="Sở Nội vụ")
    db.commit()
    return user


def usernames(db) -> list[str]:
    db.expire_all()
    return sorted(db.scalars(select(User.username)))


def test_the_database_refuses_a_username_differing_only_in_case(db, btc):
    db.add(User(username="BTC", password_hash="x", full_name="Kẻ mạo danh"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    assert usernames(db) == ["btc"]


def test_registration_refuses_btc_in_capitals(client, db, btc):
    contest = make_contest(registration_open=True)
    db.commit()
    path = f"/contests/{contest.id}/register"
    with time_machine.travel(NOW, tick=False):  # a solved challenge: without one nothing is said about names
        response = client.post(path, data={"full_name": "Nguyễn Văn Mạo", "username": "BTC", "password": "Hoa@2026vui",
                                           "confirm": "Hoa@2026vui", **form_with_challenge(client, path)})
    assert response.status_code == 400
    assert "Tên đăng nhập “BTC” đã được dùng cho một tài khoản khác." in response.get_data(as_text=True)
    assert usernames(db) == ["btc"]


def test_a_registration_racing_on_case_is_settled_by_the_index(db, btc):
    contest = make_contest(registration_open=True)
    db.commit()
    details = registration.Details(username="Btc", full_name="Nguyễn Văn Nhanh")
    with pytest.raises(registration.DetailsInvalid) as caught:
        registration.register(db, contest, details, "hash")
    assert caught.value.errors[0][0] == "username"
    db.rollback()
    assert usernames(db) == ["btc"]


def test_create_user_refuses_btc_in_capitals(runner, db, btc):
    result = runner.invoke(args=["create-user", "BTC", "--role", "organizer", "--password", "Matkhau@9"])
    assert result.exit_code == 1
    assert "Tên đăng nhập “BTC” đã được dùng (không phân biệt chữ hoa, chữ thường)." in result.output
    assert usernames(db) == ["btc"]


def test_an_import_refuses_usernames_differing_only_in_case(db, btc):
    rows = [["BTC", "", "Mạo", "SNV", "", "01/01/1980"],
            ["An", "", "An", "SNV", "", "01/01/1980"],
            ["an", "", "An 2", "SNV", "", "01/01/1980"]]
    report = import_participants(db, xlsx([HEADER[1:], *rows]))
    assert problems(report) == [
        ("Sheet1, dòng 2", "Tên đăng nhập “BTC” đã được dùng cho tài khoản “btc”."),
        ("Sheet1, dòng 4", "Tên đăng nhập “an” trùng với Sheet1, dòng 3."),
    ]
    db.rollback()
    assert usernames(db) == ["btc"]


def _edit(client, user, username):
    path = f"/people/participants/{user.id}/edit"
    return client.post(path, data={"full_name": user.full_name, "username": username, "unit_id": "",
                                   "csrf_token": csrf_token(client, path)})


def test_an_organizer_edit_refuses_another_accounts_name_in_other_case(client, db, btc):
    hoa = make_user(username="hoa01", full_name="Nguyễn Thị Hoa")
    make_user(username="binh", full_name="Trần Bình")
    db.commit()
    AuthActions(client).login("btc", PASSWORD)
    refused = _edit(client, hoa, "BINH")
    assert refused.status_code == 400
    assert "Tên đăng nhập “BINH” đã được dùng cho một tài khoản khác." in refused.get_data(as_text=True)
    assert _edit(client, hoa, "Hoa01").status_code == 302, "changing the case of one's own name is fine"
    assert usernames(db) == ["Hoa01", "binh", "btc"]


@pytest.mark.parametrize("typed", ["btc", "BTC", "Btc", " bTc "])
def test_login_by_username_ignores_case(client, btc, typed):
    response = AuthActions(client).login(typed, PASSWORD)
    assert response.status_code == 302
    assert client.get("/api/v1/rounds").status_code == 200


# --- the migration ------------------------------------------------------------------------------


@pytest.fixture
def empty_database(engine_name, tmp_path):
    """A database of its own, not migrated: this test moves it between revisions."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrating.db'}"
        return
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set TEST_POSTGRES_URL)")
    name = f"test_migrating_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_lists_existing_clashes_and_stops(empty_database, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "k"})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        from contest.extensions import db

        upgrade(directory=directory, revision=BEFORE)
        for name in ("btc", "BTC", "Hoa", "hoa", "HOA", "lan"):
            db.session.execute(text('INSERT INTO "user" (username, password_hash, full_name, role, is_active_account, '
                                    "created_at) VALUES (:name, 'x', '', 'participant', true, :now)"),
                               {"name": name, "now": NOW.replace(tzinfo=None)})
        db.session.commit()
        # Alembic's own command, as `init-db` runs it (Flask-Migrate then logs the message and exits 1).
        config = app.extensions["migrate"].migrate.get_config(directory)
        with pytest.raises(RuntimeError) as caught:
            command.upgrade(config, "head")
        message = str(caught.value)
        assert "2 group(s) differ only in case: BTC, btc; HOA, Hoa, hoa." in message
        assert "Rename all but one of each group" in message
        db.session.rollback()
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == BEFORE
        # Once an organizer has renamed them, the upgrade goes through.
        for old, new in (("BTC", "btc2"), ("HOA", "hoa2"), ("Hoa", "hoa3")):
            db.session.execute(text('UPDATE "user" SET username = :new WHERE username = :old'), {"old": old, "new": new})
        db.session.commit()
        upgrade(directory=directory)
        assert db.session.scalar(select(func.count()).select_from(User)) == 6
        db.session.remove()
        db.engine.dispose()
