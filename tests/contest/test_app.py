"""The app core: configuration, schema, login, create-user, security headers."""
import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from contest import create_app
from contest.models import AuditLog, ContestStaff, User
from tests.factories import PASSWORD, make_unit, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_match_models(app, db):
    """After `upgrade`, autogenerate finds nothing left to do."""
    with db.get_bind().connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect an index on lower(username), so it is left out of the comparison
        # there; test_sessions.py checks what it does (`BTC` refused when `btc` exists) on both engines.
        warnings.filterwarnings("ignore", r".*expression-based index uq_user_username_lower")
        warnings.filterwarnings("ignore", r".*expression-based index 'uq_user_username_lower'")
        diff = compare_metadata(MigrationContext.configure(conn), app.extensions["sqlalchemy"].metadata)
    assert diff == []


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    first = create_app({"TESTING": True})
    key_file = Path(first.instance_path) / "secret_key"
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64


def test_configuration_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("CONTEST_TIMEZONE", "Asia/Bangkok")
    monkeypatch.setenv("SUBMIT_GRACE_SECONDS", "45")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Bangkok"
    assert app.config["SUBMIT_GRACE_SECONDS"] == 45


def test_login_and_logout(client, auth, db):
    user = make_user(username="canbo01", full_name="Trần Thị Bình")
    db.commit()
    response = auth.login("canbo01", PASSWORD)
    assert response.status_code == 302
    assert "Trần Thị Bình" in client.get("/").get_data(as_text=True)
    assert db.scalar(select(AuditLog).where(AuditLog.action == "login")).user_id == user.id
    assert auth.logout().status_code == 302
    assert "Trần Thị Bình" not in client.get("/").get_data(as_text=True)


def test_login_wrong_password_shows_vietnamese_error(client, auth, db):
    make_user(username="canbo02")
    db.commit()
    response = auth.login("canbo02", "sai-mat-khau")
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, db):
    make_user(username="canbo03")
    db.commit()
    response = client.post("/login", data={"username": "canbo03", "password": PASSWORD})
    assert response.status_code == 400
    assert "canbo03" not in client.get("/").get_data(as_text=True)


def test_logout_by_get_is_not_allowed(client):
    assert client.get("/logout").status_code == 405


def test_login_never_redirects_off_site(client, db):
    from tests.conftest import csrf_token

    make_user(username="canbo04")
    db.commit()
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/steal",
        data={"username": "canbo04", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_security_headers_forbid_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_error_pages_are_vietnamese(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_create_user_command(runner, db):
    unit = make_unit(code="SNV")
    db.commit()
    result = runner.invoke(
        args=["create-user", "btc01", "--role", "organizer", "--password", "Matkhau@9", "--full-name", "Lê Văn C"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "ts01", "--role", "participant", "--unit", "SNV"])
    assert result.exit_code == 0, result.output
    assert "Mật khẩu:" in result.output
    user = db.scalar(select(User).where(User.username == "ts01"))
    assert user.unit_id == unit.id
    assert db.scalar(select(User).where(User.username == "btc01")).check_password("Matkhau@9")


def test_create_user_scoped_to_contest(runner, db):
    from contest.models import Contest

    db.add(Contest(name="Cuộc thi A"))
    db.commit()
    result = runner.invoke(
        args=["create-user", "bgk1", "--role", "judge", "--password", "Matkhau@9", "--contest", "Cuộc thi A"]
    )
    assert result.exit_code == 0, result.output
    assert db.scalar(select(ContestStaff)).contest.name == "Cuộc thi A"


import pytest  # noqa: E402


@pytest.mark.parametrize(
    "args, message",
    [
        (["create-user", "x1", "--role", "participant", "--password", "short"], "ít nhất 8 ký tự"),
        (["create-user", "x2", "--role", "participant", "--unit", "NOPE", "--password", "Matkhau@9"], "Không có đơn vị"),
        (["create-user", "x3", "--role", "participant", "--contest", "A", "--password", "Matkhau@9"], "Chỉ ban tổ chức"),
        (["create-user", "x4", "--role", "judge", "--contest", "Không có", "--password", "Matkhau@9"], "Không có cuộc thi"),
        (["create-user", "x5", "--role", "boss", "--password", "Matkhau@9"], "Invalid value"),
    ],
)
def test_create_user_rejects_bad_values(runner, db, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.scalar(select(User)) is None


def test_create_user_duplicate_username(runner, db):
    make_user(username="trung")
    db.commit()
    result = runner.invoke(args=["create-user", "trung", "--role", "participant", "--password", "Matkhau@9"])
    assert result.exit_code == 1
    assert "đã được dùng" in result.output


def test_init_db_is_safe_to_repeat(runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0

