"""Personal data (phone, email, date of birth, ID number) is for organizers and admins only:
judges, public pages and every export see names, units and scores, and a username that is a
phone number (bulk imports make the phone the username) is masked as 09xx xxx 678."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from contest.models import ContestStaff, PrizeExclusion, User
from contest.services.results import exports, pii, prizes
from core.db import now_utc
from tests.conftest import csrf_token
from tests.factories import PASSWORD, finish, make_bank, make_contest, make_round, make_unit, make_user

PHONE = "0912345678"
MASKED = "09xx xxx 678"
EMAIL = "lan.nguyen@snv.gov.vn"
ID_NUMBER = "079185012345"
SECRETS = [PHONE, "912345678", "912 345 678", EMAIL, "15/03/1985", "1985-03-15", ID_NUMBER, "0987654321", "minh@"]


@pytest.mark.parametrize("username, shown", [
    ("0912345678", "09xx xxx 678"),
    ("0912 345 678", "09xx xxx 678"),
    ("+84912345678", "84xx xxx 678"),
    ("079185012345", "07xx xxx 345"),  # an ID number used as a login
    ("lan.nguyen@snv.gov.vn", "l***@snv.gov.vn"),
    ("an.nguyen", "an.nguyen"),
    ("user123", "user123"),
    ("2026", "2026"),
    ("", ""),
])
def test_public_username(username, shown):
    assert pii.public_username(username) == shown


def test_mask_phone_keeps_too_little_to_call():
    assert pii.mask_phone("0912345678") == "09xx xxx 678"
    assert pii.mask_phone("12345") == "xxx"
    assert pii.mask_email("a@b.vn") == "a***@b.vn"


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    monkeypatch.setattr(User, "set_password", lambda user, password: setattr(
        user, "password_hash", generate_password_hash(password, method="pbkdf2:sha256:1000")))


@pytest.fixture
def data(db):
    unit = make_unit(code="SNV", name="Sở Nội vụ")
    contest = make_contest(name="Cuộc thi CCHC")
    make_bank(1)
    round_ = make_round(contest, questions=1, title="Tuần 1")
    lan = make_user(username=PHONE, full_name="Nguyễn Thị Lan", phone=PHONE, email=EMAIL,
                    date_of_birth=date(1985, 3, 15), id_number=ID_NUMBER, unit_id=unit.id)
    minh = make_user(username="minh", full_name="Trần Văn Minh", phone="0987654321", email="minh@snv.gov.vn",
                     date_of_birth=date(1990, 10, 20), unit_id=unit.id)
    finish(round_, lan, 10, prediction=1)
    finish(round_, minh, 8, prediction=2, submitted=5)
    prizes.set_quotas(db, round_, "individual", {"first": 1, "second": 1})
    judge = make_user(role="judge", username="gk")
    make_user(role="organizer", username="btc")
    db.add(ContestStaff(contest=contest, user=judge))
    db.commit()
    return {"round": round_, "contest": contest, "lan": lan}


def login(auth, username):
    response = auth.login(username, PASSWORD)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login")


def assert_no_personal_data(body: str, where: str):
    for secret in SECRETS:
        assert secret not in body, f"{where}: shows {secret!r}"


# --- exports -------------------------------------------------------------------------------------
def test_the_workbook_and_csv_files_hold_no_personal_data(db, data, tmp_path):
    path = tmp_path / "kq.xlsx"
    exports.write_results(db, data["round"], path)
    workbook = load_workbook(path, read_only=True)
    cells = [str(cell) for sheet in workbook.worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    workbook.close()  # read-only keeps the file open until closed
    assert "Nguyễn Thị Lan" in cells and MASKED in cells and "minh" in cells
    assert_no_personal_data("\n".join(cells), "xlsx")
    for table in ("individuals", "units", "items"):
        text = "".join(exports.csv_lines(db, data["round"], table))
        assert_no_personal_data(text, f"{table}.csv")
    assert MASKED in "".join(exports.csv_lines(db, data["round"], "individuals"))


def test_downloads_hold_no_personal_data_even_for_organizers(client, auth, db, data):
    login(auth, "btc")
    round_id = data["round"].id
    response = client.get(f"/results/rounds/{round_id}/ket-qua.xlsx")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    cells = "\n".join(str(c) for s in workbook.worksheets for r in s.iter_rows(values_only=True) for c in r if c)
    workbook.close()
    response.close()
    assert MASKED in cells
    assert_no_personal_data(cells, "download")
    assert_no_personal_data(client.get(f"/results/rounds/{round_id}/individuals.csv").get_data(as_text=True), "csv")


# --- pages ---------------------------------------------------------------------------------------
def test_judges_see_no_personal_data(client, auth, db, data):
    round_id, contest_id = data["round"].id, data["contest"].id
    db.add(PrizeExclusion(round_id=round_id, user_id=data["lan"].id, reason="Xác minh"))
    db.commit()
    login(auth, "gk")
    for path in (f"/results/rounds/{round_id}", f"/results/contests/{contest_id}", f"/results/rounds/{round_id}/prizes",
                 f"/results/rounds/{round_id}/units", f"/results/rounds/{round_id}/items"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_personal_data(response.get_data(as_text=True), path)
    assert MASKED in client.get(f"/results/rounds/{round_id}").get_data(as_text=True)
    assert f"Nguyễn Thị Lan ({MASKED})" in client.get(f"/results/rounds/{round_id}/prizes").get_data(as_text=True)
    rows = client.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["rows"]
    assert [row["username"] for row in rows] == [MASKED, "minh"]
    assert client.get("/people/participants").status_code == 403


def test_organizers_see_the_phone(client, auth, db, data):
    login(auth, "btc")
    round_id = data["round"].id
    assert f'<span class="hint">{PHONE}</span>' in client.get(f"/results/rounds/{round_id}").get_data(as_text=True)
    assert client.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["rows"][0]["username"] == PHONE
    listing = client.get("/people/participants").get_data(as_text=True)
    assert PHONE in listing and EMAIL in listing and "15/03/1985" in listing


def test_the_public_page_shows_names_units_and_scores_only(client, db, data):
    round_ = data["round"]
    round_.opens_at, round_.closes_at = now_utc() - timedelta(days=10), now_utc() - timedelta(days=1)
    round_.results_public = True
    db.commit()
    body = client.get(f"/results/public/{round_.id}").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in body and "Sở Nội vụ" in body
    assert_no_personal_data(body, "public page")
    assert MASKED not in body and "minh<" not in body  # no usernames at all


def test_a_judge_excludes_a_phone_username_from_the_prize_list_button(client, auth, db, data):
    """The prize list's button names the person by id, so the page never carries the phone."""
    login(auth, "gk")
    round_id = data["round"].id
    page = client.get(f"/results/rounds/{round_id}/prizes").get_data(as_text=True)
    assert f'name="identifier" value="#{data["lan"].id}"' in page
    response = client.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": csrf_token(client, "/"), "kind": "user", "identifier": f"#{data['lan'].id}",
        "reason": "Khai sai đơn vị"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Đã loại “Nguyễn Thị Lan” khỏi danh sách giải" in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(PrizeExclusion.user_id)) == data["lan"].id
