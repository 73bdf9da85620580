"""Rate limits (SPEC §5): failed logins per (account, address), starts per user, never per address
alone; 429 in the API's error shape or a Vietnamese page, always with Retry-After."""
import logging
import socket
from datetime import timedelta

import pytest
from limits.storage import MemoryStorage, RedisStorage

from contest import create_app, ratelimits
from contest.extensions import db as _db
from core.db import now_utc
from tests.conftest import _empty_tables, login_form_post, make_test_app, session_post
from tests.factories import PASSWORD, make_bank, make_round, make_user

OFFICE = "203.0.113.7"  # one NAT address for a whole office
HOME = "198.51.100.20"
LOGIN_LIMIT = 10  # the default RATELIMIT_LOGIN: 10 per minute


def at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def api_login(client, username, password, address=OFFICE):
    return session_post(client, {"username": username, "password": password}, **at(address))


def page_login(client, username, password, address=OFFICE):
    return login_form_post(client, {"username": username, "password": password}, **at(address))


def assert_429_json(response):
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert "quá nhiều lần" in error["message"] and f"{response.headers['Retry-After']} giây" in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.fixture
def office(db):
    for username in ("canbo", "dongnghiep"):
        make_user(username=username)
    db.commit()


def test_defaults_are_realistic(app):
    assert app.config["RATELIMIT_LOGIN"] == "10 per minute"
    assert app.config["RATELIMIT_START"] == "60 per minute"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert isinstance(app.extensions[ratelimits.EXTENSION].storage, MemoryStorage)
    expected = {"auth.login": "login", "api.create_session": "login", "api.start_attempt": "start",
                "quiz.start": "start"}
    assert expected.items() <= ratelimits.limited_endpoints(app).items()


def test_api_login_failures_limit_that_account_from_that_address_only(client, office):
    for _ in range(LOGIN_LIMIT):
        assert api_login(client, "canbo", "sai-mat-khau").status_code == 401
    assert_429_json(api_login(client, "canbo", PASSWORD))  # even the right password waits
    assert_429_json(api_login(client, "  CanBo ", "sai-mat-khau"))  # the same account, however typed
    # The colleague behind the same NAT address, and the same account from home, still log in.
    assert api_login(client, "dongnghiep", PASSWORD).status_code == 200
    assert api_login(client.application.test_client(), "canbo", PASSWORD, HOME).status_code == 200


def test_successful_logins_are_not_counted(client, office):
    for _ in range(LOGIN_LIMIT + 2):
        assert api_login(client, "canbo", PASSWORD).status_code == 200


def test_a_whole_office_behind_one_address_is_not_limited(client, db):
    # Twenty people mistype once each from the same address: nobody is locked out.
    for n in range(2 * LOGIN_LIMIT):
        assert api_login(client, f"nguoi{n}", "sai").status_code == 401


def test_page_login_failures_get_a_vietnamese_429_page(client, office):
    for _ in range(LOGIN_LIMIT):
        assert page_login(client, "canbo", "sai-mat-khau").status_code == 400
    response = page_login(client, "canbo", PASSWORD)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Quá nhiều yêu cầu" in html and "Đăng nhập sai quá nhiều lần" in html
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Content-Security-Policy" in response.headers
    assert page_login(client.application.test_client(), "dongnghiep", PASSWORD).status_code == 302
    assert page_login(client.application.test_client(), "canbo", PASSWORD, HOME).status_code == 302


def test_page_and_api_failures_share_one_count(client, office):
    for _ in range(LOGIN_LIMIT // 2):
        assert page_login(client, "canbo", "sai").status_code == 400
        assert api_login(client, "canbo", "sai").status_code == 401
    assert_429_json(api_login(client, "canbo", "sai"))
    assert page_login(client, "canbo", "sai").status_code == 429


def test_the_page_login_form_itself_is_never_limited(client, office):
    for _ in range(LOGIN_LIMIT):
        page_login(client, "canbo", "sai")
    assert client.get("/login", **at(OFFICE)).status_code == 200


@pytest.fixture
def tight_app(database_url, tmp_path):
    """An app whose start limit is 3 a minute, with the factories bound to it."""
    app = make_test_app(database_url, tmp_path, RATELIMIT_START="3 per minute")
    with app.app_context():
        yield app
        _db.session.rollback()
    _empty_tables(app)


def test_start_is_limited_per_user_across_page_and_api(tight_app):
    make_bank(4)
    round_ = make_round(questions=3, opens_at=now_utc() - timedelta(minutes=1))
    make_user(username="an")
    make_user(username="binh")
    _db.session.commit()
    first, second = tight_app.test_client(), tight_app.test_client()
    token = api_login(first, "an", PASSWORD).get_json()["csrf_token"]
    other = api_login(second, "binh", PASSWORD).get_json()["csrf_token"]

    def start(client, csrf):
        return client.post(f"/api/v1/rounds/{round_.id}/attempts", headers={"X-CSRFToken": csrf}, **at(OFFICE))

    assert [start(first, token).status_code for _ in range(2)] == [201, 200]
    page = first.post(f"/rounds/{round_.id}/start", data={"csrf_token": token}, **at(OFFICE))
    assert page.status_code == 302, "the page's start counts in the same bucket"
    assert_429_json(start(first, token))
    refused = first.post(f"/rounds/{round_.id}/start", data={"csrf_token": token}, **at(OFFICE))
    assert refused.status_code == 429 and "bắt đầu bài thi quá nhiều lần" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"].isdigit()
    # Another participant from the same address starts as usual.
    assert start(second, other).status_code == 201


def test_anonymous_start_is_401_not_429(tight_app):
    client = tight_app.test_client()
    for _ in range(5):
        assert client.post("/api/v1/rounds/1/attempts", **at(OFFICE)).status_code in (400, 401)


def test_limits_can_be_switched_off(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=False)
    try:
        with app.app_context():
            make_user(username="canbo")
            _db.session.commit()
        client = app.test_client()
        statuses = {api_login(client, "canbo", "sai").status_code for _ in range(LOGIN_LIMIT + 3)}
        assert statuses == {401}
    finally:
        _empty_tables(app)


def test_behind_a_proxy_the_forwarded_address_is_the_one_counted(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, PROXY_COUNT=1)
    try:
        with app.app_context():
            make_user(username="canbo")
            _db.session.commit()
        client = app.test_client()

        def via_proxy(address, password="sai"):
            return session_post(client, {"username": "canbo", "password": password},
                                headers={"X-Forwarded-For": address}, **at("127.0.0.1"))

        for _ in range(LOGIN_LIMIT):
            assert via_proxy(OFFICE).status_code == 401
        assert via_proxy(OFFICE).status_code == 429
        assert via_proxy(HOME, PASSWORD).status_code == 200
    finally:
        _empty_tables(app)


def test_without_a_proxy_forwarded_headers_are_ignored(client, office):
    for n in range(LOGIN_LIMIT):
        response = session_post(client, {"username": "canbo", "password": "sai"},
                                headers={"X-Forwarded-For": f"10.9.9.{n}"}, **at(OFFICE))
        assert response.status_code == 401
    assert_429_json(api_login(client, "canbo", "sai"))


def test_storage_uri_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://10.0.0.5:6390/3")
    monkeypatch.setenv("RATELIMIT_LOGIN", "5 per minute")
    app = create_app({"TESTING": True})
    storage = app.extensions[ratelimits.EXTENSION].storage
    assert isinstance(storage, RedisStorage)  # built lazily: nothing connects until a limit is hit
    pool = storage.storage.connection_pool.connection_kwargs
    assert (pool["host"], pool["port"], pool["db"]) == ("10.0.0.5", 6390, 3)
    assert app.config["RATELIMIT_LOGIN"] == "5 per minute"


def test_an_unknown_storage_is_refused_at_start(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "khong-co://x")
    with pytest.raises(Exception, match="khong-co"):
        create_app({"TESTING": True})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_redis_falls_back_to_memory_limits(monkeypatch, database_url, tmp_path):
    # The URI is really used (the limiter tries Redis and says so), and a Redis outage in the
    # middle of a contest neither fails logins nor lifts the limit.
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", f"redis://127.0.0.1:{_closed_port()}/0")
    app = make_test_app(database_url, tmp_path)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # caplog's root handler may be replaced by alembic's logging setup
    logging.getLogger("flask-limiter").addHandler(handler)
    try:
        with app.app_context():
            make_user(username="canbo")
            _db.session.commit()
        client = app.test_client()
        statuses = [api_login(client, "canbo", "sai").status_code for _ in range(LOGIN_LIMIT)]
        assert statuses == [401] * LOGIN_LIMIT
        assert_429_json(api_login(client, "canbo", "sai"))
        assert any("falling back to in-memory storage" in record.getMessage() for record in records)
    finally:
        logging.getLogger("flask-limiter").removeHandler(handler)
        _empty_tables(app)
