"""Login by username, phone or email; /account (details locked, password change); the organizer's
edit of a participant's details at /people/participants/<id>/edit."""
from datetime import date

import pytest
from sqlalchemy import select

from contest.models import AuditLog, User
from contest.services.users import activation
from tests.conftest import AuthActions, csrf_token
from tests.factories import PASSWORD, make_unit, make_user

NEW_PASSWORD = "Doi@matkhau2026"


@pytest.fixture
def hoa(db):
    user = make_user(username="hoa01", full_name="Nguyễn Thị Hoa", phone="0912345678", email="hoa@snv.gov.vn",
                     date_of_birth=date(1990, 5, 20), id_number="001190012345",
                     unit=make_unit(code="SNV", name="Sở Nội vụ"))
    db.commit()
    return user


# --- login -----------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["hoa01", "0912345678", "0912 345 678", "+84 912 345 678", "84912345678",
                                   "hoa@snv.gov.vn", "HOA@SNV.GOV.VN", "  hoa01 "])
def test_login_by_username_phone_or_email(client, auth, hoa, login):
    response = auth.login(login, PASSWORD)
    assert response.status_code == 302, login
    assert "Nguyễn Thị Hoa" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("login", ["hoa02", "0912345679", "hoa@snv.gov", ""])
def test_login_with_an_unknown_login_fails(client, auth, hoa, login):
    response = auth.login(login, PASSWORD)
    assert response.status_code == 400
    assert "Nguyễn Thị Hoa" not in client.get("/").get_data(as_text=True)


def test_login_by_phone_with_a_wrong_password_fails(auth, hoa):
    response = auth.login("0912345678", "sai-mat-khau")
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_a_username_wins_over_another_accounts_phone(client, auth, db, hoa):
    """Hand-made data can have one person's username equal to another's phone: the username decides."""
    make_user(username="0912345678", full_name="Trần Văn Bình", password="Binh@12345")
    db.commit()
    assert auth.login("0912345678", "Binh@12345").status_code == 302
    assert "Trần Văn Bình" in client.get("/").get_data(as_text=True)


def test_api_session_accepts_a_phone_too(client, hoa):
    response = client.post("/api/v1/session", json={"username": "+84 912 345 678", "password": PASSWORD})
    assert response.status_code == 200
    assert response.get_json()["user"]["username"] == "hoa01"


# --- /account --------------------------------------------------------------------------------


def test_account_needs_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    response = client.post("/account/password", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_account_shows_details_read_only(client, auth, hoa):
    auth.login("hoa01", PASSWORD)
    response = client.get("/account")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Nguyễn Thị Hoa", "0912345678", "hoa@snv.gov.vn", "20/05/1990", "Sở Nội vụ (SNV)", "001190012345"):
        assert text in html, text
    # Locked: no control for any detail, only the three password boxes.
    for name in ("full_name", "phone", "email", "date_of_birth", "unit_id", "id_number"):
        assert f'name="{name}"' not in html, name
    assert html.count('type="password"') == 3


def test_details_cannot_be_changed_by_their_owner(client, auth, db, hoa):
    auth.login("hoa01", PASSWORD)
    token = csrf_token(client, "/account")
    changes = {"csrf_token": token, "full_name": "Tên Khác", "phone": "0987654321"}
    assert client.post("/account", data=changes).status_code == 405
    assert client.post("/account/password", data=changes).status_code == 400
    assert client.post(f"/people/participants/{hoa.id}/edit", data=changes).status_code == 403
    db.expire_all()
    user = db.get(User, hoa.id)
    assert (user.full_name, user.phone) == ("Nguyễn Thị Hoa", "0912345678")


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account"), "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm})


def test_password_change_keeps_this_session_and_ends_the_others(app, client, auth, db, hoa):
    other = app.test_client()
    AuthActions(other).login("hoa01", PASSWORD)
    auth.login("hoa01", PASSWORD)
    assert other.get("/account").status_code == 200
    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # still logged in here
    response = other.get("/account")  # the other phone's session is over
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    db.expire_all()
    assert db.get(User, hoa.id).check_password(NEW_PASSWORD)
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "password_changed"))
    assert (entry.user_id, entry.target) == (hoa.id, "hoa01")
    fresh = app.test_client()
    assert AuthActions(fresh).login("hoa01", PASSWORD).status_code == 400
    assert AuthActions(fresh).login("0912345678", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        ("sai-mat-khau", NEW_PASSWORD, None, "Mật khẩu hiện tại không đúng."),
        ("", NEW_PASSWORD, None, "Hãy nhập mật khẩu hiện tại."),
        (PASSWORD, "", "", "Hãy nhập mật khẩu mới."),
        (PASSWORD, "ngan1", None, "Mật khẩu phải có ít nhất 8 ký tự."),
        (PASSWORD, "0912345678", None, "Mật khẩu không được chỉ gồm chữ số; hãy thêm chữ cái."),
        (PASSWORD, "HOA01", None, "Mật khẩu phải có ít nhất 8 ký tự."),
        (PASSWORD, PASSWORD, None, "Mật khẩu mới phải khác mật khẩu hiện tại."),
        (PASSWORD, NEW_PASSWORD, "khac-han-99", "Hai mật khẩu mới không khớp."),
        (PASSWORD, NEW_PASSWORD, "", "Hãy nhập lại mật khẩu mới."),
    ],
)
def test_bad_password_changes_change_nothing(client, auth, db, hoa, current, new, confirm, message):
    auth.login("hoa01", PASSWORD)
    response = change(client, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, hoa.id).check_password(PASSWORD)
    assert db.scalar(select(AuditLog).where(AuditLog.action == "password_changed")) is None
    assert client.get("/account").status_code == 200  # still logged in


def test_new_password_may_not_be_the_username(client, auth, db):
    make_user(username="thisinh.hoa")
    db.commit()
    auth.login("thisinh.hoa", PASSWORD)
    response = change(client, new="Thisinh.Hoa")
    assert "Mật khẩu không được trùng với tên đăng nhập hoặc số điện thoại." in response.get_data(as_text=True)


def test_password_change_without_csrf_token_is_refused(client, auth, db, hoa):
    auth.login("hoa01", PASSWORD)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(User, hoa.id).check_password(PASSWORD)


def test_an_organizers_reset_ends_the_participants_sessions(client, auth, db, hoa):
    auth.login("hoa01", PASSWORD)
    assert client.get("/account").status_code == 200
    activation.reset(db, db.get(User, hoa.id))
    db.commit()
    assert client.get("/account").status_code == 302


# --- organizer edit --------------------------------------------------------------------------


def edit_path(user) -> str:
    return f"/people/participants/{user.id}/edit"


@pytest.fixture
def organizer(client, auth, db):
    make_user(role="organizer", username="btc")
    db.commit()
    assert auth.login("btc", PASSWORD).status_code == 302


def edit(client, user, **changes):
    data = {"full_name": "Nguyễn Thị Hoa", "username": "hoa01", "phone": "0912345678", "email": "hoa@snv.gov.vn",
            "date_of_birth": "1990-05-20", "unit_id": str(user.unit_id), "id_number": "001190012345", **changes}
    data["csrf_token"] = csrf_token(client, edit_path(user))
    return client.post(edit_path(user), data=data)


def test_organizer_sees_the_details_filled_in(client, hoa, organizer):
    response = client.get(edit_path(hoa))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="0912345678"' in html and 'value="1990-05-20"' in html and 'value="001190012345"' in html
    assert f'<option selected value="{hoa.unit_id}">' in html
    assert edit_path(hoa) in client.get("/people/participants").get_data(as_text=True)


def test_organizer_edits_a_participant(client, db, hoa, organizer):
    unit = make_unit(code="STP", name="Sở Tư pháp")
    db.commit()
    old_unit_id = hoa.unit_id
    response = edit(client, hoa, full_name="Nguyễn Thị Hoà", phone="+84 987 654 321", email="",
                    date_of_birth="21/05/1990", unit_id=str(unit.id), id_number="")
    assert response.status_code == 302
    db.expire_all()
    user = db.get(User, hoa.id)
    assert (user.full_name, user.phone, user.email, user.date_of_birth, user.unit_id, user.id_number) == (
        "Nguyễn Thị Hoà", "0987654321", None, date(1990, 5, 21), unit.id, None)
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "participant_updated"))
    assert entry.target == "hoa01"
    assert entry.details["changed"] == {
        "date_of_birth": ["1990-05-20", "1990-05-21"], "email": ["hoa@snv.gov.vn", None],
        "full_name": ["Nguyễn Thị Hoa", "Nguyễn Thị Hoà"], "id_number": ["001190012345", None],
        "phone": ["0912345678", "0987654321"], "unit_id": [old_unit_id, unit.id]}
    assert user.check_password(PASSWORD)  # the password is not the organizer's to touch


def test_saving_unchanged_details_logs_nothing(client, db, hoa, organizer):
    assert edit(client, hoa).status_code == 302
    assert db.scalar(select(AuditLog).where(AuditLog.action == "participant_updated")) is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"full_name": ""}, "Hãy nhập họ và tên."),
        ({"username": ""}, "Hãy nhập tên đăng nhập."),
        ({"phone": "0212345678"}, "Số điện thoại “0212345678” không hợp lệ"),
        ({"email": "hoa@"}, "Email “hoa@” không hợp lệ (ví dụ ten@donvi.gov.vn)."),
        ({"date_of_birth": "2030-01-01"}, "Ngày sinh “2030-01-01” ở tương lai."),
        ({"id_number": "0011900123"}, "Số CCCD/CMND “0011900123” không hợp lệ"),
        ({"unit_id": "999999"}, "Đơn vị đã chọn không có trong danh sách; hãy chọn lại."),
        ({"phone": "0987654321"}, "Số điện thoại “0987654321” đã được dùng cho một tài khoản khác"),
        ({"email": "BINH@stp.gov.vn"}, "Email “binh@stp.gov.vn” đã được dùng cho một tài khoản khác"),
        ({"username": "binh"}, "Tên đăng nhập “binh” đã được dùng cho một tài khoản khác."),
        ({"id_number": "001190099999"}, "Số CCCD/CMND “001190099999” đã được dùng cho một tài khoản khác"),
    ],
)
def test_organizer_edit_uses_the_same_checks(client, db, hoa, organizer, changes, message):
    make_user(username="binh", phone="0987654321", email="binh@stp.gov.vn", id_number="001190099999")
    db.commit()
    response = edit(client, hoa, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.expire_all()
    user = db.get(User, hoa.id)
    assert (user.username, user.full_name, user.phone, user.email, user.id_number) == (
        "hoa01", "Nguyễn Thị Hoa", "0912345678", "hoa@snv.gov.vn", "001190012345")
    assert db.scalar(select(AuditLog).where(AuditLog.action == "participant_updated")) is None


def test_only_participants_are_edited_here(client, db, organizer):
    admin = make_user(role="admin", username="qtv")
    db.commit()
    assert client.get(edit_path(admin)).status_code == 404
    assert client.get("/people/participants/424242/edit").status_code == 404


@pytest.mark.parametrize("role", ["participant", "judge"])
def test_participants_and_judges_cannot_edit_others(client, auth, db, hoa, role):
    make_user(role=role, username="khong-duoc")
    db.commit()
    auth.login("khong-duoc", PASSWORD)
    assert client.get(edit_path(hoa)).status_code == 403
    response = client.post(edit_path(hoa), data={"csrf_token": csrf_token(client, "/"), "full_name": "Kẻ lạ",
                                                 "username": "hoa01"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(User, hoa.id).full_name == "Nguyễn Thị Hoa"


def test_anonymous_visitors_are_sent_to_login(client, hoa):
    response = client.get(edit_path(hoa))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_may_edit(client, auth, db, hoa):
    make_user(role="admin", username="qtv")
    db.commit()
    auth.login("qtv", PASSWORD)
    assert edit(client, hoa, full_name="Nguyễn Thị Hoa Mai").status_code == 302
    db.expire_all()
    assert db.get(User, hoa.id).full_name == "Nguyễn Thị Hoa Mai"
