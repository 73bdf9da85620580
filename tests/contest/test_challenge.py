"""The self-hosted proof-of-work (contest/auth/challenge.py, static/js/challenge.js): a genuine,
unexpired solution for its purpose passes once; everything else is a Vietnamese field error.
Registration always asks for it; login asks after LOGIN_CHALLENGE_AFTER failures (issue 14)."""
import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.auth import challenge
from contest.extensions import db as _db
from contest.models import SpentChallenge, User
from tests.support import at, form_with_challenge, login_form_post, page_challenge, session_post, solve_challenge
from tests.factories import PASSWORD, make_contest, make_unit, make_user

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
STATIC = Path(__file__).resolve().parents[2] / "static" / "js" / "challenge.js"
OFFICE = "203.0.113.7"
HOME = "198.51.100.20"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def payload(params: dict, **changes) -> str:
    data = json.loads(base64.b64decode(solve_challenge(params)))
    return base64.b64encode(json.dumps({**data, **changes}).encode()).decode()


# --- the module -----------------------------------------------------------------------------------


def test_issued_parameters_have_altcha_shape_and_a_solution(app):
    with app.test_request_context():
        params = challenge.issue("register")
        assert params["algorithm"] == "SHA-256" and params["maxnumber"] == app.config["CHALLENGE_MAX_NUMBER"]
        assert "purpose=register" in params["salt"] and "expires=" in params["salt"]
        solution = challenge.check(solve_challenge(params), "register")
        assert solution.digest == params["challenge"]
        assert solution.expires_at == NOW + timedelta(seconds=app.config["CHALLENGE_TTL_SECONDS"])


def test_default_difficulty_suits_a_phone(app):
    # ~25,000 SHA-256 on average: 1-3 s with crypto.subtle on a mid-range phone, nothing for a server.
    from contest.config import from_environment

    assert from_environment(app.instance_path)["CHALLENGE_MAX_NUMBER"] == 50_000
    assert app.config["LOGIN_CHALLENGE_AFTER"] == 3


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda p: "", challenge.MISSING),
    (lambda p: "   ", challenge.MISSING),
    (lambda p: None, challenge.MISSING),
    (lambda p: "not base64 at all!", challenge.ChallengeFailed.message),
    (lambda p: "²³", challenge.ChallengeFailed.message),
    (lambda p: "A" * 5000, challenge.ChallengeFailed.message),
    (lambda p: base64.b64encode(b"[1, 2]").decode(), challenge.ChallengeFailed.message),
    (lambda p: base64.b64encode(b"\xff\xfe").decode(), challenge.ChallengeFailed.message),
    (lambda p: payload(p, number=p["maxnumber"] + 1000), challenge.ChallengeFailed.message),  # wrong number
    (lambda p: payload(p, number="7"), challenge.ChallengeFailed.message),
    (lambda p: payload(p, number=True), challenge.ChallengeFailed.message),
    (lambda p: payload(p, signature="0" * 64), challenge.ChallengeFailed.message),  # forged
    (lambda p: payload(p, algorithm="SHA-1"), challenge.ChallengeFailed.message),
    (lambda p: payload(p, salt=p["salt"].replace("expires=", "expires=9")), challenge.ChallengeFailed.message),
    (lambda p: payload(p, challenge="ab" * 32), challenge.ChallengeFailed.message),
    # A genuine challenge and signature with a salt of one's own (a far expiry, year 33658): refused, no 500.
    (lambda p: payload(p, salt="x?purpose=register&expires=999999999999"), challenge.ChallengeFailed.message),
])
def test_bad_solutions_are_refused_with_a_vietnamese_reason(app, spoil, message):
    with app.test_request_context():
        params = challenge.issue("register")
        with pytest.raises(challenge.ChallengeFailed) as caught:
            challenge.check(spoil(params), "register")
        assert caught.value.field == "challenge" and caught.value.message == str(message)


def test_a_solution_serves_only_its_purpose(app):
    with app.test_request_context():
        solved = solve_challenge(challenge.issue("login"))
        with pytest.raises(challenge.ChallengeFailed):
            challenge.check(solved, "register")
        assert challenge.check(solved, "login")


def test_a_solution_expires(app):
    with app.test_request_context():
        solved = solve_challenge(challenge.issue("register"))
        ttl = app.config["CHALLENGE_TTL_SECONDS"]
        with time_machine.travel(NOW + timedelta(seconds=ttl - 1), tick=False):
            assert challenge.check(solved, "register")
        with time_machine.travel(NOW + timedelta(seconds=ttl), tick=False):
            with pytest.raises(challenge.ChallengeFailed) as caught:
                challenge.check(solved, "register")
        assert caught.value.message == str(challenge.EXPIRED)


def test_two_workers_cannot_both_spend_one_solution(app, db):
    """Each worker has its own connection: the primary key decides, whoever commits second loses."""
    with app.test_request_context():
        solution = challenge.check(solve_challenge(challenge.issue("register")), "register")
    other = Session(_db.engine)
    try:
        challenge.spend(other, solution)
        other.commit()
        with pytest.raises(challenge.ChallengeFailed) as caught:
            challenge.spend(db, solution)
        assert caught.value.message == str(challenge.SPENT)
    finally:
        other.close()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SpentChallenge)) == 1


def test_spent_solutions_are_forgotten_after_they_expire(app, db):
    with app.test_request_context():
        old = challenge.check(solve_challenge(challenge.issue("register")), "register")
    challenge.spend(db, old)
    db.commit()
    with time_machine.travel(old.expires_at + timedelta(minutes=2), tick=False):
        with app.test_request_context():
            new = challenge.check(solve_challenge(challenge.issue("register")), "register")
        challenge.spend(db, new)
        db.commit()
    assert db.scalars(select(SpentChallenge.digest)).all() == [new.digest]


# --- the page and its script ----------------------------------------------------------------------


@pytest.fixture
def contest(db):
    unit = make_unit(code="SNV", name="Sở Nội vụ")
    contest = make_contest(registration_open=True, require_unit=False, require_date_of_birth=False)
    db.commit()
    return {"id": contest.id, "unit_id": unit.id}


def register_form(contest, **changes) -> dict:
    return {"full_name": "Trần Văn Bình", "phone": "0987 654 321", "password": "Binh@2026vui",
            "confirm": "Binh@2026vui", **changes}


def test_the_registration_page_carries_the_challenge_without_inline_script(client, contest):
    html = client.get(f"/contests/{contest['id']}/register").get_data(as_text=True)
    params = page_challenge(html)
    assert params["algorithm"] == "SHA-256" and "purpose=register" in params["salt"]
    assert 'name="challenge" type="hidden"' in html or 'type="hidden" name="challenge"' in html
    assert 'aria-live="polite"' in html and "Đang xác minh bạn không phải máy…" in html
    assert 'class="flash flash-error challenge-nojs"' in html and "cần JavaScript" in html  # hidden by the script
    assert "liên hệ ban tổ chức" in html
    assert '<script src="/static/js/challenge.js" defer></script>' in html
    assert "<script>" not in html  # the CSP forbids inline scripts
    script = STATIC.read_text()
    assert "crypto.subtle.digest" in script and "SHA-256" in script and "http" not in script.replace("https", "")


@pytest.mark.parametrize(("change", "message"), [
    ({"challenge": ""}, "Chưa hoàn tất bước xác minh bạn không phải máy"),
    ({"challenge": "eyJ4IjoxfQ=="}, "Kết quả xác minh không hợp lệ"),
])
def test_registration_without_a_good_solution_stores_nothing(client, db, contest, change, message):
    path = f"/contests/{contest['id']}/register"
    sent = form_with_challenge(client, path)
    response = client.post(path, data={**register_form(contest), **sent, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'id="challenge-error"' in html
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_a_replayed_registration_solution_is_refused(client, db, contest):
    path = f"/contests/{contest['id']}/register"
    sent = form_with_challenge(client, path)
    assert client.post(path, data={**register_form(contest), **sent}).status_code == 302
    fresh = client.application.test_client()
    sent_again = {**form_with_challenge(fresh, path), "challenge": sent["challenge"]}
    response = fresh.post(path, data={**register_form(contest, phone="0977 111 222"), **sent_again})
    assert response.status_code == 400
    assert "Kết quả xác minh này đã được dùng" in response.get_data(as_text=True)
    assert db.scalars(select(User.username)).all() == ["0987654321"]


# --- login after failures ---------------------------------------------------------------------------


@pytest.fixture
def accounts(db):
    make_user(username="canbo")
    make_user(username="dongnghiep")
    db.commit()


def raw_api_login(client, username, password, address=OFFICE, **extra):
    return client.post("/api/v1/session", json={"username": username, "password": password, **extra}, **at(address))


def test_api_login_asks_for_the_challenge_after_three_failures(client, accounts):
    for _ in range(3):
        assert raw_api_login(client, "canbo", "sai").status_code == 401
    refused = raw_api_login(client, "canbo", PASSWORD)
    error = refused.get_json()["error"]
    assert refused.status_code == 428 and error["code"] == "challenge_required"
    assert "xác minh" in error["message"] and error["challenge"]["algorithm"] == "SHA-256"
    # The same account from another address, and another account from this one, are asked too.
    assert raw_api_login(client, "CanBo", PASSWORD, HOME).status_code == 428
    assert raw_api_login(client, "dongnghiep", PASSWORD).status_code == 428
    # A wrong solution is refused with fresh parameters, a solved one lets the password be tried.
    wrong = raw_api_login(client, "canbo", PASSWORD, challenge=payload(error["challenge"], number=10**6))
    assert wrong.status_code == 428 and "không hợp lệ" in wrong.get_json()["error"]["message"]
    solved = solve_challenge(error["challenge"])
    assert raw_api_login(client, "canbo", PASSWORD, challenge=solved).status_code == 200
    again = raw_api_login(client.application.test_client(), "canbo", PASSWORD, challenge=solved)
    assert again.status_code == 428 and "đã được dùng" in again.get_json()["error"]["message"]


def test_an_address_with_few_failures_is_not_asked(client, accounts):
    for _ in range(2):
        assert raw_api_login(client, "canbo", "sai").status_code == 401
    assert raw_api_login(client, "canbo", PASSWORD).status_code == 200


def test_failures_are_forgotten_after_fifteen_minutes(client, accounts):
    for _ in range(3):
        raw_api_login(client, "canbo", "sai")
    assert raw_api_login(client, "canbo", PASSWORD).status_code == 428
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        # limits' moving window reads time.time(), which time-machine moves too
        assert raw_api_login(client, "canbo", PASSWORD).status_code == 200


def test_the_login_page_shows_the_challenge_after_failures(client, accounts):
    assert "data-challenge=" not in client.get("/login", **at(OFFICE)).get_data(as_text=True)
    for _ in range(3):
        assert login_form_post(client, {"username": "canbo", "password": "sai"}, **at(OFFICE)).status_code == 400
    html = client.get("/login", **at(OFFICE)).get_data(as_text=True)
    assert "purpose=login" in page_challenge(html)["salt"] and "Đang xác minh bạn không phải máy…" in html
    token = html.split('name="csrf-token" content="')[1].split('"')[0]
    bare = client.post("/login", data={"username": "canbo", "password": PASSWORD, "csrf_token": token},
                       **at(OFFICE))
    assert bare.status_code == 400 and "Chưa hoàn tất bước xác minh" in bare.get_data(as_text=True)
    done = login_form_post(client, {"username": "canbo", "password": PASSWORD}, **at(OFFICE))
    assert done.status_code == 302


def test_the_api_client_helper_really_solves(client, accounts):
    for _ in range(3):
        raw_api_login(client, "canbo", "sai")
    assert session_post(client, {"username": "canbo", "password": PASSWORD}, **at(OFFICE)).status_code == 200
