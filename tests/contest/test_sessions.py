"""Server-side sessions (SPEC §9): logging out ends the session on the server, so a copy of its
cookies (session or remember-me) gets the login page on the web and 401 on the API afterwards;
log out everywhere; remember-me lasts REMEMBER_DAYS (14 by default)."""
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.models import AuditLog, User, UserSession
from core.db import now_utc
from tests.conftest import AuthActions, _empty_tables, csrf_token, make_test_app
from tests.factories import PASSWORD, make_bank, make_round, make_user

COOKIES = ("session", "remember_token")
LOGIN_PAGE = "/login"


@pytest.fixture
def hoa(db):
    user = make_user(username="hoa01")
    db.commit()
    return user


def page_login(client, *, remember: bool = False):
    data = {"username": "hoa01", "password": PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def api_login(client) -> dict:
    response = client.post("/api/v1/session", json={"username": "hoa01", "password": PASSWORD})
    assert response.status_code == 200
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


def copy_cookies(client, *names) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in names}


def replay(app, cookies: dict[str, str]):
    """A fresh browser holding only the copied cookies, as an attacker who copied them would."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def assert_logged_out(client):
    page = client.get("/account")
    assert page.status_code == 302 and page.headers["Location"].startswith(LOGIN_PAGE)
    assert client.get("/api/v1/rounds").status_code == 401


def assert_logged_in(client):
    assert client.get("/account").status_code == 200
    assert client.get("/api/v1/rounds").status_code == 200


def sessions_of(db, user) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


# --- logout ends the session on the server -------------------------------------------------------


def test_a_copied_session_cookie_stops_working_after_logout(app, client, db, hoa):
    page_login(client)
    stolen = copy_cookies(client, "session")
    assert_logged_in(replay(app, stolen))  # the copy works while the session lives
    AuthActions(client).logout()
    assert_logged_out(client)
    assert_logged_out(replay(app, stolen))
    assert sessions_of(db, hoa) == 0


def test_a_copied_remember_cookie_stops_working_after_logout(app, client, db, hoa):
    page_login(client, remember=True)
    stolen = copy_cookies(client, "remember_token")
    assert_logged_in(replay(app, stolen))  # the remember-me cookie alone logs a browser back in
    AuthActions(client).logout()
    assert_logged_out(replay(app, stolen))
    assert_logged_out(replay(app, copy_cookies(client, "session") | stolen))


def test_api_logout_ends_the_session_for_every_copy(app, client, db, hoa):
    make_bank(3)
    round_ = make_round(questions=2, opens_at=now_utc() - timedelta(minutes=1))
    db.commit()
    headers = api_login(client)
    body = client.post(f"/api/v1/rounds/{round_.id}/attempts", headers=headers).get_json()
    stolen = copy_cookies(client, "session")
    question = body["questions"][0]
    path = f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}"
    answer = {"choice_id": question["choices"][0]["id"]}
    assert replay(app, stolen).put(path, json=answer, headers=headers).status_code == 200

    assert client.delete("/api/v1/session", headers=headers).get_json() == {"status": "logged_out"}
    thief = replay(app, stolen)
    assert thief.get("/api/v1/rounds").status_code == 401
    assert thief.get(f"/api/v1/attempts/{body['attempt_id']}").status_code == 401
    # The save's one-statement fast path checks the session row too (quick_save.py).
    assert thief.put(path, json=answer, headers=headers).status_code == 401
    assert sessions_of(db, hoa) == 0


def test_logging_out_one_device_leaves_the_others_logged_in(app, client, db, hoa):
    phone = app.test_client()
    page_login(phone)
    page_login(client)
    assert sessions_of(db, hoa) == 2
    AuthActions(client).logout()
    assert_logged_in(phone)
    assert sessions_of(db, hoa) == 1


def test_logging_in_again_ends_the_browsers_previous_session(app, client, db, hoa):
    api_login(client)
    earlier = copy_cookies(client, "session")
    api_login(client)
    assert_logged_in(client)
    assert_logged_out(replay(app, earlier))
    assert sessions_of(db, hoa) == 1


def test_a_forged_session_id_is_refused(app, client, db, hoa):
    page_login(client)
    forged = app.test_client()
    with forged.session_transaction() as session:  # signed with the right key, the secret guessed
        session["_user_id"] = f"{hoa.id}:{'A' * 43}"
        session["_fresh"] = True
    assert_logged_out(forged)


# --- log out everywhere --------------------------------------------------------------------------


def test_log_out_everywhere_ends_every_session_of_the_account(app, client, db, hoa):
    other = make_user(username="dongnghiep")
    db.commit()
    phone, laptop, colleague = app.test_client(), app.test_client(), app.test_client()
    page_login(phone, remember=True)
    page_login(laptop)
    AuthActions(colleague).login("dongnghiep", PASSWORD)
    page_login(client)
    stolen = copy_cookies(phone, *COOKIES)
    page = client.get("/account").get_data(as_text=True)
    assert "Đăng xuất khỏi mọi thiết bị" in page and 'action="/account/logout-everywhere"' in page

    response = client.post("/account/logout-everywhere", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Đã đăng xuất khỏi mọi thiết bị." in client.get("/").get_data(as_text=True)
    for device in (client, phone, laptop, replay(app, stolen)):
        assert_logged_out(device)
    assert_logged_in(colleague)
    assert sessions_of(db, hoa) == 0 and sessions_of(db, other) == 1
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "logout_everywhere"))
    assert (entry.user_id, entry.target, entry.details) == (hoa.id, "hoa01", {"sessions": 3})


def test_log_out_everywhere_needs_the_csrf_token_and_a_login(app, client, db, hoa):
    page_login(client)
    assert client.post("/account/logout-everywhere").status_code == 400
    assert_logged_in(client)
    assert sessions_of(db, hoa) == 1
    anonymous = app.test_client()
    response = anonymous.post("/account/logout-everywhere", data={"csrf_token": csrf_token(anonymous)})
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN_PAGE)


# --- password changes and resets -----------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_their_remember_cookies(app, client, db, hoa):
    phone = app.test_client()
    page_login(phone, remember=True)
    stolen = copy_cookies(phone, "remember_token")
    page_login(client, remember=True)
    kept = copy_cookies(client, "remember_token")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account"), "current_password": PASSWORD,
        "new_password": "Doi@matkhau2026", "confirm": "Doi@matkhau2026"})
    assert response.status_code == 302
    assert_logged_in(client)
    assert_logged_out(phone)
    assert_logged_out(replay(app, stolen))
    assert_logged_in(replay(app, kept)), "this device's own remember-me cookie goes on"
    assert sessions_of(db, hoa) == 1


def test_an_organizers_reset_ends_every_session_with_its_remember_cookie(app, client, db, hoa):
    make_user(role="organizer", username="btc")
    db.commit()
    page_login(client, remember=True)
    stolen = copy_cookies(client, "remember_token")
    organizer = app.test_client()
    AuthActions(organizer).login("btc", PASSWORD)
    reset = organizer.post(f"/people/participants/{hoa.id}/reset",
                           data={"csrf_token": csrf_token(organizer, f"/people/participants/{hoa.id}/reset")})
    assert reset.status_code == 200
    assert_logged_out(client)
    assert_logged_out(replay(app, stolen))
    assert sessions_of(db, hoa) == 0


# --- remember-me: 14 days by default, REMEMBER_DAYS --------------------------------------------


def _cookie_expiry(response, name: str) -> datetime:
    header = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}="))
    expires = next(part.split("=", 1)[1] for part in header.split("; ") if part.startswith("Expires="))
    return parsedate_to_datetime(expires)


def test_remember_me_lasts_14_days_and_the_server_agrees(app, client, db, hoa):
    assert app.config["REMEMBER_DAYS"] == 14
    started = datetime.now(timezone.utc)
    response = page_login(client, remember=True)
    lifetime = _cookie_expiry(response, "remember_token") - started
    assert timedelta(days=14) - timedelta(minutes=1) < lifetime <= timedelta(days=14, minutes=1)
    row = db.scalar(select(UserSession).where(UserSession.user_id == hoa.id))
    assert row.remember is True
    assert abs(row.expires_at - (row.created_at + timedelta(days=14))) < timedelta(seconds=1)


def test_a_remember_cookie_is_refused_once_its_session_expired(app, client, db, hoa):
    page_login(client, remember=True)
    stolen = copy_cookies(client, "remember_token")
    start = now_utc()
    with time_machine.travel(start + timedelta(days=14) - timedelta(minutes=1), tick=False):
        assert_logged_in(replay(app, stolen))
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        assert_logged_out(replay(app, stolen))
        assert_logged_out(client)  # the same browser, its session cookie kept: expired too


def test_remember_days_is_configurable(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, REMEMBER_DAYS=3)
    try:
        with app.app_context():
            make_user(username="hoa01")
            from contest.extensions import db

            db.session.commit()
        client = app.test_client()
        started = datetime.now(timezone.utc)
        lifetime = _cookie_expiry(page_login(client, remember=True), "remember_token") - started
        assert timedelta(days=3) - timedelta(minutes=1) < lifetime <= timedelta(days=3, minutes=1)
        with time_machine.travel(now_utc() + timedelta(days=3, minutes=1), tick=False):
            assert_logged_out(replay(app, copy_cookies(client, "remember_token")))
    finally:
        _empty_tables(app)


def test_expired_sessions_are_swept_at_the_next_login(app, client, db, hoa):
    page_login(client)
    with time_machine.travel(now_utc() + timedelta(days=15), tick=False):
        page_login(app.test_client())
        assert sessions_of(db, hoa) == 1


def test_accounts_compare_as_their_hash_does(db, hoa):
    """One row is one object in a session (the identity map), so an account equals only itself:
    equal accounts hash alike, two new accounts are not one, comparing needs no login session."""
    first, second = User(username="moi1"), User(username="moi2")
    assert first != second and len({first, second}) == 2  # both ids None: no longer "equal"
    with Session(db.get_bind()) as elsewhere:
        copy = elsewhere.get(User, hoa.id)
        assert (copy == hoa) is (hash(copy) == hash(hoa))
        assert copy is not hoa and copy != hoa and hoa in [first, hoa]
    assert db.get(User, hoa.id) == hoa
