"""Review of issue 14's registration: the form is no existence oracle without a solved challenge,
an IPv6 /64 is one address, and an account made at an open contest cannot take rounds of a
contest that admits only invited or approved accounts."""
import pytest
from sqlalchemy import func, select

from contest.extensions import db as _db
from contest.models import User
from tests.conftest import csrf_token, form_with_challenge, session_post
from tests.contest.test_registration_integrity import FARM, at, person, register, tight  # noqa: F401 (fixture)
from tests.factories import PASSWORD, make_contest, make_user

TAKEN = "đã được dùng cho một tài khoản khác"


# --- no existence oracle ---------------------------------------------------------------------------


def test_a_taken_phone_is_not_told_without_a_solved_challenge(client, db):
    contest = make_contest(registration_open=True, require_date_of_birth=False, require_unit=False)
    make_user(username="lan01", phone="0912000001")
    db.commit()
    path = f"/contests/{contest.id}/register"
    for challenge in (None, "", "bogus"):
        fresh = client.application.test_client()
        data = {**person(1), "csrf_token": csrf_token(fresh, path)}
        if challenge is not None:
            data["challenge"] = challenge
        response = fresh.post(path, data=data, **at(FARM))
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and TAKEN not in html, challenge
    response, _browser = register(client, contest.id, person(1))
    assert response.status_code == 400 and TAKEN in response.get_data(as_text=True)


# --- an IPv6 /64 is one address --------------------------------------------------------------------


def test_registrations_rotating_through_one_ipv6_64_share_the_ceiling(tight):  # noqa: F811
    app, contest_id = tight
    client = app.test_client()
    statuses = [register(client, contest_id, person(n), f"2001:db8:1:2::{n}")[0].status_code for n in range(1, 7)]
    assert statuses == [302, 302, 429, 429, 429, 429]
    # Another /64 (another household) and IPv4 addresses are their own.
    assert register(client, contest_id, person(7), "2001:db8:1:3::1")[0].status_code == 302
    assert register(client, contest_id, person(8), "203.0.113.5")[0].status_code == 302
    assert register(client, contest_id, person(9), "203.0.113.6")[0].status_code == 302
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(User)) == 5


def test_one_solution_answers_one_refused_form_only(client, db):
    contest = make_contest(registration_open=True, require_date_of_birth=False, require_unit=False)
    make_user(username="lan01", phone="0912000001")
    db.commit()
    path = f"/contests/{contest.id}/register"
    fresh = client.application.test_client()
    data = {**person(1), **form_with_challenge(fresh, path)}
    first = fresh.post(path, data=data, **at(FARM)).get_data(as_text=True)
    assert TAKEN in first
    again = fresh.post(path, data=data, **at(FARM)).get_data(as_text=True)  # the same solution, replayed
    assert TAKEN not in again and "Kết quả xác minh này đã được dùng" in again


@pytest.mark.parametrize("remote, key", [
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"), ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),
    ("203.0.113.5", "203.0.113.5"), ("::ffff:203.0.113.5", "203.0.113.5"), ("không-phải-địa-chỉ", "không-phải-địa-chỉ"),
])
def test_every_per_address_control_keys_ipv6_by_its_64(app, remote, key):
    from contest import ratelimits
    from contest.auth import login_challenge

    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": remote}):
        assert ratelimits.address() == key
        assert login_challenge._keys()[0].endswith(f"/login_challenge/address/{key}")


# --- the registration mode is not skirted through another contest -------------------------------


def test_an_account_made_at_an_open_contest_cannot_take_an_approval_contest(client, db):
    from contest.models import Contest
    from tests.factories import make_bank, make_round

    make_bank(3)
    strict = make_contest(name="Cuộc thi có duyệt", registration_open=True, registration_mode="approval",
                          require_date_of_birth=False, require_unit=False)
    invited = make_contest(name="Cuộc thi theo mã mời", registration_mode="invitation")
    open_one = make_contest(name="Cuộc thi mở", registration_open=True, require_date_of_birth=False,
                            require_unit=False)
    strict_round, invited_round, open_round = (make_round(c, questions=3) for c in (strict, invited, open_one))
    imported = make_user(username="nhap01")
    db.commit()
    response, browser = register(client, open_one.id, person(3))
    assert response.status_code == 302
    db.expire_all()
    farmed = db.scalar(select(User).where(User.username == "0912000003"))
    assert farmed.registered_contest_id == open_one.id and imported.registered_contest_id is None
    token = csrf_token(browser, "/")
    for round_ in (strict_round, invited_round):
        page = browser.post(f"/rounds/{round_.id}/start", data={"csrf_token": token})
        assert page.status_code == 403
        assert "chỉ dành cho tài khoản đăng ký qua mã mời hoặc được ban tổ chức duyệt" in page.get_data(as_text=True)
        api = browser.post(f"/api/v1/rounds/{round_.id}/attempts", headers={"X-CSRFToken": token})
        assert api.status_code == 403 and api.get_json()["error"]["code"] == "not_eligible"
    assert browser.post(f"/rounds/{open_round.id}/start", data={"csrf_token": token}).status_code == 302
    # An account registered (and approved) at the strict contest itself, or one the organizers made, may.
    response, waiting = register(client, strict.id, person(4))
    assert response.status_code == 302
    approved = db.scalar(select(User).where(User.username == "0912000004"))
    approved.awaiting_approval, approved.is_active_account = False, True
    db.commit()
    for username in ("0912000004", "nhap01"):
        fresh = client.application.test_client()
        assert session_post(fresh, {"username": username, "password": "Farm@2026vui" if username != "nhap01"
                                    else PASSWORD}).status_code == 200
        assert fresh.post(f"/rounds/{strict_round.id}/start",
                          data={"csrf_token": csrf_token(fresh, "/")}).status_code == 302, username
    assert db.get(Contest, strict.id).registration_mode == "approval"


def test_a_burst_rotating_through_one_ipv6_64_is_flagged(client, db):
    from contest.models import AuditLog
    from contest.services.results import flags

    contest = make_contest(registration_open=True, require_date_of_birth=False, require_unit=False)
    db.commit()
    for n in range(1, 6):
        assert register(client, contest.id, person(n), f"2001:db8:1:2::{n}")[0].status_code == 302
    assert register(client, contest.id, person(9), "203.0.113.9")[0].status_code == 302
    db.expire_all()
    rows = db.execute(select(AuditLog.user_id, AuditLog.ip).where(AuditLog.action == "registered")).all()
    assert sorted({ip for _user, ip in rows}) == ["2001:db8:1:2::/64", "203.0.113.9"]
    flagged = flags._burst_registrations(db, {user_id for user_id, _ip in rows})
    assert flagged == {user_id for user_id, ip in rows if ip == "2001:db8:1:2::/64"} and len(flagged) == 5
