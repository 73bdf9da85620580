"""The audit log: every login, import, edit, regrade, exclusion and export leaves an entry naming
who, what, when and from where; `/admin/audit` shows them to organizers and admins, newest first,
filtered by action, person and days in Asia/Ho_Chi_Minh."""
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from contest.models import AuditLog, ContestStaff, User
from contest.services.quiz import attempts
from question_bank.models import Choice
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_bank, make_contest, make_question, make_round, make_unit, make_user
from tests.question_bank.sheets import xlsx

UTC = timezone.utc


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    monkeypatch.setattr(User, "set_password", lambda user, password: setattr(
        user, "password_hash", generate_password_hash(password, method="pbkdf2:sha256:1000")))


def login(auth, username):
    response = auth.login(username, PASSWORD)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login")


def text(response) -> str:
    return response.get_data(as_text=True)


def entries(db, action: str) -> list[AuditLog]:
    db.rollback()
    return list(db.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def only(db, action: str, user: User | None) -> AuditLog:
    """The one entry of `action`, by `user`, from the test client's address."""
    found = entries(db, action)
    assert len(found) == 1, [(e.action, e.target) for e in found]
    entry = found[0]
    assert entry.user_id == (user.id if user else None)
    assert entry.ip == ("127.0.0.1" if user else None)
    assert abs((datetime.now(UTC) - entry.at).total_seconds()) < 120
    return entry


# --- the page --------------------------------------------------------------------------------------
@pytest.fixture
def logged(db):
    organizer = make_user(role="organizer", username="btc", full_name="Trần Ban Tổ Chức")
    judge = make_user(role="judge", username="gk", full_name="Lê Giám Khảo")
    make_user(role="participant", username="ts")
    make_user(role="admin", username="qtv")
    rows = [
        # 23:59 on 1 March in Hà Nội, then 00:00 on 2 March: the day boundary of the date filter.
        AuditLog(at=datetime(2026, 3, 1, 16, 59, tzinfo=UTC), user_id=judge.id, action="login", target="gk",
                 ip="10.0.0.7", details={}),
        AuditLog(at=datetime(2026, 3, 1, 17, 0, tzinfo=UTC), user_id=organizer.id, action="prize.exclude",
                 target="round:4", ip="10.0.0.8", details={"user_id": 12, "reason": "Làm bài hộ"}),
        AuditLog(at=datetime(2026, 3, 5, 1, 0, tzinfo=UTC), user_id=None, action="units_imported",
                 target="don-vi.xlsx", ip=None, details={"imported": 3, "source": "cli"}),
    ]
    db.add_all(rows)
    db.commit()
    return rows


@pytest.mark.parametrize("username", ["btc", "qtv"])
def test_organizers_and_admins_read_the_log(client, auth, db, logged, username):
    login(auth, username)
    page = text(client.get("/admin/audit"))
    assert "Nhật ký hoạt động" in page
    # who (username and name), what (label and code), when (Hà Nội time), from where, details
    row = re.search(r"<tr>\s*<td><time[^>]*>02/03/2026 00:00:00</time></td>(.*?)</tr>", page, re.S)
    assert row, page
    cells = row.group(1)
    for expected in ("btc", "Trần Ban Tổ Chức", "Loại khỏi danh sách giải", "prize.exclude", "round:4",
                     "<dt>reason</dt><dd>Làm bài hộ</dd>", "<dt>user_id</dt><dd>12</dd>", "10.0.0.8"):
        assert expected in cells, expected
    assert "Hệ thống / dòng lệnh" in page  # the CLI import has no user
    assert page.index("05/03/2026 08:00:00") < page.index("02/03/2026 00:00:00") < page.index("01/03/2026 23:59:00")


@pytest.mark.parametrize("username, status", [("gk", 403), ("ts", 403)])
def test_judges_and_participants_may_not(client, auth, db, logged, username, status):
    login(auth, username)
    response = client.get("/admin/audit")
    assert response.status_code == status and "10.0.0.8" not in text(response)


def test_anonymous_goes_to_login(client, logged):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("query, shown, hidden", [
    ({"action": "login"}, ["01/03/2026 23:59:00"], ["02/03/2026 00:00:00", "05/03/2026"]),
    ({"user": "btc"}, ["02/03/2026 00:00:00"], ["01/03/2026 23:59:00", "05/03/2026"]),
    ({"user": "giám khảo"}, ["01/03/2026 23:59:00"], ["02/03/2026 00:00:00"]),  # by name, any case
    ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, ["02/03/2026 00:00:00"],
     ["01/03/2026 23:59:00", "05/03/2026"]),
    ({"date_to": "2026-03-01"}, ["01/03/2026 23:59:00"], ["02/03/2026 00:00:00", "05/03/2026"]),
    ({"date_from": "2026-03-02"}, ["02/03/2026 00:00:00", "05/03/2026 08:00:00"], ["01/03/2026 23:59:00"]),
    ({"action": "units_imported", "user": "btc"}, [], ["01/03/2026", "02/03/2026", "05/03/2026"]),
])
def test_filters(client, auth, db, logged, query, shown, hidden):
    login(auth, "btc")
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    page = text(response)
    for value in shown:
        assert value in page, value
    for value in hidden:
        assert value not in page, value
    assert shown or "Không có mục nào khớp." in page


@pytest.mark.parametrize("query, message", [
    ({"date_from": "2026-02-31"}, "Từ ngày “2026-02-31” không phải là ngày hợp lệ"),
    ({"date_to": "hôm qua"}, "Đến ngày “hôm qua” không phải là ngày hợp lệ"),
    ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "“Đến ngày” phải cùng hoặc sau “Từ ngày”."),
])
def test_bad_dates_are_named(client, auth, db, logged, query, message):
    login(auth, "btc")
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 400
    assert message in text(response)


def test_pages_newest_first_and_keeps_the_filter(client, auth, db, logged):
    start = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    db.add_all([AuditLog(at=start + timedelta(minutes=n), action="results.export", target=f"round:{n}",
                         details={}, ip="10.1.1.1") for n in range(60)])
    db.commit()
    login(auth, "btc")
    first = text(client.get("/admin/audit", query_string={"action": "results.export"}))
    assert "60 mục." in first and "Trang 1/2" in first
    assert len(re.findall(r"round:\d+", first)) == 50
    assert "round:59" in first and "round:10<" in first and "round:9<" not in first  # newest first
    link = re.search(r'href="(/admin/audit\?[^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "action=results.export" in link
    second = text(client.get(link))
    assert len(re.findall(r"round:\d+", second)) == 10 and "round:0<" in second and "round:59" not in second


# --- what gets logged ------------------------------------------------------------------------------
def test_logins_are_logged(client, auth, db):
    user = make_user(username="ts")
    db.commit()
    login(auth, "ts")
    assert only(db, "login", user).target == "ts"
    auth.logout()
    response = client.post("/api/v1/session", json={"username": "ts", "password": PASSWORD})
    assert response.status_code == 200
    assert len(entries(db, "login")) == 2 and entries(db, "login")[1].ip == "127.0.0.1"


def test_failed_logins_are_logged_with_the_name_typed(client, auth, db):
    make_user(username="ts")
    db.commit()
    assert auth.login("ts", "sai-mat-khau").status_code == 400
    assert client.post("/api/v1/session", json={"username": "khong-co", "password": "x"}).status_code == 401
    failed = entries(db, "login_failed")
    assert [(e.target, e.user_id, e.ip) for e in failed] == [("ts", None, "127.0.0.1"), ("khong-co", None, "127.0.0.1")]
    assert entries(db, "login") == []


@pytest.fixture
def organizer(client, auth, db):
    user = make_user(role="organizer", username="btc")
    db.commit()
    login(auth, "btc")
    return user


def upload(client, path, data: bytes, filename: str) -> str:
    response = client.post(path, data={"csrf_token": csrf_token(client, "/"), "file": (io.BytesIO(data), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


def test_bank_import_is_logged(client, db, organizer):
    preview = upload(client, "/bank/import", b"Ai ban hanh?\nA. Chinh phu\nB. Quoc hoi\nANSWER: A\n", "bank.txt")
    assert client.post(f"{preview}/confirm", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert only(db, "questions_imported", organizer).details["imported"] == 1


def test_unit_and_participant_imports_are_logged(client, db, organizer):
    units = xlsx([["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Biên chế"], ["SNV", "Sở Nội vụ", "", 5]])
    preview = upload(client, "/people/units/import", units, "don-vi.xlsx")
    assert client.post(f"{preview}/confirm", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert only(db, "units_imported", organizer).target == "don-vi.xlsx"
    people = xlsx([["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Ngày sinh"],
                   ["an", "Nguyễn Văn An", "SNV", "15/03/1985"]])
    preview = upload(client, "/people/participants/import", people, "thi-sinh.xlsx")
    assert client.post(f"{preview}/confirm", data={"csrf_token": csrf_token(client, "/")}).status_code == 200
    assert only(db, "participants_imported", organizer).details == {"imported": 1}


def test_command_line_imports_are_logged(runner, db, tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx([["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Biên chế"],
                           ["STP", "Sở Tư pháp", "", 7]]))
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert only(db, "units_imported", None).details["source"] == "cli"


def test_edits_are_logged(client, db, organizer):
    contest = make_contest(name="Cuộc thi cũ")
    unit = make_unit(code="SNV", name="Sở Nội vụ")
    question = make_question(text="Câu hỏi để sửa?")
    db.commit()
    token = csrf_token(client, "/")
    assert client.post(f"/admin/contests/{contest.id}/edit", data={"csrf_token": token, "name": "Cuộc thi mới"}
                       ).status_code == 302
    assert only(db, "contest_updated", organizer).target == "Cuộc thi mới"
    assert client.post(f"/people/units/{unit.id}/edit", data={
        "csrf_token": token, "code": "SNV", "name": "Sở Nội vụ tỉnh", "parent": "", "headcount": "9", "group": ""},
    ).status_code == 302
    assert only(db, "unit_updated", organizer).target == "SNV"
    form = {"csrf_token": token, "text": "Câu hỏi đã sửa?", "correct": "A", "topic": "Chủ đề chung",
            "difficulty": "medium", "source": "", "explanation": "",
            **{f"choices-{i}": c.text for i, c in enumerate(question.choices)}}
    assert client.post(f"/bank/questions/{question.id}/edit", data=form).status_code == 302
    assert only(db, "question_updated", organizer).details == {"fields": ["text"], "version": 2}  # the new version


@pytest.fixture
def results(db):
    make_bank(3)
    contest = make_contest(name="Cuộc thi CCHC")
    round_ = make_round(contest, questions=3, title="Tuần 1")
    person = make_user(username="ts", unit_id=make_unit(code="SNV").id)
    attempt = attempts.start(db, round_, person, grace_seconds=30).attempt
    attempts.submit(db, attempt, prediction=1, answers={}, grace_seconds=30)
    judge = make_user(role="judge", username="gk")
    organizer = make_user(role="organizer", username="btc")
    db.add(ContestStaff(contest=contest, user=judge))
    db.commit()
    return {"round": round_, "question": attempt.questions[0].question_id, "judge": judge, "organizer": organizer,
            "person": person}


def test_regrade_is_logged(client, auth, db, results):
    question = results["question"]
    new = db.scalar(select(Choice.id).where(Choice.question_id == question, Choice.is_correct.is_(False)))
    login(auth, "btc")
    form = {"csrf_token": csrf_token(client, "/"), f"q{question}-choice_id": str(new), f"q{question}-confirm": "1"}
    assert client.post(f"/results/rounds/{results['round'].id}/items/{question}/regrade", data=form).status_code == 302
    assert only(db, "question_regraded", results["organizer"]).details["after"]["choice_id"] == new


def test_exclusion_and_reinstatement_are_logged(client, auth, db, results):
    login(auth, "gk")
    round_id = results["round"].id
    response = client.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": csrf_token(client, "/"), "kind": "user", "identifier": "ts", "reason": "Làm bài hộ"})
    assert response.status_code == 302
    entry = only(db, "prize.exclude", results["judge"])
    assert entry.details["reason"] == "Làm bài hộ" and entry.details["user_id"] == results["person"].id
    exclusion = re.search(r"/prizes/exclusions/(\d+)/reinstate", text(client.get(f"/results/rounds/{round_id}/prizes")))
    client.post(f"/results/rounds/{round_id}/prizes/exclusions/{exclusion.group(1)}/reinstate",
                data={"csrf_token": csrf_token(client, "/")})
    only(db, "prize.reinstate", results["judge"])


def test_downloads_are_logged(client, auth, db, results):
    login(auth, "gk")
    round_id = results["round"].id
    response = client.get(f"/results/rounds/{round_id}/ket-qua.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    response.close()
    entry = only(db, "results.export", results["judge"])
    assert entry.target == f"round:{round_id}" and entry.details == {"round_id": round_id, "via": "web",
                                                                     "format": "xlsx"}
    response = client.get(f"/results/rounds/{round_id}/units.csv")
    assert response.status_code == 200 and "Mã đơn vị" in text(response)
    last = entries(db, "results.export")[-1]
    assert last.details == {"round_id": round_id, "via": "web", "format": "csv", "table": "units"}
    assert last.user_id == results["judge"].id and last.ip == "127.0.0.1"
    # A refused download leaves no entry.
    assert client.get("/results/rounds/999999/ket-qua.xlsx").status_code == 404
    assert len(entries(db, "results.export")) == 2


def test_export_command_is_logged(runner, db, results, tmp_path):
    result = runner.invoke(args=["export-results", str(results["round"].id), str(tmp_path / "kq.xlsx")])
    assert result.exit_code == 0, result.output
    assert only(db, "results.export", None).details == {"file": "kq.xlsx", "via": "cli"}


def test_logged_actions_appear_on_the_page(client, auth, db, results):
    login(auth, "gk")
    client.get(f"/results/rounds/{results['round'].id}/individuals.csv").close()
    auth.logout()
    login(auth, "btc")
    page = text(client.get("/admin/audit", query_string={"user": "gk"}))
    assert "Tải/xuất kết quả" in page and "Đăng nhập" in page and "127.0.0.1" in page
    assert "<dt>table</dt><dd>individuals</dd>" in page
