"""Registration that a farm cannot pass (issue 14 item 1): the per-address ceiling, the
registration modes (open, invitation by unit code, organizer approval) and declared units that
count only once an organizer confirms them. Findings replayed: 27 accounts from one address in
17 s; the farm's declared unit reached a 45 % participation rate; one farm account started a
round restricted to another unit."""
import pytest
from sqlalchemy import func, select

from contest import ratelimits
from contest.extensions import db as _db
from contest.models import AuditLog, Contest, Unit, UnitInvitation, User
from contest.services.results import unit_ranking
from tests.conftest import _empty_tables, csrf_token, form_with_challenge, login_form_post, make_test_app
from tests.factories import PASSWORD, finish, make_bank, make_contest, make_round, make_unit, make_user

FARM = "203.0.113.66"
OTHER = "198.51.100.20"


def at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def person(n: int, **changes) -> dict:
    return {"full_name": f"Nguyễn Văn Số {n}", "phone": f"0912 000 {n:03d}", "password": "Farm@2026vui",
            "confirm": "Farm@2026vui", **changes}


def register(client, contest_id: int, data: dict, address: str = FARM):
    path = f"/contests/{contest_id}/register"
    fresh = client.application.test_client()  # each farm account is a new browser
    sent = form_with_challenge(fresh, path)
    return fresh.post(path, data={**data, **sent}, **at(address)), fresh


def count_users(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(User).where(User.role == "participant"))


@pytest.fixture
def world(db):
    """Unit A (the farmer's target, 10 staff) and unit B; a contest open to registration."""
    unit_a = make_unit(code="A", name="Sở A", headcount=10, group="Sở")
    unit_b = make_unit(code="B", name="Sở B", headcount=10, group="Sở")
    contest = make_contest(name="Cuộc thi CCHC", registration_open=True, require_date_of_birth=False)
    db.commit()
    return {"contest_id": contest.id, "A": unit_a.id, "B": unit_b.id}


# --- the per-address ceiling ----------------------------------------------------------------------


def test_thirty_registrations_from_one_address_are_stopped(client, db, world):
    for n in range(30):
        response, _browser = register(client, world["contest_id"], person(n, unit_id=world["A"]))
        assert response.status_code == 302, n
    refused, _browser = register(client, world["contest_id"], person(30, unit_id=world["A"]))
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "quá nhiều tài khoản được đăng ký từ địa chỉ mạng này" in html
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert count_users(db) == 30
    # Someone at another address is not affected.
    response, _browser = register(client, world["contest_id"], person(31, unit_id=world["A"]), OTHER)
    assert response.status_code == 302 and count_users(db) == 31


@pytest.fixture
def tight(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, RATELIMIT_REGISTRATION_ADDRESS="2 per hour")
    with app.app_context():
        make_unit(code="A", name="Sở A")
        contest = make_contest(registration_open=True, require_date_of_birth=False, require_unit=False)
        _db.session.commit()
        yield app, contest.id
        _db.session.rollback()
    _empty_tables(app)


def test_only_accounts_created_count_not_mistakes(tight):
    app, contest_id = tight
    client = app.test_client()
    for n in range(4):  # an office whose people mistype: nothing created, nothing counted
        response, _browser = register(client, contest_id, person(n, confirm="khac"))
        assert response.status_code == 400
    for n in range(2):
        assert register(client, contest_id, person(n))[0].status_code == 302
    assert register(client, contest_id, person(9))[0].status_code == 429


def test_the_address_rule_is_configured(app):
    assert app.config["RATELIMIT_REGISTRATION_ADDRESS"] == "30 per hour"
    assert ratelimits.GROUPS["registration"] == ("registration", "registration_address")


# --- declared units -------------------------------------------------------------------------------


def test_a_declared_unit_is_unconfirmed_and_imports_are_not(client, db, world):
    register(client, world["contest_id"], person(1, unit_id=world["A"]))
    declared = db.scalar(select(User).where(User.username == "0912000001"))
    assert declared.unit_id == world["A"] and declared.unit_unconfirmed is True
    imported = make_user(unit_id=world["A"])  # organizer's imports, the CLI, the factories
    assert imported.unit_unconfirmed is False


@pytest.fixture
def farmed_round(db, world):
    """Unit A: 1 genuine participant of 10 staff; 4 farm accounts declared themselves into A."""
    make_bank(3)
    contest = db.get(Contest, world["contest_id"])
    round_ = make_round(contest, questions=3)
    finish(round_, make_user(unit_id=world["A"]), 6)
    farm = [make_user(unit_id=world["A"], unit_unconfirmed=True) for _ in range(4)]
    for user in farm:
        finish(round_, user, 10)
    db.commit()
    return round_, farm


def rate_of(db, round_, unit_id: int) -> float:
    return next(entry for entry in unit_ranking.round_units(db, round_) if entry.unit_id == unit_id).rate


def test_farm_accounts_do_not_lift_a_units_participation(db, world, farmed_round):
    round_, farm = farmed_round
    assert rate_of(db, round_, world["A"]) == pytest.approx(0.1)  # was 0.5: 5 of 10 with the farm
    contest_units = unit_ranking.contest_units(db, round_.contest)
    assert next(e for e in contest_units if e.unit_id == world["A"]).participants == 1


def test_a_contest_that_trusts_declared_units_counts_them(db, world, farmed_round):
    round_, _farm = farmed_round
    round_.contest.trust_declared_units = True
    db.commit()
    assert rate_of(db, round_, world["A"]) == pytest.approx(0.5)


def test_confirmed_units_count(client, auth, db, world, farmed_round):
    round_, farm = farmed_round
    make_user(role="organizer", username="btc")
    db.commit()
    auth.login("btc", PASSWORD)
    page = client.get("/people/registrations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and all(user.username in html for user in farm)
    assert "tự khai, chưa xác nhận" in client.get("/people/participants").get_data(as_text=True)
    token = csrf_token(client, "/people/registrations")
    response = client.post("/people/registrations/confirm-units",
                           data={"csrf_token": token, "user_id": [str(farm[0].id), str(farm[1].id)]})
    assert response.status_code == 302
    db.expire_all()
    assert rate_of(db, round_, world["A"]) == pytest.approx(0.3)
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "unit_confirmed"))
    assert entry.details == {"usernames": sorted([farm[0].username, farm[1].username])}


@pytest.mark.parametrize("user_ids", [[], ["²"], ["12345678901"], ["abc"], ["0"], ["١٢"], ["1", "-1"]])
def test_confirming_nothing_or_garbage_is_a_vietnamese_error(client, auth, db, world, user_ids):
    make_user(role="organizer", username="btc")
    db.commit()
    auth.login("btc", PASSWORD)
    token = csrf_token(client, "/people/registrations")
    response = client.post("/people/registrations/confirm-units", data={"csrf_token": token, "user_id": user_ids})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and ("Hãy đánh dấu ít nhất một" in html or "không hợp lệ" in html)
    assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "unit_confirmed")) == 0


def api_csrf(client) -> str:
    return csrf_token(client, "/")


def test_a_farm_account_cannot_start_a_round_of_the_unit_it_declared(client, db, world):
    make_bank(3)
    contest = db.get(Contest, world["contest_id"])
    restricted = make_round(contest, questions=3)
    restricted.eligible_units = [db.get(Unit, world["B"])]
    db.commit()
    response, browser = register(client, world["contest_id"], person(7, unit_id=world["B"]))
    assert response.status_code == 302
    start = browser.post(f"/rounds/{restricted.id}/start", data={"csrf_token": api_csrf(browser)})
    assert start.status_code == 403
    assert "Đơn vị bạn tự khai chưa được ban tổ chức xác nhận" in start.get_data(as_text=True)
    api = browser.post(f"/api/v1/rounds/{restricted.id}/attempts", headers={"X-CSRFToken": api_csrf(browser)})
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "not_eligible"
    # Once an organizer confirms the unit, the round opens to them.
    user = db.scalar(select(User).where(User.username == "0912000007"))
    user.unit_unconfirmed = False
    db.commit()
    assert browser.post(f"/rounds/{restricted.id}/start", data={"csrf_token": api_csrf(browser)}).status_code == 302


def test_a_trusting_contest_lets_a_declared_unit_start(client, db, world):
    make_bank(3)
    contest = db.get(Contest, world["contest_id"])
    contest.trust_declared_units = True
    restricted = make_round(contest, questions=3)
    restricted.eligible_units = [db.get(Unit, world["B"])]
    db.commit()
    response, browser = register(client, world["contest_id"], person(8, unit_id=world["B"]))
    assert browser.post(f"/rounds/{restricted.id}/start", data={"csrf_token": api_csrf(browser)}).status_code == 302


def test_an_organizer_choosing_the_unit_confirms_it(client, auth, db, world):
    user = make_user(unit_id=world["A"], unit_unconfirmed=True, full_name="Lê Thị Cúc")
    make_user(role="organizer", username="btc")
    db.commit()
    auth.login("btc", PASSWORD)
    path = f"/people/participants/{user.id}/edit"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "full_name": "Lê Thị Cúc",
                                       "username": user.username, "unit_id": str(world["B"])})
    assert response.status_code == 302
    db.expire_all()
    user = db.get(User, user.id)
    assert (user.unit_id, user.unit_unconfirmed) == (world["B"], False)


# --- registration modes ---------------------------------------------------------------------------


def settings(client, contest_id: int, **fields):
    path = f"/contests/{contest_id}/registration"
    data = {"csrf_token": csrf_token(client, path), "registration_open": "y", **fields}
    return client.post(path, data=data)


@pytest.fixture
def organizer(client, auth, db):
    make_user(role="organizer", username="btc")
    db.commit()
    auth.login("btc", PASSWORD)


def test_existing_contests_keep_open_registration(db, world):
    contest = db.get(Contest, world["contest_id"])
    assert (contest.registration_mode, contest.trust_declared_units) == ("open", False)


def test_organizer_chooses_the_mode_and_trust(client, db, world, organizer):
    assert settings(client, world["contest_id"], registration_mode="approval",
                    trust_declared_units="y").status_code == 302
    db.expire_all()
    contest = db.get(Contest, world["contest_id"])
    assert (contest.registration_mode, contest.trust_declared_units) == ("approval", True)
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "registration_settings_updated"))
    assert entry.details["mode"] == "approval" and entry.details["trust_declared_units"] is True
    refused = settings(client, world["contest_id"], registration_mode="everyone")
    assert refused.status_code == 400 and "Hãy chọn một cách đăng ký" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Contest, world["contest_id"]).registration_mode == "approval"


def test_invitation_codes_name_the_unit(client, db, world, organizer):
    settings(client, world["contest_id"], registration_mode="invitation")
    path = f"/contests/{world['contest_id']}/registration"
    response = client.post(f"{path}/invitations", data={"csrf_token": csrf_token(client, path), "unit_id": ""})
    assert response.status_code == 302
    codes = {row.unit_id: row.code for row in db.scalars(select(UnitInvitation))}
    assert set(codes) == {world["A"], world["B"]} and len(set(codes.values())) == 2
    page = client.get(path).get_data(as_text=True)
    assert codes[world["A"]] in page and codes[world["B"]] in page
    assert db.scalar(select(AuditLog).where(AuditLog.action == "invitation_codes_generated")).details["units"] == [
        "A", "B"]
    # Regenerating one unit's code retires its old code.
    old = codes[world["A"]]
    client.post(f"{path}/invitations", data={"csrf_token": csrf_token(client, path), "unit_id": str(world["A"])})
    db.expire_all()
    assert db.scalar(select(UnitInvitation.code).where(UnitInvitation.unit_id == world["A"])) != old
    for bad in ("²", "999999", "12345678901234", "0", "١", " 1"):
        refused = client.post(f"{path}/invitations", data={"csrf_token": csrf_token(client, path), "unit_id": bad})
        assert refused.status_code == 400 and "không có trong danh sách" in refused.get_data(as_text=True)


def test_invitation_registration(client, db, world):
    contest = db.get(Contest, world["contest_id"])
    contest.registration_mode = "invitation"
    db.add(UnitInvitation(contest_id=contest.id, unit_id=world["B"], code="ABCD2345"))
    other = make_contest(registration_open=True)
    db.add(UnitInvitation(contest_id=other.id, unit_id=world["A"], code="ZZZZ9999"))
    db.commit()
    html = client.get(f"/contests/{contest.id}/register").get_data(as_text=True)
    assert "Mã mời của đơn vị" in html and 'name="unit_id"' not in html
    for code, message in (("", "Hãy nhập mã mời"), ("WRONG123", "không đúng với cuộc thi này"),
                          ("ZZZZ9999", "không đúng với cuộc thi này")):  # another contest's code
        response, _browser = register(client, contest.id, person(1, invitation_code=code, unit_id=world["A"]))
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count_users(db) == 0
    # Typed loosely; the unit posted alongside is ignored: the code names the unit, confirmed.
    response, _browser = register(client, contest.id, person(1, invitation_code=" abcd-2345 ", unit_id=world["A"]))
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.username == "0912000001"))
    assert (user.unit_id, user.unit_unconfirmed, user.is_active_account) == (world["B"], False, True)


def test_approval_registration_waits_for_an_organizer(client, auth, db, world):
    contest = db.get(Contest, world["contest_id"])
    contest.registration_mode = "approval"
    make_user(role="organizer", username="btc")
    db.commit()
    response, browser = register(client, contest.id, person(2, unit_id=world["A"]))
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.username == "0912000002"))
    assert (user.is_active_account, user.awaiting_approval, user.unit_unconfirmed) == (False, True, True)
    assert "Đăng xuất" not in browser.get("/").get_data(as_text=True)  # not logged in
    denied = login_form_post(client.application.test_client(), {"username": "0912000002",
                                                                "password": "Farm@2026vui"})
    assert denied.status_code == 400
    auth.login("btc", PASSWORD)
    assert "0912000002" in client.get("/people/registrations").get_data(as_text=True)
    token = csrf_token(client, "/people/registrations")
    assert client.post("/people/registrations/approve",
                       data={"csrf_token": token, "user_id": str(user.id)}).status_code == 302
    db.expire_all()
    user = db.get(User, user.id)
    assert (user.is_active_account, user.awaiting_approval, user.unit_unconfirmed) == (True, False, False)
    assert db.scalar(select(AuditLog).where(AuditLog.action == "registration_approved")).details == {
        "usernames": ["0912000002"]}
    allowed = login_form_post(client.application.test_client(), {"username": "0912000002",
                                                                 "password": "Farm@2026vui"})
    assert allowed.status_code == 302


@pytest.fixture
def two_workers(database_url, tmp_path):
    """Two app instances on one database, each with its own in-memory rate-limit counters: what
    two gunicorn workers without Redis are, and what requests released together look like to the
    limiter (it tests before the view and counts after the response)."""
    config = {"RATELIMIT_REGISTRATION_ADDRESS": "3 per hour"}
    first = make_test_app(database_url, tmp_path / "one", **config)
    second = make_test_app(database_url, tmp_path / "two", **config)
    with first.app_context():
        make_unit(code="A", name="Sở A")
        contest = make_contest(registration_open=True, require_date_of_birth=False, require_unit=False)
        _db.session.commit()
        contest_id = contest.id
    yield first, second, contest_id
    _empty_tables(first)
    with second.app_context():
        _db.engine.dispose()  # else its pooled connection is collected open (a ResourceWarning, an error)


def test_the_ceiling_holds_in_the_database_whatever_the_counters_say(two_workers):
    first, second, contest_id = two_workers
    statuses = [register(app.test_client(), contest_id, person(n))[0].status_code
                for n, app in enumerate([first, second, first, second, first, second])]
    # Each worker's limiter saw at most three: before, all six passed (3 + 3 accounts).
    assert statuses == [302, 302, 302, 429, 429, 429]
    refused, _browser = register(second.test_client(), contest_id, person(9))
    assert "quá nhiều tài khoản được đăng ký từ địa chỉ mạng này" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    with first.app_context():
        assert _db.session.scalar(select(func.count()).select_from(User).where(User.role == "participant")) == 3
        other, _browser = register(first.test_client(), contest_id, person(10), OTHER)
        assert other.status_code == 302
