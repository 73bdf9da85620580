"""The browser-facing defences: security headers and a CSP with no inline script, cookie flags,
CSRF on every state change, 413 before any body is parsed, scrypt password hashes."""
import io
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from contest import create_app
from contest.extensions import csrf
from contest.models import AuditLog, StagedUpload, User
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_bank, make_round, make_unit, make_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The only views that take a state-changing request without a CSRF token (SPEC §5: the API login,
# which has no session yet to hold a token; the load bench's floor, registered only under BENCH_FLOOR=1).
CSRF_EXEMPT = {"contest.api.views.create_session", "contest.observability.floor"}
CSRF_PAGE = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ."


def text(response) -> str:
    return response.get_data(as_text=True)


def login(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302


# --- headers -----------------------------------------------------------------------------------

def _directives(csp: str) -> dict[str, list[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", ["/login", "/", "/khong-co", "/api/v1/rounds", "/api/openapi.json", "/api/v1/khong-co"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"], "scripts only from our static files: no inline, no eval"
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP by default
    if path.startswith("/api/v1/"):
        assert response.headers["Cache-Control"] == "no-store"


# A JSON data block (<script type="application/json">, translated text for a script) is never run.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
INLINE_STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.I | re.S)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_templates_have_no_inline_script_handler_or_style(template):
    source = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), "move the script to static/js/"
    assert not HANDLER.search(source), "an on…= handler runs inline: attach it from static/js/"
    assert not INLINE_STYLE.search(source), "the CSP (style-src 'self') blocks inline styles"
    assert "javascript:" not in source.lower()


def test_every_script_a_template_loads_is_a_static_file():
    for template in TEMPLATES:
        for name in re.findall(r"filename=['\"](js/[^'\"]+)['\"]", template.read_text(encoding="utf-8")):
            assert (ROOT / "static" / name).is_file(), f"{template.name} loads missing {name}"


def test_rendered_pages_have_no_inline_script(client, auth, db):
    make_bank(3)
    round_ = make_round(questions=3)
    make_user(username="canbo")
    db.commit()
    login(client, "canbo")
    start = client.post(f"/rounds/{round_.id}/start", data={"csrf_token": csrf_token(client, "/")})
    assert start.status_code == 302
    for path in ("/", f"/rounds/{round_.id}", start.headers["Location"], "/khong-co"):
        html = text(client.get(path))
        assert not INLINE_SCRIPT.search(html) and not HANDLER.search(html), path


def test_https_deployment_sends_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("FORCE_HTTPS", "1")
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app({"TESTING": True})
    response = app.test_client().get("/api/openapi.json")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


# --- cookies -----------------------------------------------------------------------------------

def _cookie(response, name: str) -> str:
    found = [header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[-1]


def test_session_and_remember_cookies_are_httponly_and_samesite(client, db):
    make_user(username="canbo")
    db.commit()
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD, "remember": "y",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
        assert "Secure" not in cookie, "plain-HTTP `make run` must still keep its login"
    api = client.application.test_client().post("/api/v1/session", json={"username": "canbo", "password": PASSWORD})
    assert "HttpOnly" in _cookie(api, "session") and "SameSite=Lax" in _cookie(api, "session")


@pytest.mark.parametrize("variable, value", [("FORCE_HTTPS", "1"), ("PREFERRED_URL_SCHEME", "https")])
def test_cookies_are_secure_behind_https(monkeypatch, database_url, tmp_path, variable, value):
    from tests.conftest import _empty_tables, make_test_app
    from contest.extensions import db

    monkeypatch.setenv(variable, value)
    app = make_test_app(database_url, tmp_path)
    try:
        with app.app_context():
            make_user(username="canbo")
            db.session.commit()
        client = app.test_client()
        https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
        html = text(client.get("/login", **https))
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        response = client.post("/login", data={"username": "canbo", "password": PASSWORD, "remember": "y",
                                               "csrf_token": token}, **https)
        assert response.status_code == 302
        for name in ("session", "remember_token"):
            cookie = _cookie(response, name)
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    finally:
        _empty_tables(app)


# --- CSRF --------------------------------------------------------------------------------------

def _sample(converter) -> str:
    items = getattr(converter, "items", None)  # <any(a, b)>
    if items:
        return sorted(items)[0]
    return "1" if isinstance(converter, IntegerConverter) else "abc"


def _changing_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if f"{view.__module__}.{view.__name__}" in CSRF_EXEMPT:
            continue
        values = {name: _sample(converter) for name, converter in rule._converters.items()}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & CHANGING):
            yield method, path


def test_csrf_exemptions_are_only_the_documented_ones(app):
    assert set(csrf._exempt_views) <= CSRF_EXEMPT and not csrf._exempt_blueprints
    assert "contest.api.views.create_session" in csrf._exempt_views


@pytest.mark.parametrize("who", ["anonymous", "participant", "admin"])
def test_every_state_change_without_a_csrf_token_is_refused(app, client, db, who):
    make_user(username="thisinh")
    make_user(role="admin", username="quantri")
    db.commit()
    if who != "anonymous":
        login(client, {"participant": "thisinh", "admin": "quantri"}[who])
    token = csrf_token(client, "/")
    before = db.scalar(select(func.count()).select_from(AuditLog))
    routes = list(_changing_routes(app))
    assert len(routes) > 30, "the walk found the app's forms"
    for method, path in routes:
        for headers, data in (({}, {}), ({"X-CSRFToken": token + "x"}, {"csrf_token": "forged"})):
            if path.startswith("/api/"):
                response = client.open(path, method=method, json={}, headers=headers)
                assert response.status_code == 400, (method, path)
                assert response.get_json()["error"]["code"] == "csrf_failed", (method, path)
            else:
                response = client.open(path, method=method, data=data, headers=headers)
                assert response.status_code == 400, (method, path)
                assert CSRF_PAGE in text(response), (method, path)
    assert db.scalar(select(func.count()).select_from(AuditLog)) == before
    if who != "anonymous":
        assert "Đăng xuất" in text(client.get("/")), "still logged in: the refused logout did nothing"


def test_api_change_with_the_header_passes_the_csrf_check(client, db):
    make_user(username="thisinh")
    db.commit()
    token = client.post("/api/v1/session", json={"username": "thisinh", "password": PASSWORD}).get_json()["csrf_token"]
    assert client.delete("/api/v1/session").status_code == 400
    assert client.delete("/api/v1/session", headers={"X-CSRFToken": token}).status_code == 200


# --- 413 before parsing ------------------------------------------------------------------------

UPLOADS = ["/bank/import", "/people/units/import", "/people/participants/import"]


def _upload_forms() -> set[str]:
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return {f"{form.__module__}.{form.__name__}" for form in walk(FlaskForm)
            if any(getattr(value, "field_class", None) is FileField for value in vars(form).values())}


def test_the_upload_list_covers_every_file_form(app):
    # A new form with a FileField must add its route to UPLOADS (and so to the 413 test below).
    assert _upload_forms() == {"question_bank.forms.UploadForm", "contest.people.forms.UploadForm"}


def _multipart(token: str, size: int) -> tuple[bytes, str]:
    # Built by hand: werkzeug's test client would spool this to a temporary file it never closes.
    boundary = "----bienGioi"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="lon.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()
    return head + b"x" * size + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def never_parsed(monkeypatch):
    """Inside it, anything that starts reading a JSON body or parsing a form fails the request."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the body was parsed before the size check")

    @contextmanager
    def guard():
        with monkeypatch.context() as patch:
            patch.setattr(FormDataParser, "parse", refuse)
            patch.setattr(Request, "get_data", refuse)
            patch.setattr(Request, "get_json", refuse)
            yield

    return guard


@pytest.mark.parametrize("path", UPLOADS)
def test_oversized_upload_is_413_before_parsing(app, client, db, path, never_parsed):
    make_user(role="admin", username="quantri")
    db.commit()
    login(client, "quantri")
    token = csrf_token(client, path)
    body, content_type = _multipart(token, app.config["MAX_CONTENT_LENGTH"] + 1)
    with never_parsed():
        response = client.post(path, data=body, content_type=content_type)
    assert response.status_code == 413
    assert "Tệp tải lên vượt quá giới hạn 20 MB." in text(response)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StagedUpload)) == 0, "nothing staged"


def test_upload_within_the_limit_is_parsed(app, client, db):
    make_user(role="admin", username="quantri")
    make_unit(code="SNV")
    db.commit()
    login(client, "quantri")
    data = {"csrf_token": csrf_token(client, "/people/units/import"),
            "file": (io.BytesIO("Mã,Tên,Mã cấp trên,Biên chế\nSTP,Sở Tư pháp,,40\n".encode()), "dv.csv")}
    response = client.post("/people/units/import", data=data, content_type="multipart/form-data")
    assert response.status_code in (200, 302) and response.status_code != 413


@pytest.mark.parametrize("path, method", [("/api/v1/session", "post"), ("/api/v1/attempts/1/submit", "post"),
                                          ("/api/v1/attempts/1/answers/1", "put")])
def test_oversized_api_body_is_json_413_before_parsing(app, client, path, method, never_parsed):
    body = b'{"answers": {' + b'"1": 1, ' * (app.config["API_MAX_CONTENT_LENGTH"] // 8) + b'"2": 2}}'
    assert len(body) > app.config["API_MAX_CONTENT_LENGTH"]
    with never_parsed():
        response = getattr(client, method)(path, data=body, content_type="application/json",
                                           headers={"X-CSRFToken": "any"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_api_body_below_its_limit_is_read(client, db):
    response = client.post("/api/v1/session", json={"username": "x" * 200, "password": "y" * 200})
    assert response.status_code == 401


# --- passwords ---------------------------------------------------------------------------------

def test_passwords_are_hashed_with_scrypt(runner, db):
    first, second = make_user(username="mot"), make_user(username="hai")
    assert first.password_hash.startswith("scrypt:") and second.password_hash.startswith("scrypt:")
    assert first.password_hash != second.password_hash, "salted"
    assert PASSWORD not in first.password_hash and first.check_password(PASSWORD)
    db.commit()
    assert runner.invoke(args=["create-user", "ba", "--role", "judge", "--password", "Matkhau@9"]).exit_code == 0
    db.expire_all()
    stored = db.scalar(select(User).where(User.username == "ba")).password_hash
    assert stored.startswith("scrypt:") and "Matkhau@9" not in stored
