"""Fixtures only (helpers are in tests/support.py): the app on SQLite and on PostgreSQL, clients,
`auth` (login that asserts, api_login), a browser."""
import os
import secrets
import threading
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from contest import ratelimits
from contest.extensions import db as _db
from tests.factories import make_user
from tests.support import AuthActions, empty_tables, make_test_app

ENGINES = ["sqlite", "postgresql"]
TRANSLATIONS = Path(__file__).resolve().parent.parent / "contest" / "translations"


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    """`make install` compiles the catalogs; a bare `pytest` after editing a .po must see them too."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            partial = mo.with_name(f"{mo.name}.{os.getpid()}")  # pytest-xdist workers may both compile it
            with partial.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=True)
            partial.replace(mo)


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


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture
def database_url(request, engine_name):
    return request.getfixturevalue(f"{engine_name}_url")


@pytest.fixture(scope="session")
def _shared_apps():
    apps: dict[str, Flask] = {}
    yield apps
    for app in apps.values():
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path, _shared_apps):
    """One app per database for the whole run, handed to each test as if new: its own instance
    folder, the configuration restored, the tables, caches and rate-limit counts emptied after.
    Building an app (and compiling its templates and URL rules again) cost a sixth of the suite.
    A test that must change the app itself (a route, the limits it is built with) makes its own
    with `make_app`."""
    app = _shared_apps.get(database_url)
    if app is None:
        app = _shared_apps[database_url] = make_test_app(database_url, tmp_path)
    config = dict(app.config)
    app.instance_path = str(tmp_path)
    yield app
    app.config.clear()
    app.config.update(config)
    app.extensions[ratelimits.EXTENSION].reset()  # its counts are in this process's memory
    empty_tables(app, dispose=False)


@pytest.fixture
def make_app(database_url, tmp_path):
    """`make_app(**config)`: an app of the test's own on its engine, emptied and closed after."""
    made = []

    def make(instance: Path | None = None, **config) -> Flask:
        made.append(make_test_app(database_url, instance or tmp_path, **config))
        return made[-1]

    yield make
    for app in made:
        empty_tables(app)


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


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def organizer(client, auth, db):
    """An organizer, `btc`, logged in on `client`."""
    user = make_user(role="organizer", username="btc")
    db.commit()
    auth.login("btc")
    return user


# --- LibreOffice (old .doc files) -------------------------------------------------------------


@pytest.fixture(scope="session")
def soffice():
    """The LibreOffice binary core.office converts with; skipped without it unless REQUIRE_LIBREOFFICE=1."""
    from core.office import soffice_path

    binary = soffice_path()
    if binary is None:
        if _require("REQUIRE_LIBREOFFICE"):
            pytest.fail("REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) not installed")
    return binary


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
    empty_tables(app)
