"""Self-registration at /contests/<id>/register and its per-contest settings."""
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import AuditLog, Contest, User
from contest.services.users import registration
from tests.conftest import csrf_token, form_with_challenge
from tests.factories import PASSWORD, make_contest, make_unit, make_user

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
GOOD = {
    "full_name": "Nguyễn Thị Hoa",
    "username": "",
    "password": "Hoa@2026vui",
    "confirm": "Hoa@2026vui",
    "date_of_birth": "1990-05-20",
    "phone": "+84 912 345 678",
    "email": "Hoa.Nguyen@SNV.gov.vn",
    "unit_id": None,  # filled in by the fixture
    "id_number": "001 190 012 345",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(db):
    """An open contest and a small unit tree."""
    province = make_unit(code="UBND", name="UBND tỉnh")
    department = make_unit(code="SNV", name="Sở Nội vụ", parent=province)
    contest = make_contest(name="Cuộc thi CCHC 2026", registration_open=True)
    db.commit()
    return contest, department


def path(contest) -> str:
    return f"/contests/{contest.id}/register"


def post(client, contest, **changes):
    data = {**GOOD, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    data.update(form_with_challenge(client, path(contest)))
    return client.post(path(contest), data=data)


def users(db) -> int:
    return db.scalar(select(func.count()).select_from(User))


def test_registration_page_lists_the_fields_and_the_unit_tree(client, setup):
    contest, department = setup
    response = client.get(path(contest))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cuộc thi CCHC 2026" in html
    for label in ("Họ và tên", "Số điện thoại di động", "Mật khẩu", "Nhập lại mật khẩu", "Ngày sinh",
                  "Email (không bắt buộc)", "Đơn vị công tác", "Số CCCD/CMND (không bắt buộc)",
                  "Tên đăng nhập (không bắt buộc)"):
        assert label in html, label
    # The parent comes first, the department indented under it.
    assert html.index(">UBND tỉnh<") < html.index(">\u2003└ Sở Nội vụ<")
    assert f'<option value="{department.id}">' in html


def test_registering_creates_the_participant_and_logs_them_in(client, db, setup):
    contest, department = setup
    response = post(client, contest, unit_id=department.id)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.scalar(select(User))
    assert (user.username, user.full_name, user.role, user.phone, user.email, user.date_of_birth, user.unit_id,
            user.id_number) == ("0912345678", "Nguyễn Thị Hoa", "participant", "0912345678", "hoa.nguyen@snv.gov.vn",
                                date(1990, 5, 20), department.id, "001190012345")
    assert user.check_password(GOOD["password"])
    assert "Nguyễn Thị Hoa" in client.get("/").get_data(as_text=True)  # logged in
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "registered"))
    assert (entry.user_id, entry.target, entry.details) == (
        user.id, "0912345678", {"contest_id": contest.id, "mode": "open", "unit_id": department.id,
                                "unit_confirmed": False})
    assert user.unit_unconfirmed  # declared, not yet confirmed by an organizer


def test_a_chosen_username_and_dd_mm_yyyy_dates(client, db, setup):
    contest, department = setup
    response = post(client, contest, username="hoa.nguyen", date_of_birth="20/05/1990", unit_id=department.id,
                    email="", id_number="")
    assert response.status_code == 302
    user = db.scalar(select(User))
    assert (user.username, user.date_of_birth, user.email, user.id_number) == (
        "hoa.nguyen", date(1990, 5, 20), None, None)


def test_a_username_that_is_the_own_phone_becomes_the_normalized_phone(client, db, setup):
    contest, department = setup
    assert post(client, contest, username="0912.345.678", unit_id=department.id).status_code == 302
    assert db.scalar(select(User.username)) == "0912345678"


REQUIRED_ERRORS = [
    ({"full_name": ""}, "Hãy nhập họ và tên."),
    ({"full_name": "123"}, "Họ và tên “123” phải có chữ cái."),
    ({"phone": ""}, "Hãy nhập số điện thoại."),
    ({"phone": "0212 345 678"}, "Số điện thoại “0212 345 678” không hợp lệ: cần số di động Việt Nam 10 chữ số bắt đầu "
                                "bằng 03, 05, 07, 08 hoặc 09 (ví dụ 0912 345 678 hoặc +84 912 345 678)."),
    ({"email": "hoa@snv"}, "Email “hoa@snv” không hợp lệ (ví dụ ten@donvi.gov.vn)."),
    ({"date_of_birth": ""}, "Hãy nhập ngày sinh."),
    ({"date_of_birth": "2027-01-01"}, "Ngày sinh “2027-01-01” ở tương lai."),
    ({"date_of_birth": "01/01/2015"},
     "Ngày sinh “01/01/2015” cho tuổi 11, ngoài khoảng 15–100 tuổi; hãy kiểm tra lại năm sinh."),
    ({"unit_id": ""}, "Hãy chọn đơn vị công tác."),
    ({"unit_id": "999999"}, "Đơn vị đã chọn không có trong danh sách; hãy chọn lại."),
    ({"id_number": "12345"},
     "Số CCCD/CMND “12345” không hợp lệ: căn cước công dân có 12 chữ số, chứng minh nhân dân cũ có 9 chữ số."),
    ({"password": "", "confirm": ""}, "Hãy nhập mật khẩu."),
    ({"password": "Ab1", "confirm": "Ab1"}, "Mật khẩu phải có ít nhất 8 ký tự."),
    ({"password": "19900520", "confirm": "19900520"}, "Mật khẩu không được chỉ gồm chữ số; hãy thêm chữ cái."),
    ({"username": "hoa.nguyen", "password": "Hoa.Nguyen", "confirm": "Hoa.Nguyen"},
     "Mật khẩu không được trùng với tên đăng nhập hoặc số điện thoại."),
    ({"confirm": "khac-han-1"}, "Hai mật khẩu không khớp."),
    ({"confirm": ""}, "Hãy nhập lại mật khẩu."),
    ({"username": "hoa nguyen"}, "Tên đăng nhập “hoa nguyen” không hợp lệ: chỉ dùng chữ không dấu, chữ số và . _ - @, "
                                 "không có dấu cách, tối đa 100 ký tự."),
    ({"username": "hoa@snv.gov.vn"},
     "Tên đăng nhập “hoa@snv.gov.vn” không được chứa @; bạn có thể đăng nhập bằng email đã khai."),
    ({"username": "0987654321"}, "Tên đăng nhập “0987654321” là một số điện thoại khác số bạn khai; hãy để trống "
                                 "để dùng số điện thoại của bạn, hoặc chọn tên khác."),
]


@pytest.mark.parametrize("changes, message", REQUIRED_ERRORS, ids=[str(i) for i in range(len(REQUIRED_ERRORS))])
def test_each_bad_detail_is_refused_with_its_message(client, db, setup, changes, message):
    contest, department = setup
    response = post(client, contest, **{"unit_id": department.id, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "Chưa đăng ký được" in html
    assert users(db) == 0
    assert db.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_every_problem_is_reported_at_once(client, db, setup):
    contest, _department = setup
    response = post(client, contest, full_name="", phone="123", email="x@", password="1234", confirm="")
    html = response.get_data(as_text=True)
    for message in ("Hãy nhập họ và tên.", "Số điện thoại “123” không hợp lệ", "Email “x@” không hợp lệ",
                    "Mật khẩu phải có ít nhất 8 ký tự.", "Hãy nhập lại mật khẩu.", "Hãy chọn đơn vị công tác."):
        assert message in html, message
    assert users(db) == 0


def test_which_details_are_required_is_set_per_contest(client, db, setup):
    contest, _department = setup
    registration.update_settings(contest, is_open=True, required={"email", "id_number"})
    db.commit()
    response = post(client, contest, email="", id_number="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Hãy nhập email." in html and "Hãy nhập số CCCD/CMND." in html
    # Phone, unit and date of birth are now optional: a username stands in for the phone.
    response = post(client, contest, username="hoa01", phone="", unit_id="", date_of_birth="")
    assert response.status_code == 302
    user = db.scalar(select(User))
    assert (user.username, user.phone, user.unit_id, user.date_of_birth) == ("hoa01", None, None, None)


def test_without_phone_a_username_is_needed(client, db, setup):
    contest, department = setup
    contest.require_phone = False
    db.commit()
    response = post(client, contest, phone="", unit_id=department.id)
    assert response.status_code == 400
    assert ("Hãy nhập tên đăng nhập hoặc số điện thoại (khi không có tên đăng nhập, số điện thoại được dùng "
            "để đăng nhập).") in response.get_data(as_text=True)
    assert users(db) == 0


@pytest.mark.parametrize(
    "existing, changes, message",
    [
        ({"phone": "0912345678"}, {},
         "Số điện thoại “0912345678” đã được dùng cho một tài khoản khác; nếu đó là bạn, hãy đăng nhập hoặc liên hệ "
         "ban tổ chức."),
        ({"email": "hoa.nguyen@snv.gov.vn"}, {}, "Email “hoa.nguyen@snv.gov.vn” đã được dùng cho một tài khoản khác"),
        ({"username": "hoa01"}, {"username": "hoa01"}, "Tên đăng nhập “hoa01” đã được dùng cho một tài khoản khác."),
        ({"id_number": "001190012345"}, {}, "Số CCCD/CMND “001190012345” đã được dùng cho một tài khoản khác"),
        # Login accepts any of the three, so one person's phone must not be another's username.
        ({"username": "0912345678"}, {}, "Số điện thoại “0912345678” đã được dùng cho một tài khoản khác"),
        ({"email": "hoa01@x.vn"}, {"username": "hoa01@x.vn"}, "không được chứa @"),
    ],
    ids=["phone", "email", "username", "id_number", "phone-is-a-username", "username-is-an-email"],
)
def test_taken_details_are_refused(client, db, setup, existing, changes, message):
    contest, department = setup
    make_user(**{"username": "nguoi-khac", **existing})
    db.commit()
    response = post(client, contest, unit_id=department.id, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert users(db) == 1


@pytest.mark.parametrize("name", ["phone", "email", "username", "id_number"])
def test_the_database_settles_a_race_for_the_same_detail(db, setup, name):
    """Two people pass the check at once; the unique constraint refuses the second, naming its field."""
    contest, department = setup
    details = registration.check_application(db, contest, {**GOOD, "username": "hoa01", "unit_id": department.id},
                                             GOOD["password"], GOOD["confirm"])
    rival = {"phone": "0912345678", "email": "hoa.nguyen@snv.gov.vn", "username": "hoa01",
             "id_number": "001190012345"}
    make_user(**{"username": "nhanh-tay", name: rival[name]})
    db.commit()
    with pytest.raises(registration.DetailsInvalid) as caught:
        registration.register(db, contest, details, "hash")
    assert caught.value.errors[0][0] == name
    db.rollback()
    assert users(db) == 1


def test_unknown_contest_is_404(client, db):
    assert client.get("/contests/424242/register").status_code == 404
    response = client.post("/contests/424242/register", data={**GOOD, "csrf_token": csrf_token(client)})
    assert response.status_code == 404
    assert users(db) == 0


def test_closed_registration_shows_a_message_and_stores_nothing(client, db):
    unit = make_unit()
    contest = make_contest()  # registration is closed by default
    db.commit()
    response = client.get(path(contest))
    assert response.status_code == 403
    assert "Cuộc thi này hiện không nhận đăng ký tài khoản mới" in response.get_data(as_text=True)
    response = client.post(path(contest), data={**GOOD, "unit_id": unit.id, "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert users(db) == 0


def test_registration_closed_between_check_and_write(db, setup):
    contest, department = setup
    details = registration.check_application(db, contest, {**GOOD, "unit_id": department.id}, GOOD["password"],
                                             GOOD["confirm"])
    contest.registration_open = False
    with pytest.raises(registration.RegistrationClosed):
        registration.register(db, contest, details, "hash")


def test_without_csrf_token_nothing_is_stored(client, db, setup):
    contest, department = setup
    response = client.post(path(contest), data={**GOOD, "unit_id": department.id})
    assert response.status_code == 400
    assert users(db) == 0


def test_a_logged_in_user_is_sent_home(client, auth, db, setup):
    contest, _department = setup
    make_user(username="dang-nhap-roi")
    db.commit()
    auth.login("dang-nhap-roi", PASSWORD)
    response = client.get(path(contest))
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- settings --------------------------------------------------------------------------------


def settings_path(contest) -> str:
    return f"/contests/{contest.id}/registration"


def test_organizer_opens_registration_and_chooses_required_details(client, auth, db):
    contest = make_contest()
    make_user(role="organizer", username="btc")
    db.commit()
    auth.login("btc", PASSWORD)
    page = client.get(settings_path(contest))
    assert page.status_code == 200
    assert f"/contests/{contest.id}/register" in page.get_data(as_text=True)
    response = client.post(settings_path(contest), data={
        "csrf_token": csrf_token(client, settings_path(contest)), "registration_open": "y",
        "require_email": "y", "require_id_number": "y"})
    assert response.status_code == 302
    db.expire_all()
    contest = db.get(Contest, contest.id)
    assert contest.registration_open is True
    assert registration.required_fields(contest) == {"email", "id_number"}
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "registration_settings_updated"))
    assert entry.details == {"contest_id": contest.id, "open": True, "required": ["email", "id_number"],
                             "mode": "open", "trust_declared_units": False}


@pytest.mark.parametrize("role", ["participant", "judge"])
def test_settings_are_forbidden_to_participants_and_judges(client, auth, db, role):
    contest = make_contest()
    make_user(role=role, username="khong-duoc")
    db.commit()
    auth.login("khong-duoc", PASSWORD)
    assert client.get(settings_path(contest)).status_code == 403
    response = client.post(settings_path(contest), data={"csrf_token": csrf_token(client, "/"),
                                                          "registration_open": "y"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Contest, contest.id).registration_open is False


def test_settings_of_another_contest_are_forbidden_to_a_scoped_organizer(runner, client, auth, db):
    mine, other = make_contest(name="Của tôi"), make_contest(name="Của người khác")
    db.commit()
    runner.invoke(args=["create-user", "btc-rieng", "--role", "organizer", "--password", PASSWORD,
                        "--contest", "Của tôi"])
    auth.login("btc-rieng", PASSWORD)
    assert client.get(settings_path(mine)).status_code == 200
    assert client.get(settings_path(other)).status_code == 403
    assert client.get("/contests/424242/registration").status_code == 404


def test_settings_send_anonymous_visitors_to_login(client, db):
    contest = make_contest()
    db.commit()
    response = client.get(settings_path(contest))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
