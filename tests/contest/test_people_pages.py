"""Organizer pages at /people: unit tree, create/edit/move, imports with preview, participants, resets."""
import io
import re

import pytest
from sqlalchemy import func, select

from contest.models import AuditLog, Unit, User
from contest.services.users import activation
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_unit, make_user
from tests.question_bank.sheets import add_member, csv_text, xlsx

UNIT_HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Biên chế", "Khối"]
PEOPLE_HEADER = ["Tên đăng nhập", "Số điện thoại", "Họ và tên", "Mã đơn vị", "Email", "Ngày sinh"]
PAGES = [
    "/people/", "/people/units", "/people/units/new", "/people/units/import", "/people/participants",
    "/people/participants/import",
]


@pytest.fixture
def organizer(client, auth, db):
    user = make_user(role="organizer", username="btc")
    db.commit()
    assert auth.login("btc", PASSWORD).status_code == 302
    return user


def token(client) -> str:
    return csrf_token(client, "/people/units")


def upload(client, path: str, data: bytes, filename: str):
    return client.post(path, data={"csrf_token": token(client), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def staged_token(response) -> str:
    return response.headers["Location"].rstrip("/").split("/")[-1]


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["participant", "judge"])
def test_pages_are_forbidden_to_participants_and_judges(client, auth, db, role):
    unit = make_unit()
    other = make_user(username="ai-do")
    make_user(role=role, username="khong-duoc")
    db.commit()
    assert auth.login("khong-duoc", PASSWORD).status_code == 302
    for path in [*PAGES, f"/people/units/{unit.id}/edit", f"/people/participants/{other.id}/reset"]:
        assert client.get(path).status_code == 403, path
    response = client.post(f"/people/participants/{other.id}/reset", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(User, other.id).activation_token_hash is None


def test_pages_send_anonymous_visitors_to_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_admin_may_use_the_pages(client, auth, db):
    make_user(role="admin", username="qtv")
    db.commit()
    auth.login("qtv", PASSWORD)
    assert client.get("/people/units").status_code == 200


# --- the tree and editing --------------------------------------------------------------------


def test_tree_shows_nesting_headcount_and_group(client, db, organizer):
    root = make_unit(code="UBND-TINH", name="UBND tỉnh", headcount=5)
    snv = make_unit(code="SNV", name="Sở Nội vụ", headcount=62, group="Sở, ban, ngành", parent=root)
    make_user(unit=snv)
    db.commit()
    body = client.get("/people/units").get_data(as_text=True)
    assert re.search(r"UBND-TINH</strong> — UBND tỉnh.*?Tổng: 67.*?<ul>.*?SNV</strong> — Sở Nội vụ", body, re.S)
    assert "Biên chế: 62" in body and "Khối: Sở, ban, ngành" in body and "1 thí sinh" in body


def test_create_unit_and_refuse_a_taken_code(client, db, organizer):
    root = make_unit(code="ROOT", name="Gốc")
    db.commit()
    form = {"csrf_token": token(client), "code": "SNV", "name": "Sở Nội vụ", "parent": str(root.id),
            "headcount": "62", "group": "Sở"}
    response = client.post("/people/units/new", data=form)
    assert response.status_code == 302
    created = db.scalar(select(Unit).where(Unit.code == "SNV"))
    assert (created.name, created.parent_id, created.headcount, created.group) == ("Sở Nội vụ", root.id, 62, "Sở")
    assert db.scalar(select(AuditLog.action).where(AuditLog.target == "SNV")) == "unit_created"
    again = client.post("/people/units/new", data={**form, "name": "Khác"})
    assert again.status_code == 400
    assert "Mã đơn vị “SNV” đã được dùng." in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value, message",
    [("headcount", "-1", "Biên chế phải từ 0 đến 1000000."), ("headcount", "nhiều", "Biên chế phải là số nguyên."),
     ("name", "", "Hãy nhập tên đơn vị."), ("parent", "999999", "Đơn vị cấp trên không có trong danh sách.")],
)
def test_create_unit_field_errors(client, db, organizer, field, value, message):
    form = {"csrf_token": token(client), "code": "X", "name": "Tên", "parent": "None", "headcount": "1", "group": ""}
    response = client.post("/people/units/new", data={**form, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Unit)) == 0


def test_move_under_own_descendant_is_refused(client, db, organizer):
    top = make_unit(code="TOP", name="Tỉnh")
    middle = make_unit(code="MID", name="Huyện", parent=top)
    low = make_unit(code="LOW", name="Xã", parent=middle)
    other = make_unit(code="OTHER", name="Khác")
    db.commit()
    page = client.get(f"/people/units/{top.id}/edit").get_data(as_text=True)
    assert f'value="{top.id}"' not in page and f'value="{low.id}"' in page  # not under itself
    form = {"csrf_token": token(client), "code": "TOP", "name": "Tỉnh", "parent": str(low.id), "headcount": "1",
            "group": ""}
    response = client.post(f"/people/units/{top.id}/edit", data=form)
    assert response.status_code == 400
    assert "Không thể chuyển đơn vị vào chính nó hoặc một đơn vị cấp dưới của nó (sẽ tạo vòng lặp)." in \
        response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Unit, top.id).parent_id is None
    moved = client.post(f"/people/units/{middle.id}/edit", data={**form, "code": "MID", "name": "Huyện mới",
                                                                 "parent": str(other.id)})
    assert moved.status_code == 302
    db.expire_all()
    assert (db.get(Unit, middle.id).parent_id, db.get(Unit, middle.id).name) == (other.id, "Huyện mới")
    to_root = client.post(f"/people/units/{middle.id}/edit", data={**form, "code": "MID", "name": "Huyện",
                                                                   "parent": "None"})
    assert to_root.status_code == 302
    db.expire_all()
    assert db.get(Unit, middle.id).parent_id is None


# --- unit import -----------------------------------------------------------------------------


def test_unit_import_preview_lists_errors_with_rows_and_stores_nothing(client, db, organizer):
    data = xlsx([["DANH SÁCH ĐƠN VỊ"], UNIT_HEADER, ["A", "A", "B", 1, ""], ["B", "B", "A", 1, ""],
                 ["C", "", "", -2, ""]])
    response = upload(client, "/people/units/import", data, "don-vi.xlsx")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Sheet1, dòng 3" in body and "Vòng lặp đơn vị cấp trên: A → B → A" in body
    assert "Sheet1, dòng 5" in body and "Thiếu tên đơn vị." in body and "Biên chế “-2”" in body
    assert "Xác nhận lưu" not in body
    confirm = client.post(f"/people/units/import/{staged_token(response)}/confirm",
                          data={"csrf_token": token(client)})
    assert confirm.status_code == 302 and "/import/" in confirm.headers["Location"]
    assert db.scalar(select(func.count()).select_from(Unit)) == 0


def test_unit_import_confirm_stores_the_tree(client, db, organizer):
    make_unit(code="SNV", name="Sở cũ", headcount=1)
    db.commit()
    data = csv_text([UNIT_HEADER, ["TINH", "UBND tỉnh", "", 0, ""], ["SNV", "Sở Nội vụ", "TINH", 62, "Sở"]])
    response = upload(client, "/people/units/import", data.encode("utf-8-sig"), "don-vi.csv")
    location = response.headers["Location"]
    body = client.get(location).get_data(as_text=True)
    assert "Thêm mới" in body and "Cập nhật" in body and "Xác nhận lưu" in body
    assert db.scalar(select(func.count()).select_from(Unit)) == 1  # the preview stored nothing
    confirm = client.post(f"/people/units/import/{staged_token(response)}/confirm", data={"csrf_token": token(client)})
    assert confirm.status_code == 302 and confirm.headers["Location"] == "/people/units"
    db.expire_all()
    snv = db.scalar(select(Unit).where(Unit.code == "SNV"))
    assert (snv.name, snv.parent.code, snv.headcount, snv.group) == ("Sở Nội vụ", "TINH", 62, "Sở")
    details = db.scalar(select(AuditLog.details).where(AuditLog.action == "units_imported"))
    assert details == {"imported": 1, "updated": 1}
    assert client.get(location).status_code == 404  # the staged file is gone


def test_hostile_upload_is_refused_on_the_preview(client, db, organizer):
    data = add_member(xlsx([UNIT_HEADER, ["A", "A", "", 1, ""]]), "xl/media/x.bin", b"\0" * 20_000_000)
    response = upload(client, "/people/units/import", data, "bom.xlsx")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tệp nén bất thường (zip bomb)" in body


def test_staged_uploads_are_private_and_kept_apart(client, auth, db, organizer):
    response = upload(client, "/people/units/import", xlsx([UNIT_HEADER, ["A", "A", "", 1, ""]]), "a.xlsx")
    staged = staged_token(response)
    assert client.get(f"/people/participants/import/{staged}").status_code == 404  # a units upload
    auth.logout()
    make_user(role="organizer", username="btc2")
    db.commit()
    auth.login("btc2", PASSWORD)
    assert client.get(f"/people/units/import/{staged}").status_code == 404


def test_empty_upload_is_an_error(client, db, organizer):
    response = upload(client, "/people/units/import", b"", "rong.xlsx")
    assert response.status_code == 400
    assert "Tệp tải lên rỗng (0 byte)." in response.get_data(as_text=True)


# --- participants ----------------------------------------------------------------------------


def test_participant_list_search_and_unit_filter_with_sub_units(client, db, organizer):
    top = make_unit(code="TOP", name="Tỉnh")
    child = make_unit(code="CHILD", name="Huyện", parent=top)
    other = make_unit(code="OTHER", name="Khác")
    make_user(username="an", full_name="Nguyễn Văn An", unit=child, phone="0912345678")
    make_user(username="binh", full_name="Trần Thị Bình", unit=other)
    make_user(role="judge", username="giamkhao", full_name="Nguyễn Giám Khảo")
    db.commit()
    everyone = client.get("/people/participants").get_data(as_text=True)
    assert "Nguyễn Văn An" in everyone and "Trần Thị Bình" in everyone and "Giám Khảo" not in everyone
    by_unit = client.get(f"/people/participants?unit={top.id}").get_data(as_text=True)
    assert "Nguyễn Văn An" in by_unit and "Trần Thị Bình" not in by_unit
    by_name = client.get("/people/participants?q=Bình").get_data(as_text=True)
    assert "Trần Thị Bình" in by_name and "Nguyễn Văn An" not in by_name
    by_phone = client.get("/people/participants?q=0912345").get_data(as_text=True)
    assert "Nguyễn Văn An" in by_phone and "Trần Thị Bình" not in by_phone
    assert client.get("/people/participants?unit=abc&q=%25").status_code == 200  # junk is ignored


def test_participant_import_shows_links_once_and_they_work(client, auth, db, organizer):
    make_unit(code="SNV", name="Sở Nội vụ")
    db.commit()
    data = xlsx([PEOPLE_HEADER, ["an", "0912 345 678", "Nguyễn Văn An", "SNV", "", "15/03/1985"],
                 ["", "+84 987 654 321", "Trần Thị Bình", "SNV", "binh@snv.gov.vn", "20/10/1990"]])
    response = upload(client, "/people/participants/import", data, "thi-sinh.xlsx")
    preview_url = response.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "Xác nhận tạo 2 tài khoản" in preview and "0987654321" in preview
    assert db.scalar(select(func.count()).select_from(User).where(User.role == "participant")) == 0
    done = client.post(f"/people/participants/import/{staged_token(response)}/confirm",
                       data={"csrf_token": token(client)})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    links = re.findall(r"http://localhost/activate/([^<\s]+)", done.get_data(as_text=True))
    assert len(links) == 2
    assert client.get(preview_url).status_code == 404  # shown once: nothing to show again
    users = db.scalars(select(User).where(User.role == "participant").order_by(User.username)).all()
    assert [u.username for u in users] == ["0987654321", "an"]
    assert all(link.split(".")[1] not in (u.activation_token_hash or "") for link in links for u in users)
    auth.logout()
    form = {"password": "Matkhau@an2026", "confirm": "Matkhau@an2026",
            "csrf_token": csrf_token(client, f"/activate/{links[0]}")}
    assert client.post(f"/activate/{links[0]}", data=form).status_code == 302
    assert auth.login("an", "Matkhau@an2026").status_code == 302


def test_participant_import_with_errors_names_rows(client, db, organizer):
    make_unit(code="SNV")
    db.commit()
    data = csv_text([PEOPLE_HEADER, ["an", "", "An", "SNV", "", "15/03/1985"], ["", "", "Không", "X", "", "1/1/1990"]])
    response = upload(client, "/people/participants/import", data.encode(), "thi-sinh.csv")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "CSV, dòng 3" in body and "Cần tên đăng nhập hoặc số điện thoại." in body
    assert "Không có đơn vị mã “X”" in body and "Xác nhận tạo" not in body


def test_reset_makes_a_new_link_and_stops_the_old_password(client, auth, db, organizer):
    participant = make_user(username="quen", full_name="Người Quên", unit=make_unit(code="SNV"))
    staff = make_user(role="organizer", username="btc-khac")
    db.commit()
    page = client.get(f"/people/participants/{participant.id}/reset")
    assert page.status_code == 200 and "Người Quên" in page.get_data(as_text=True)
    assert client.get(f"/people/participants/{staff.id}/reset").status_code == 404  # only participants
    response = client.post(f"/people/participants/{participant.id}/reset", data={"csrf_token": token(client)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    [link] = re.findall(r"http://localhost/activate/([^<\s]+)", response.get_data(as_text=True))
    db.expire_all()
    stored = db.get(User, participant.id)
    assert stored.password_hash == activation.NO_PASSWORD and not stored.check_password(PASSWORD)
    assert db.scalar(select(AuditLog.action).where(AuditLog.target == "quen")) == "participant_reset"
    auth.logout()
    assert auth.login("quen", PASSWORD).status_code == 400
    assert client.get(f"/activate/{link}").status_code == 200
