"""Login finds an account by its username as typed, its phone however typed, or its email in any
case (review of issue 14: a phone-shaped username must still log in with itself)."""
import pytest

from tests.support import session_post
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize("username", ["84912345678", "912345678", "0912.345.678", "+84 912 345 678"])
def test_a_phone_shaped_username_logs_in_as_typed(client, db, username):
    make_user(username=username)
    db.commit()
    response = session_post(client, {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["username"] == username


def test_a_username_still_wins_over_someone_elses_phone(client, db):
    make_user(username="912345678")
    make_user(username="lan01", phone="0912345678", password="Mat-khau-cua-Lan-1")
    db.commit()
    assert session_post(client, {"username": "912345678", "password": PASSWORD}).status_code == 200
    response = session_post(client, {"username": "0912 345 678", "password": "Mat-khau-cua-Lan-1"})
    assert response.status_code == 200 and response.get_json()["user"]["username"] == "lan01"


def test_phone_and_email_logins_still_work_however_typed(client, db):
    make_user(username="hoa01", phone="0912345678", email="hoa@snv.gov.vn")
    make_user(username="0987654321")  # an imported account whose username is its phone, phone column empty
    db.commit()
    for login in ("+84 912 345 678", "0912.345.678", "HOA@snv.gov.vn", "HOA01"):
        assert session_post(client, {"username": login, "password": PASSWORD}).status_code == 200, login
    assert session_post(client, {"username": "+84 987 654 321", "password": PASSWORD}).status_code == 200
