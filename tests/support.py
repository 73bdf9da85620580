"""Helpers the tests import: building a test app, a CSRF token, the proof-of-work, logging in.
Fixtures live in conftest.py and use these; a test imports from here, never from conftest."""
import base64
import hashlib
import json
from html import unescape
from pathlib import Path

from flask import Flask, has_app_context
from flask.ctx import RequestContext
from flask.testing import EnvironBuilder, FlaskCliRunner, FlaskClient
from flask_wtf.csrf import generate_csrf

from contest import create_app
from contest.extensions import db as _db
from contest.services.quiz import draw
from contest.services.results import flags, rank_order
from tests.factories import PASSWORD

_migrated: set[str] = set()


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


def make_test_app(url: str, instance: Path, **config) -> Flask:
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


def empty_tables(app: Flask, *, dispose: bool = True) -> None:
    """What a test left behind: every row, the per-process caches keyed by database and id (the
    next test reuses both) and, unless the app lives on, its connections (a test's own app would
    hold them until garbage collection)."""
    draw.clear_cache()
    rank_order.clear_cache()
    flags.clear_cache()
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
        if dispose:
            _db.engine.dispose()


def csrf_token(client) -> str:
    """The token the client's pages would embed in their <meta>, made by Flask-WTF from the
    client's own session without rendering a page; the server checks it on the POST as ever."""
    app = client.application
    environ = EnvironBuilder(app).get_environ()
    # generate_csrf keeps its raw token in the session it sees, as a page view would: the client's.
    with client.session_transaction() as session, app.app_context(), RequestContext(app, environ, session=session):
        return generate_csrf()


def page_csrf_token(html: str) -> str:
    """The token a page embeds in its <meta>, as a browser reads it."""
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def at(address: str) -> dict:
    """The keyword arguments of a test client's request from `address`."""
    return {"environ_base": {"REMOTE_ADDR": address}}


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
    return {"csrf_token": page_csrf_token(html), "challenge": solve_challenge(page_challenge(html))}


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
        form = {**data, "csrf_token": page_csrf_token(html)}
        if "data-challenge=" in html:
            form["challenge"] = solve_challenge(page_challenge(html))
        response = client.post("/login", data=form, **kwargs)
        html = response.get_data(as_text=True)
        if "challenge" in form or 'id="challenge-error"' not in html:
            break
    return response


def try_login(client, username: str, password: str = PASSWORD, **kwargs):
    """POST /login with a valid token; the response, whatever it is."""
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, **kwargs)


def login(client, username: str, password: str = PASSWORD, **kwargs):
    """Logs in by the form and asserts it worked: redirected onwards, not back to /login."""
    response = try_login(client, username, password, **kwargs)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login"), \
        response.get_data(as_text=True)
    return response


def api_login(client, username: str, password: str = PASSWORD, **kwargs) -> dict:
    """Logs in through POST /api/v1/session and asserts it worked; the headers later calls need."""
    response = client.post("/api/v1/session", json={"username": username, "password": password}, **kwargs)
    assert response.status_code == 200, response.get_json()
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client)})


class AuthActions:
    """The `auth` fixture: the helpers above for the test's own client."""

    def __init__(self, client):
        self._client = client

    def try_login(self, username: str, password: str = PASSWORD, **kwargs):
        return try_login(self._client, username, password, **kwargs)

    def login(self, username: str, password: str = PASSWORD, **kwargs):
        return login(self._client, username, password, **kwargs)

    def api_login(self, username: str, password: str = PASSWORD, **kwargs) -> dict:
        return api_login(self._client, username, password, **kwargs)

    def logout(self):
        return logout(self._client)


def problems(result, kind: str = "errors") -> list[tuple[str, str]]:
    """An importer's errors (or warnings) as (where, message) pairs, for comparing in a test."""
    return [(p.where, p.message) for p in getattr(result, kind)]
