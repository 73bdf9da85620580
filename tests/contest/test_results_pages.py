"""Results pages at /results: rankings, charts, prizes, items and regrade, settings, downloads, public page."""
import contextvars
import io
import re
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from contest.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AuditLog,
    Contest,
    ContestStaff,
    PrizeExclusion,
    Round,
    User,
)
from contest.services.quiz import draw, scoring
from contest.services.results import prizes
from question_bank.models import Choice
from tests.conftest import AuthActions, csrf_token
from tests.factories import PASSWORD, finish, make_bank, make_contest, make_question, make_round, make_unit, make_user

OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
A, B, C, D = range(4)


@pytest.fixture(autouse=True)
def clean_draw_cache():
    draw.clear_cache()
    yield
    draw.clear_cache()


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """scrypt is slow on purpose; these tests make dozens of accounts and are about pages."""
    monkeypatch.setattr(User, "set_password", lambda user, password: setattr(
        user, "password_hash", generate_password_hash(password, method="pbkdf2:sha256:1000")))


@pytest.fixture
def data(db):
    """A contest with a round: 3 units in one group (one a sub-unit), 4 people with finished attempts."""
    make_bank(4, topic="Cải cách thủ tục hành chính")
    contest = make_contest(name="Cuộc thi CCHC 2026")
    round_ = make_round(contest, questions=3, title="Tuần 1")
    province = make_unit(code="UBND", name="UBND tỉnh", headcount=0)
    snv = make_unit(code="SNV", name="Sở Nội vụ", headcount=4, group="Sở, ban, ngành", parent_id=province.id)
    office = make_unit(code="SNV-VP", name="Văn phòng Sở Nội vụ", headcount=2, group="Sở, ban, ngành", parent_id=snv.id)
    stp = make_unit(code="STP", name="Sở Tư pháp", headcount=10, group="Sở, ban, ngành", parent_id=province.id)
    people = {
        "lan": make_user(username="lan", full_name="Nguyễn Thị Lan", unit_id=snv.id, phone="0912345678",
                         email="lan@example.vn"),
        "minh": make_user(username="minh", full_name="Trần Văn Minh", unit_id=office.id, phone="0987654321",
                          email="minh@example.vn"),
        "hoa": make_user(username="hoa", full_name="Lê Thị Hoa", unit_id=stp.id),
        "nam": make_user(username="nam", full_name="Phạm Văn Nam", unit_id=stp.id),
    }
    finish(round_, people["lan"], 10, prediction=1, submitted=30)
    finish(round_, people["minh"], 9, prediction=2, submitted=60 * 24)  # the next day
    finish(round_, people["hoa"], 7, submitted=60 * 48)
    finish(round_, people["nam"], 5, submitted=60 * 48 + 5)
    make_user(role="judge", username="gk")
    make_user(role="organizer", username="btc")
    make_user(role="participant", username="ts")
    db.commit()
    return {"contest": contest, "round": round_, "units": {"snv": snv, "office": office, "stp": stp}, "people": people}


def login(auth, username):
    response = auth.login(username, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)


def token(client, path="/results/") -> str:
    return csrf_token(client, path)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- every page for a judge ----------------------------------------------------------------------
def test_every_page_renders_for_a_judge(client, auth, data):
    login(auth, "gk")
    round_id, contest_id = data["round"].id, data["contest"].id
    pages = {
        "/results/": "Tuần 1",
        f"/results/rounds/{round_id}": "Nguyễn Thị Lan",
        f"/results/rounds/{round_id}/units": "Sở Tư pháp",
        f"/results/rounds/{round_id}/charts": "Phân bố điểm",
        f"/results/rounds/{round_id}/items": "Thống kê câu hỏi",
        f"/results/rounds/{round_id}/prizes": "Đề xuất giải cá nhân",
        f"/results/contests/{contest_id}": "Xếp hạng cá nhân toàn cuộc thi",
        f"/results/contests/{contest_id}/units": "Sở Nội vụ",
    }
    for path, expected in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert expected in text(response), path
        assert 'lang="vi"' in text(response)


def test_individual_ranking_order_and_units_rollup(client, auth, data):
    login(auth, "gk")
    body = text(client.get(f"/results/rounds/{data['round'].id}"))
    order = [body.index(name) for name in ("Nguyễn Thị Lan", "Trần Văn Minh", "Lê Thị Hoa", "Phạm Văn Nam")]
    assert order == sorted(order)
    units = text(client.get(f"/results/rounds/{data['round'].id}/units"))
    # Sở Nội vụ rolls up its office: 2 people of 4 + 2 headcount; Sở Tư pháp: 2 of 10.
    assert re.search(r"Sở Nội vụ<br>.*?2 / 6.*?33,3%", units, re.S)
    assert re.search(r"Sở Tư pháp<br>.*?2 / 10.*?20,0%", units, re.S)
    assert "Không thuộc khối thi nào" in units  # the province: listed, not ranked


@pytest.mark.parametrize("query, shown, hidden", [
    ({"unit": "snv"}, ["Nguyễn Thị Lan", "Trần Văn Minh"], ["Lê Thị Hoa"]),  # sub-units included
    ({"unit": "office"}, ["Trần Văn Minh"], ["Nguyễn Thị Lan"]),
    ({"group": "Sở, ban, ngành"}, ["Nguyễn Thị Lan", "Phạm Văn Nam"], []),
    ({"q": "hoa"}, ["Lê Thị Hoa"], ["Nguyễn Thị Lan", "Phạm Văn Nam"]),
])
def test_filters(client, auth, data, query, shown, hidden):
    login(auth, "gk")
    if "unit" in query:
        query = {"unit": data["units"][query["unit"]].id}
    response = client.get(f"/results/rounds/{data['round'].id}", query_string=query)
    assert response.status_code == 200
    body = text(response)
    for name in shown:
        assert name in body
    for name in hidden:
        assert name not in body


def test_paging_keeps_filters(client, auth, data, db):
    round_ = db.get(Round, data["round"].id)
    stp = data["units"]["stp"]
    for n in range(60):
        finish(round_, make_user(full_name=f"Thí sinh phụ {n:02d}", unit_id=stp.id), 1, submitted=n)
    db.commit()
    login(auth, "gk")
    first = text(client.get(f"/results/rounds/{round_.id}", query_string={"unit": stp.id}))
    assert "62 người phù hợp" in first and "Trang 1 / 2" in first
    assert f'href="/results/rounds/{round_.id}?page=2&amp;unit={stp.id}"' in first
    second = text(client.get(f"/results/rounds/{round_.id}", query_string={"unit": stp.id, "page": 2}))
    assert "Trang 2 / 2" in second
    assert second.count('<td class="num">') // 4 == 12  # 62 − 50 rows, four numeric cells each
    assert "Nguyễn Thị Lan" not in second


def test_contest_ranking_pages(client, auth, data):
    login(auth, "gk")
    body = text(client.get(f"/results/contests/{data['contest'].id}", query_string={"q": "Minh"}))
    assert "Trần Văn Minh" in body and "Nguyễn Thị Lan" not in body


# --- access ------------------------------------------------------------------------------------
def test_participants_get_403_and_anonymous_go_to_login(client, auth, data):
    round_id = data["round"].id
    anonymous = client.get(f"/results/rounds/{round_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(auth, "ts")
    for path in ("/results/", f"/results/rounds/{round_id}", f"/results/rounds/{round_id}/ket-qua.xlsx",
                 f"/results/rounds/{round_id}/individuals.csv", f"/results/contests/{data['contest'].id}/settings"):
        assert client.get(path).status_code == 403, path


def test_staff_limited_to_their_contests(client, auth, data, db):
    other = make_contest(name="Cuộc thi khác")
    judge = make_user(role="judge", username="gk2")
    db.add(ContestStaff(contest_id=other.id, user_id=judge.id))
    db.commit()
    login(auth, "gk2")
    assert client.get(f"/results/rounds/{data['round'].id}").status_code == 403
    index = text(client.get("/results/"))
    assert "Cuộc thi khác" in index and "Cuộc thi CCHC 2026" not in index


def settings_data(client, data, **overrides) -> dict:
    form = {
        "csrf_token": token(client),
        "tie_break_1": "score", "tie_break_2": "duration", "tie_break_3": "", "tie_break_4": "",
        "overall_mode": "best", "unit_formula": "weighted", "unit_rate_weight_percent": "70",
        "min_participation_percent": "25", f"target_{data['round'].id}": "participants",
    }
    form.update(overrides)
    return form


def test_judge_cannot_change_settings_publish_quotas_or_regrade(client, auth, data):
    login(auth, "gk")
    round_id, contest_id = data["round"].id, data["contest"].id
    assert client.get(f"/results/contests/{contest_id}/settings").status_code == 403
    assert client.post(f"/results/contests/{contest_id}/settings", data=settings_data(client, data)).status_code == 403
    assert client.post(f"/results/rounds/{round_id}/publish", data={"csrf_token": token(client)}).status_code == 403
    assert client.post(f"/results/rounds/{round_id}/prizes/quotas/individual",
                       data={"csrf_token": token(client), "individual-first": "1"}).status_code == 403
    assert client.post(f"/results/rounds/{round_id}/items/1/regrade",
                       data={"csrf_token": token(client)}).status_code == 403
    assert "Cách xếp hạng" not in text(client.get(f"/results/contests/{contest_id}"))


# --- settings ----------------------------------------------------------------------------------
def test_organizer_saves_settings(client, auth, data, db):
    login(auth, "btc")
    contest_id = data["contest"].id
    page = client.get(f"/results/contests/{contest_id}/settings")
    assert page.status_code == 200 and "Thứ tự xét hạng cá nhân" in text(page)
    response = client.post(f"/results/contests/{contest_id}/settings", data=settings_data(client, data))
    assert response.status_code == 302
    db.expire_all()
    contest = db.get(Contest, contest_id)
    assert contest.tie_break == ["score", "duration", "id"]
    assert (contest.overall_mode, contest.unit_formula) == ("best", "weighted")
    assert (contest.unit_rate_weight_percent, contest.min_participation_percent) == (70, 25)
    assert db.get(Round, data["round"].id).prediction_target == "participants"
    assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "ranking.settings")) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"tie_break_1": ""}, "Tiêu chí xếp hạng thứ 1: hãy chọn một tiêu chí."),
    ({"tie_break_2": "score"}, "Tiêu chí xếp hạng thứ 2: “Điểm” đã được chọn ở vị trí 1"),
    ({"tie_break_2": "", "tie_break_3": "duration"}, "Tiêu chí xếp hạng thứ 3: vị trí 2 đang bỏ trống"),
    ({"tie_break_2": "id"}, "Tiêu chí thứ 2 không hợp lệ."),
    ({"unit_rate_weight_percent": "120"}, "Trọng số của tỷ lệ tham gia phải từ 0 đến 100."),
    ({"min_participation_percent": "abc"}, "Tỷ lệ tham gia tối thiểu phải là số nguyên từ 0 đến 100."),
    ({"overall_mode": "max"}, "Hãy chọn cách xếp hạng toàn cuộc thi."),
    ({"target_ROUND": "winners"}, "giá trị so sánh của câu dự đoán không hợp lệ"),
])
def test_settings_validation_stores_nothing(client, auth, data, db, overrides, message):
    login(auth, "btc")
    overrides = {key.replace("ROUND", str(data["round"].id)): value for key, value in overrides.items()}
    response = client.post(f"/results/contests/{data['contest'].id}/settings",
                           data=settings_data(client, data, **overrides))
    assert response.status_code == 400
    assert message in text(response)
    db.expire_all()
    contest = db.get(Contest, data["contest"].id)
    assert contest.overall_mode == "sum" and contest.unit_rate_weight_percent == 50
    assert contest.tie_break == ["score", "prediction", "duration", "submitted_at", "id"]
    assert db.get(Round, data["round"].id).prediction_target == "perfect"


# --- prizes ------------------------------------------------------------------------------------
def test_quotas_allocation_and_exclusion(client, auth, data, db):
    login(auth, "btc")
    round_id = data["round"].id
    response = client.post(f"/results/rounds/{round_id}/prizes/quotas/individual", data={
        "csrf_token": token(client), "individual-first": "1", "individual-second": "1", "individual-third": "",
        "individual-consolation": "0"})
    assert response.status_code == 302
    page = text(client.get(f"/results/rounds/{round_id}/prizes"))
    assert re.search(r"Giải Nhất</span></td>\s*<td class=\"num\">1</td>\s*<td>Nguyễn Thị Lan", page)
    ranking = text(client.get(f"/results/rounds/{round_id}"))
    assert re.search(r"Trần Văn Minh.*?Giải Nhì", ranking, re.S)

    # A judge excludes the winner: a reason is required, then the next person moves up.
    auth.logout()
    login(auth, "gk")
    refused = client.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": token(client), "kind": "user", "identifier": "lan", "reason": "   "})
    assert refused.status_code == 400
    assert "Hãy ghi lý do loại khỏi danh sách giải." in text(refused)
    assert db.scalar(select(func.count()).select_from(PrizeExclusion)) == 0
    unknown = client.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": token(client), "kind": "user", "identifier": "khongco", "reason": "Gian lận"})
    assert unknown.status_code == 400 and "Không có người dự thi nào có tên đăng nhập “khongco”" in text(unknown)
    done = client.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": token(client), "kind": "user", "identifier": "lan", "reason": "Làm bài hộ"})
    assert done.status_code == 302
    page = text(client.get(f"/results/rounds/{round_id}/prizes"))
    assert re.search(r"Giải Nhất</span></td>\s*<td class=\"num\">2</td>\s*<td>Trần Văn Minh", page)
    assert "Làm bài hộ" in page
    twice = client.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": token(client), "kind": "user", "identifier": "lan", "reason": "Lần nữa"})
    assert twice.status_code == 400 and "Đã loại người/đơn vị này" in text(twice)

    exclusion_id = db.scalar(select(PrizeExclusion.id))
    back = client.post(f"/results/rounds/{round_id}/prizes/exclusions/{exclusion_id}/reinstate",
                       data={"csrf_token": token(client)})
    assert back.status_code == 302
    assert db.scalar(select(func.count()).select_from(PrizeExclusion)) == 0
    actions = set(db.scalars(select(AuditLog.action)))
    assert {"prize.quotas", "prize.exclude", "prize.reinstate"} <= actions


@pytest.mark.parametrize("value, message", [
    ("-1", "Giải Nhất: số lượng phải từ 0 đến 10000."),
    ("mười", "Giải Nhất: số lượng phải là số nguyên."),
])
def test_quota_validation(client, auth, data, db, value, message):
    login(auth, "btc")
    response = client.post(f"/results/rounds/{data['round'].id}/prizes/quotas/unit", data={
        "csrf_token": token(client), "unit-first": value, "unit-second": "2"})
    assert response.status_code == 400 and message in text(response)
    assert prizes.quotas(db, db.get(Round, data["round"].id), "unit")["second"] == 0


def test_unit_exclusion_by_code(client, auth, data, db):
    round_ = db.get(Round, data["round"].id)
    prizes.set_quotas(db, round_, "unit", {"first": 1})
    db.commit()
    login(auth, "gk")
    before = text(client.get(f"/results/rounds/{round_.id}/units"))
    assert re.search(r"Sở Nội vụ<br>.*?Giải Nhất", before, re.S)
    response = client.post(f"/results/rounds/{round_.id}/prizes/exclusions", data={
        "csrf_token": token(client), "kind": "unit", "identifier": "snv", "reason": "Khai sai biên chế"})
    assert response.status_code == 302
    after = text(client.get(f"/results/rounds/{round_.id}/units"))
    assert re.search(r"Văn phòng Sở Nội vụ<br>.*?Giải Nhất", after, re.S)


# --- item statistics and regrade --------------------------------------------------------------
def answered_attempt(db, round_, user, answers: dict, number=1) -> Attempt:
    attempt = Attempt(round_id=round_.id, user_id=user.id, number=number, started_at=OPEN,
                      deadline=OPEN + timedelta(minutes=10), max_score=len(answers),
                      receipt_code=secrets.token_hex(5).upper())
    attempt.questions = [AttemptQuestion(question_id=q.id, position=i, choice_order=[c.id for c in q.choices])
                         for i, q in enumerate(answers)]
    db.add(attempt)
    db.flush()
    for question, position in answers.items():
        db.add(Answer(attempt_id=attempt.id, question_id=question.id, choice_id=question.choices[position].id,
                      saved_at=OPEN))
    attempt.finished_at = attempt.submitted_at = OPEN + timedelta(minutes=5)
    attempt.finished_by, attempt.duration_seconds = "participant", 300
    db.flush()
    attempt.score = scoring.scores(db, [attempt.id]).get(attempt.id, 0)
    db.flush()
    return attempt


@pytest.fixture
def item_round(db):
    """A question whose key (A) is wrong: the strong takers all chose B."""
    contest = make_contest()
    good = make_question(text="Câu hỏi chuẩn?", correct=A)
    wrong = make_question(text="Câu hỏi có đáp án sai?", correct=A)
    round_ = make_round(contest, questions=2, title="Đợt kiểm tra")
    for n in range(4):
        answered_attempt(db, round_, make_user(), {good: A, wrong: B})
    for n in range(4):
        answered_attempt(db, round_, make_user(), {good: C, wrong: A})
    make_user(role="organizer", username="btc2")
    make_user(role="judge", username="gk3")
    db.commit()
    return round_, good, wrong


def test_items_page_flags_and_judge_sees_no_regrade_form(client, auth, item_round):
    round_, _good, wrong = item_round
    login(auth, "gk3")
    body = text(client.get(f"/results/rounds/{round_.id}/items"))
    assert "Cần kiểm tra đáp án" in body
    assert re.search(rf'id="q{wrong.id}" class="card item item-flagged"', body)
    assert "Đổi đáp án…" not in body


def test_regrade_asks_for_confirmation_then_reports(client, auth, item_round, db):
    round_, _good, wrong = item_round
    login(auth, "btc2")
    page = text(client.get(f"/results/rounds/{round_.id}/items"))
    assert "Đổi đáp án…" in page
    new_key = wrong.choices[B].id
    path = f"/results/rounds/{round_.id}/items/{wrong.id}/regrade"
    review = client.post(path, data={"csrf_token": token(client), f"q{wrong.id}-choice_id": new_key,
                                     f"q{wrong.id}-review": "1"})
    assert review.status_code == 200
    body = text(review)
    assert "Xác nhận đổi đáp án và chấm lại" in body and "4 bài đã chọn B sẽ được tính đúng" in body
    db.expire_all()
    assert db.get(Choice, new_key).is_correct is False  # nothing changed before the confirmation

    done = client.post(path, data={"csrf_token": token(client), f"q{wrong.id}-choice_id": new_key,
                                   f"q{wrong.id}-confirm": "1"})
    assert done.status_code == 302
    report = text(client.get(done.headers["Location"]))
    assert "8 bài thi có câu này, 8 bài thay đổi điểm" in report
    db.expire_all()
    assert db.get(Choice, new_key).is_correct is True
    assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "question_regraded")) == 1


def test_regrade_refuses_foreign_choice_and_foreign_question(client, auth, item_round, db):
    round_, good, wrong = item_round
    outsider = make_question(text="Câu hỏi không thuộc đợt này?")
    db.commit()
    login(auth, "btc2")
    path = f"/results/rounds/{round_.id}/items/{wrong.id}/regrade"
    refused = client.post(path, data={"csrf_token": token(client), f"q{wrong.id}-choice_id": good.choices[B].id,
                                      f"q{wrong.id}-confirm": "1"})
    assert refused.status_code == 400 and "Phương án được chọn không thuộc câu hỏi này." in text(refused)
    missing = client.post(f"/results/rounds/{round_.id}/items/{outsider.id}/regrade",
                          data={"csrf_token": token(client)})
    assert missing.status_code == 404
    db.expire_all()
    assert db.get(Choice, wrong.choices[A].id).is_correct is True


# --- charts ------------------------------------------------------------------------------------
def test_charts_are_inline_svg_with_a_table(client, auth, data):
    login(auth, "gk")
    body = text(client.get(f"/results/rounds/{data['round'].id}/charts"))
    assert body.count("<svg ") == 3
    assert body.count('role="img"') == 3 and "<title id=" in body and "<desc id=" in body
    assert "Xem số liệu dạng bảng" in body
    assert "<script" not in body.split("<main", 1)[1] and "style=" not in body
    # Days in Asia/Ho_Chi_Minh: 01:30, next day 01:00 and 2 days later 01:00/01:05 UTC = 07, 08, 09/12.
    days = re.findall(r'<th scope="row">(\d\d/\d\d)</th><td class="num">(\d+)</td>', body)
    assert ("07/12", "1") in days and ("08/12", "1") in days and ("09/12", "2") in days
    assert ("33,3%" in body) and ("Sở Tư pháp" in body)


def test_days_follow_the_contest_timezone(client, auth, data, db):
    # 17:30 UTC on 7 Dec is 00:30 on 8 Dec in Hà Nội.
    round_ = db.get(Round, data["round"].id)
    finish(round_, make_user(full_name="Thí sinh đêm"), 3, submitted=16 * 60 + 30)
    db.commit()
    login(auth, "gk")
    body = text(client.get(f"/results/rounds/{round_.id}/charts"))
    days = dict(re.findall(r'<th scope="row">(\d\d/\d\d)</th><td class="num">(\d+)</td>', body))
    assert days["07/12"] == "1" and days["08/12"] == "2"


def test_chart_text_is_escaped(client, auth, db):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    unit = make_unit(name="<script>alert(1)</script>", headcount=5, group="Khối A")
    finish(round_, make_user(unit_id=unit.id), 4)
    make_user(role="judge", username="gk4")
    db.commit()
    login(auth, "gk4")
    body = text(client.get(f"/results/rounds/{round_.id}/charts"))
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


# --- downloads ---------------------------------------------------------------------------------
def test_workbook_download(client, auth, data):
    login(auth, "gk")
    with client.get(f"/results/rounds/{data['round'].id}/ket-qua.xlsx") as response:  # closing deletes the file
        body = response.data
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Ket-qua-Tuan-1.xlsx"')
    assert "filename*=UTF-8''" + quote("Kết quả Tuần 1.xlsx", safe="") in disposition
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Xếp hạng cá nhân", "Xếp hạng đơn vị", "Thống kê câu hỏi", "Thông tin"]
    assert list(book["Xếp hạng cá nhân"].values)[1][1] == "Nguyễn Thị Lan"


@pytest.mark.parametrize("table, header", [
    ("individuals", "Hạng,Họ và tên"), ("units", "Khối thi,Hạng"), ("items", "Mã câu hỏi,Nội dung"),
])
def test_csv_downloads(client, auth, data, table, header):
    login(auth, "gk")
    response = client.get(f"/results/rounds/{data['round'].id}/{table}.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig").startswith(header)
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    if table == "individuals":
        assert "Nguyễn Thị Lan" in response.data.decode("utf-8-sig")


def test_unknown_csv_table_is_404(client, auth, data):
    login(auth, "gk")
    assert client.get(f"/results/rounds/{data['round'].id}/info.csv").status_code == 404


# --- the public page ---------------------------------------------------------------------------
def close(db, round_id):
    round_ = db.get(Round, round_id)
    round_.opens_at = datetime.now(timezone.utc) - timedelta(days=8)
    round_.closes_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.commit()


def test_public_page_only_when_published_and_closed(client, auth, data, db):
    round_id = data["round"].id
    public = f"/results/public/{round_id}"
    assert client.get(public).status_code == 404

    login(auth, "btc")
    refused = client.post(f"/results/rounds/{round_id}/publish", data={"csrf_token": token(client)},
                          follow_redirects=True)
    assert "Đợt thi chưa kết thúc: chỉ công bố kết quả sau khi đợt thi đóng." in text(refused)
    db.expire_all()
    assert db.get(Round, round_id).results_public is False

    db.get(Round, round_id).results_public = True  # switched on by hand while open: still hidden
    db.commit()
    auth.logout()
    assert client.get(public).status_code == 404

    close(db, round_id)
    prizes.set_quotas(db, db.get(Round, round_id), "individual", {"first": 1})
    db.commit()
    response = client.get(public)
    assert response.status_code == 200
    body = text(response)
    assert "Nguyễn Thị Lan" in body and "Sở Nội vụ" in body and "10/10" in body and "Giải Nhất" in body
    for secret in ("0912345678", "lan@example.vn", ">lan<", "minh@example.vn", "0987654321"):
        assert secret not in body
    assert not re.search(r"\blan\b", body.replace("Nguyễn Thị Lan", ""))

    login(auth, "btc")
    client.post(f"/results/rounds/{round_id}/unpublish", data={"csrf_token": token(client)})
    auth.logout()
    assert client.get(public).status_code == 404


def test_organizer_publishes_a_closed_round(client, auth, data, db):
    close(db, data["round"].id)
    login(auth, "btc")
    response = client.post(f"/results/rounds/{data['round'].id}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Round, data["round"].id).results_public is True
    assert db.scalar(select(AuditLog.action).where(AuditLog.action == "results.publish")) == "results.publish"
    auth.logout()
    assert client.get(f"/results/public/{data['round'].id}").status_code == 200


def test_public_page_of_unknown_round_is_404(client):
    assert client.get("/results/public/999999").status_code == 404


def test_csv_streams_after_the_request_context_ended(app, data):
    """A WSGI server reads the body after the view returned and its contexts were torn down:
    a plain client (no app context held around the request), in an empty context."""
    path = f"/results/rounds/{data['round'].id}/individuals.csv"

    def serve() -> bytes:
        raw = FlaskClient(app)
        login(AuthActions(raw), "gk")
        response = raw.get(path)
        try:
            return b"".join(response.iter_encoded())
        finally:
            response.close()

    body = contextvars.Context().run(serve).decode("utf-8-sig")
    assert body.startswith("Hạng,Họ và tên") and "Nguyễn Thị Lan" in body
