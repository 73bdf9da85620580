"""One-time activation links: `/activate/<token>` sets a password once, before the link expires."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select, update

from contest.models import AuditLog, User
from contest.services.users import activation
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_unit, make_user

ISSUED = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
EXPIRES = ISSUED + activation.TTL
NEW_PASSWORD = "Matkhau@moi2026"


@pytest.fixture
def traveller():
    with time_machine.travel(ISSUED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pending(db, traveller):
    """A bulk-imported participant: no password yet, one activation token."""
    user = make_user(username="thisinh01", full_name="Nguyễn Thị Hoa", unit=make_unit(code="SNV"))
    user.password_hash = activation.NO_PASSWORD
    token = activation.issue(user)
    db.commit()
    return user, token


def post(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None, with_csrf: bool = True):
    data = {"password": password, "confirm": password if confirm is None else confirm}
    if with_csrf:
        data["csrf_token"] = csrf_token(client, f"/activate/{token}")
    return client.post(f"/activate/{token}", data=data)


def login(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)})


def test_link_sets_the_password_once(client, db, pending):
    user, token = pending
    page = client.get(f"/activate/{token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in body and "thisinh01" in body
    assert client.get(f"/activate/{token}").status_code == 200  # opening it twice spends nothing
    response = post(client, token)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.expire_all()
    stored = db.get(User, user.id)
    assert stored.check_password(NEW_PASSWORD)
    assert (stored.activation_token_hash, stored.activation_expires_at) == (None, None)
    assert db.scalar(select(AuditLog.action).where(AuditLog.user_id == user.id)) == "account_activated"
    assert login(client, "thisinh01", NEW_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    # Used once: the same link is now refused, whatever is posted.
    again = client.get(f"/activate/{token}")
    assert again.status_code == 404
    assert "Liên kết kích hoạt không hợp lệ, đã được dùng hoặc đã hết hạn" in again.get_data(as_text=True)
    spent = client.post(f"/activate/{token}", data={"password": "Khac@12345", "confirm": "Khac@12345",
                                                     "csrf_token": csrf_token(client)})
    assert spent.status_code == 404
    db.expire_all()
    assert db.get(User, user.id).check_password(NEW_PASSWORD)


def test_an_imported_account_cannot_log_in_before_activation(client, db, pending):
    assert login(client, "thisinh01", "").status_code == 400
    assert login(client, "thisinh01", activation.NO_PASSWORD).status_code == 400


@pytest.mark.parametrize(
    "password, confirm, message",
    [
        ("ngan", "ngan", "Mật khẩu phải có từ 8 đến 200 ký tự."),
        (NEW_PASSWORD, "Khac@2026xx", "Hai mật khẩu không khớp."),
        ("", "", "Hãy nhập mật khẩu mới."),
    ],
    ids=["short", "mismatch", "empty"],
)
def test_bad_passwords_are_refused_and_the_link_still_works(client, db, pending, password, confirm, message):
    user, token = pending
    response = post(client, token, password, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).activation_token_hash is not None
    assert post(client, token).status_code == 302


def test_without_csrf_token_nothing_is_spent(client, db, pending):
    user, token = pending
    assert post(client, token, with_csrf=False).status_code == 400
    db.expire_all()
    assert db.get(User, user.id).activation_token_hash is not None


def test_expiry_edge(client, db, pending, traveller):
    user, token = pending
    traveller.move_to(EXPIRES - timedelta(seconds=1))
    assert client.get(f"/activate/{token}").status_code == 200
    traveller.move_to(EXPIRES)
    assert client.get(f"/activate/{token}").status_code == 404
    traveller.move_to(EXPIRES - timedelta(seconds=1))
    page_token = csrf_token(client, f"/activate/{token}")
    traveller.move_to(EXPIRES + timedelta(seconds=1))
    late = client.post(f"/activate/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                    "csrf_token": page_token})
    assert late.status_code == 404
    db.expire_all()
    assert not db.get(User, user.id).check_password(NEW_PASSWORD)


def test_malformed_and_forged_tokens(client, db, pending):
    user, token = pending
    other = make_user(username="khac")
    other_token = activation.issue(other)
    db.commit()
    secret = token.split(".", 1)[1]
    forged = [
        "abc",
        f"{user.id}",
        f"{user.id}.",
        f"{user.id}.short",
        f"{user.id}.{secret[:-1]}A" if not secret.endswith("A") else f"{user.id}.{secret[:-1]}B",
        f"{other.id}.{secret}",  # the right secret on someone else's account
        f"{user.id}.{other_token.split('.', 1)[1]}",
        f"999999.{secret}",
        f"-1.{secret}",
    ]
    for bad in forged:
        assert client.get(f"/activate/{bad}").status_code == 404, bad
    assert client.get(f"/activate/{token}").status_code == 200


def test_reissuing_replaces_the_old_link(client, db, pending):
    user, first = pending
    second = activation.reset(db, db.get(User, user.id))
    db.commit()
    assert client.get(f"/activate/{first}").status_code == 404
    assert post(client, second).status_code == 302


def test_reset_stops_the_old_password(db, traveller):
    user = make_user(username="cu")
    db.commit()
    assert user.check_password(PASSWORD)
    activation.reset(db, user)
    db.commit()
    assert not db.get(User, user.id).check_password(PASSWORD)


def test_a_disabled_account_cannot_activate(client, db, pending):
    user, token = pending
    db.get(User, user.id).is_active_account = False
    db.commit()
    assert client.get(f"/activate/{token}").status_code == 404


def test_two_uses_racing_one_wins(db, pending):
    """The second use read the token before the first spent it: its conditional UPDATE matches nothing."""
    user, token = pending
    stale = activation.find(db, token)
    assert stale is not None
    db.execute(update(User).where(User.id == user.id).values(activation_token_hash=None)
               .execution_options(synchronize_session=False))  # the other request's write
    with pytest.raises(activation.InvalidActivation):
        activation.activate(db, token, NEW_PASSWORD)
    db.rollback()
