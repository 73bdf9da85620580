"""Fixtures: an app per test on SQLite and on PostgreSQL, clients, a login helper, a browser."""
import base64
import hashlib
import json
import os
import secrets
import threading
from html import unescape
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from contest import create_app
from contest.extensions import db as _db
from contest.services.quiz import draw
from contest.services.results import flags, rank_order

ENGINES = ["sqlite", "postgresql"]
_migrated: set[str] = set()
TRANSLATIONS = Path(__file__).resolve().parent.parent / "contest" / "translations"


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    """`make install` compiles the catalogs; a bare `pytest` after editing a .po must see them too."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=True)


def _require(flag: str) -> bool:
    return os.environ.get(flag) == "1"


@pytest.fixture(scope="session")
def postgresql_url():
    """A throw-away database on the server named by TEST_POSTGRES_URL, dropped at the end."""
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url:
        if _require("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set TEST_POSTGRES_URL)")
    name = f"test_contest_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))
    except Exception as exc:  # noqa: BLE001  (any connection failure means "no PostgreSQL")
        admin.dispose()
        if _require("REQUIRE_POSTGRES"):
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class IsolatedClient(FlaskClient):
    """Each request gets a fresh app context (fresh `g`, its own DB session), as in production,
    even while the test itself holds one open through the `db` fixture."""

    def open(self, *args, **kwargs):
        _end_test_transaction()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        _end_test_transaction()
        with self.app.app_context():
            return super().invoke(*args, **kwargs)


def _end_test_transaction():
    # The test's own session must not hold a SQLite snapshot (or lock) across a request: it
    # would not see what the request wrote. Tests commit what the request should see first.
    if has_app_context():
        _db.session.rollback()


def make_test_app(url: str, instance: Path, **config):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": True,
            "CHALLENGE_MAX_NUMBER": 200,  # tests solve the real proof-of-work, only a small one
            **config,
        }
    )
    app.instance_path = str(instance)
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    with app.app_context():
        if url not in _migrated:
            from flask_migrate import upgrade

            upgrade(directory=app.extensions["migrate"].directory)
            _migrated.add(url)
    return app


def _empty_tables(app):
    # Per-process caches keyed by database and id: the next test reuses both.
    draw.clear_cache()
    rank_order.clear_cache()
    flags.clear_cache()
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
        _db.engine.dispose()


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture
def database_url(request, engine_name):
    return request.getfixturevalue(f"{engine_name}_url")


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path)
    yield app
    _empty_tables(app)


@pytest.fixture
def db(app):
    """The session, inside an app context; tests commit before they call the client."""
    with app.app_context():
        yield _db.session
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/login") -> str:
    """The token a page embeds in its <meta>, as a browser would read it."""
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def solve_challenge(params: dict) -> str:
    """What static/js/challenge.js does: try numbers until SHA-256(salt + n) is the challenge."""
    for number in range(params["maxnumber"] + 1):
        if hashlib.sha256(f"{params['salt']}{number}".encode()).hexdigest() == params["challenge"]:
            body = {key: params[key] for key in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**body, "number": number}).encode()).decode()
    raise AssertionError("the challenge has no solution")


def page_challenge(html: str) -> dict:
    """The challenge parameters a page gives its script (templates/auth/_challenge.html)."""
    marker = "data-challenge='"
    start = html.index(marker) + len(marker)
    return json.loads(unescape(html[start : html.index("'", start)]))


def form_with_challenge(client, path: str) -> dict:
    """The CSRF token and a solved challenge of the form at `path`, as a browser would send them."""
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return {"csrf_token": html[start : html.index('"', start)], "challenge": solve_challenge(page_challenge(html))}


def session_post(client, body: dict, **kwargs):
    """POST /api/v1/session as a client that solves the challenge when the server asks for one."""
    response = client.post("/api/v1/session", json=body, **kwargs)
    error = (response.get_json(silent=True) or {}).get("error") or {}
    if response.status_code == 428 and error.get("code") == "challenge_required":
        response = client.post("/api/v1/session", json={**body, "challenge": solve_challenge(error["challenge"])},
                               **kwargs)
    return response


def login_form_post(client, data: dict, **kwargs):
    """POST /login as a browser would: the page's CSRF token, and its challenge solved when shown.
    The page knows the account only once it is posted, so it may ask for a challenge then."""
    html = client.get("/login", **kwargs).get_data(as_text=True)
    for _round in range(2):
        marker = 'name="csrf-token" content="'
        start = html.index(marker) + len(marker)
        form = {**data, "csrf_token": html[start : html.index('"', start)]}
        if "data-challenge=" in html:
            form["challenge"] = solve_challenge(page_challenge(html))
        response = client.post("/login", data=form, **kwargs)
        html = response.get_data(as_text=True)
        if "challenge" in form or 'id="challenge-error"' not in html:
            break
    return response


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str):
        token = csrf_token(self._client)
        return self._client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = csrf_token(self._client, "/")
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- browser ---------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if _require("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(sqlite_url, tmp_path):
    """The app served by werkzeug in a thread on 127.0.0.1, on SQLite."""
    from werkzeug.serving import make_server

    app = make_test_app(sqlite_url, tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)
    _empty_tables(app)
