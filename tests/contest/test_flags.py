"""Implausible attempts (SPEC §9): the flags, the tie-break floor, and where judges see them."""
import csv
import io
import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from contest.models import Answer, Attempt, AttemptQuestion, AuditLog, PrizeExclusion, Round
from contest.services.quiz import scoring
from contest.services.results import exports, flags, prizes, ranking
from question_bank.models import Choice
from tests.conftest import csrf_token
from tests.factories import PASSWORD, finish, make_bank, make_contest, make_question, make_round, make_user

OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội


def api_login(client, username):
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


def right_answers(db, body) -> dict[str, int]:
    ids = [c["id"] for q in body["questions"] for c in q["choices"]]
    correct = set(db.scalars(select(Choice.id).where(Choice.id.in_(ids), Choice.is_correct)))
    return {str(q["id"]): next(c["id"] for c in q["choices"] if c["id"] in correct) for q in body["questions"]}


def perfect_attempt(client, db, traveller, round_id, username, *, start, seconds) -> dict:
    """Logs in, starts at `start`, submits every right answer `seconds` later, through the API."""
    traveller.move_to(start)
    headers = api_login(client, username)
    body = client.post(f"/api/v1/rounds/{round_id}/attempts", headers=headers).get_json()
    traveller.move_to(start + timedelta(seconds=seconds))
    receipt = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit",
                          json={"answers": right_answers(db, body)}, headers=headers)
    assert receipt.status_code == 200
    client.delete("/api/v1/session", headers=headers)
    return body


# --- the regression: a 0-second perfect attempt -----------------------------------------
def test_instant_perfect_attempt_is_flagged_and_wins_nothing_on_time(client, db):
    """Before: accepted with duration 0, ranked first on time, flagged nowhere."""
    make_bank(30)
    round_ = make_round(questions=30, opens_at=OPEN, closes_at=OPEN + timedelta(days=7), prediction_prompt=None)
    make_user(username="nguoithat", full_name="Người đọc đề")
    make_user(username="maythi", full_name="Máy làm bài")
    make_user(role="judge", username="giamkhao")
    db.commit()
    with time_machine.travel(OPEN, tick=False) as traveller:
        perfect_attempt(client, db, traveller, round_.id, "nguoithat", start=OPEN, seconds=90)
        perfect_attempt(client, db, traveller, round_.id, "maythi", start=OPEN + timedelta(minutes=5), seconds=0)
        assert sorted(db.scalars(select(Attempt.duration_seconds))) == [0, 90]
        api_login(client, "giamkhao")
        rows = client.get(f"/api/v1/rounds/{round_.id}/ranking").get_json()["rows"]
    # Both perfect; 0 s counts as 90 s, so the earlier submission (the human's) ranks first.
    assert [(r["full_name"], r["score"], r["duration_seconds"]) for r in rows] == [
        ("Người đọc đề", 30, 90), ("Máy làm bài", 30, 0)]
    assert rows[0]["flags"] == []
    assert rows[1]["flags"] == ["too_fast", "fast_answers"]
    page = client.get(f"/results/rounds/{round_.id}").get_data(as_text=True)
    assert re.search(r"Máy làm bài.*?Làm bài nhanh bất thường.*?Trả lời nhanh hơn tốc độ đọc", page, re.S)
    assert "Người đọc đề" in page.split("Máy làm bài")[0]
    assert "Khi xét hạng theo thời gian, bài làm dưới 1 phút 30 giây được tính là 1 phút 30 giây." in page
    assert db.get(Round, round_.id).min_duration_seconds == 90  # 30 questions × 3 s, the default


def test_floor_applies_to_the_contest_ranking_too(db):
    make_bank(3)
    contest = make_contest()
    round_ = make_round(contest, questions=3, min_seconds_per_question=20)  # floor 60 s
    bot, human = make_user(full_name="Bot"), make_user(full_name="Người")
    finish(round_, bot, 10, duration=1, submitted=10)
    finish(round_, human, 10, duration=60, submitted=1)
    assert [e.full_name for e in ranking.contest_ranking(db, contest).entries] == ["Người", "Bot"]
    contest.overall_mode = "best"
    assert [e.full_name for e in ranking.contest_ranking(db, contest).entries] == ["Người", "Bot"]


def test_changing_the_minimum_recomputes_the_cached_order(db):
    make_bank(3)
    round_ = make_round(questions=3)  # floor 9 s
    fast, slow = make_user(full_name="Nhanh"), make_user(full_name="Chậm")
    finish(round_, fast, 10, duration=10, submitted=10)
    finish(round_, slow, 10, duration=50, submitted=1)
    db.commit()
    page = ranking.round_ranking(db, round_, with_flags=True)
    assert [(e.full_name, e.flags) for e in page.entries] == [("Nhanh", []), ("Chậm", [])]
    round_.min_seconds_per_question = 20  # floor 60 s: both count as 60 s, the earlier submission wins
    db.commit()
    page = ranking.round_ranking(db, round_, with_flags=True)
    assert [(e.full_name, e.flags) for e in page.entries] == [("Chậm", ["too_fast"]), ("Nhanh", ["too_fast"])]
    round_.min_seconds_per_question = 0  # off: nothing flagged, raw durations decide
    db.commit()
    page = ranking.round_ranking(db, round_, with_flags=True)
    assert [(e.full_name, e.flags) for e in page.entries] == [("Nhanh", []), ("Chậm", [])]


def test_public_page_shows_no_flags(client, db):
    make_bank(3)
    round_ = make_round(questions=3, opens_at=OPEN - timedelta(days=8), closes_at=OPEN - timedelta(days=1))
    finish(round_, make_user(full_name="Bot"), 10, duration=0)
    round_.results_public = True
    db.commit()
    page = client.get(f"/results/public/{round_.id}").get_data(as_text=True)
    assert "Bot" in page and "Làm bài nhanh bất thường" not in page and "Cảnh báo" not in page


# --- each flag from stored data ----------------------------------------------------------------
@pytest.fixture
def bank(db):
    return [make_question(correct=0) for _ in range(6)]


def answered(db, round_, user, picks: list[int], saved: list[float], *, duration=300, bank=(), number=1) -> Attempt:
    """A finished attempt answering bank[i] with choice picks[i], saved `saved[i]` s after the start."""
    started = OPEN
    attempt = Attempt(round_id=round_.id, user_id=user.id, number=number, started_at=started,
                      deadline=started + timedelta(minutes=10), max_score=len(picks),
                      receipt_code=secrets.token_hex(5).upper())
    attempt.questions = [AttemptQuestion(question_id=q.id, position=i, choice_order=[c.id for c in q.choices])
                         for i, q in enumerate(bank[:len(picks)])]
    db.add(attempt)
    db.flush()
    for question, pick, after in zip(bank, picks, saved):
        db.add(Answer(attempt_id=attempt.id, question_id=question.id, choice_id=question.choices[pick].id,
                      saved_at=started + timedelta(seconds=after)))
    attempt.finished_at = attempt.submitted_at = started + timedelta(seconds=duration)
    attempt.finished_by, attempt.duration_seconds = "participant", duration
    db.flush()
    attempt.score = scoring.scores(db, [attempt.id]).get(attempt.id, 0)
    db.flush()
    return attempt


def flags_by_name(db, round_) -> dict[str, list[str]]:
    return {e.full_name: e.flags for e in ranking.round_ranking(db, round_, with_flags=True).entries}


def test_fast_answers_reading_pace_not_gaps(db, bank):
    round_ = make_round(questions=6)  # 3 s a question
    answered(db, round_, make_user(full_name="Kịch bản"), [0] * 6, [0.2, 0.4, 0.6, 0.8, 1.0, 1.2], duration=300,
             bank=bank)
    # No JavaScript: every answer saved by one form post, at once, after reading them all.
    answered(db, round_, make_user(full_name="Không JS"), [0] * 6, [200] * 6, duration=210, bank=bank)
    answered(db, round_, make_user(full_name="Đọc kỹ"), [0] * 6, [4, 8, 12, 16, 20, 24], duration=40, bank=bank)
    # Two quick answers are normal; the check starts at the fifth.
    answered(db, round_, make_user(full_name="Hai câu dễ"), [0] * 6, [1, 2, 15, 16, 17, 30], duration=40, bank=bank)
    # Five answers in place after 14 s (< 5 × 3 s): too fast to read, even though it waited to submit.
    answered(db, round_, make_user(full_name="Chờ nộp"), [0] * 6, [2, 4, 6, 8, 14, 100], duration=120, bank=bank)
    assert flags_by_name(db, round_) == {"Kịch bản": ["fast_answers"], "Không JS": [], "Đọc kỹ": [],
                                         "Hai câu dễ": [], "Chờ nộp": ["fast_answers"]}


def registered(db, user, ip: str, at: datetime) -> None:
    db.add(AuditLog(action="registered", user_id=user.id, target=user.username, ip=ip, at=at))


def test_burst_registration_five_from_one_address_in_ten_minutes(db):
    make_bank(3)
    round_ = make_round(questions=3)
    farm = [make_user(full_name=f"Trại {i}") for i in range(5)]
    office = [make_user(full_name=f"Văn phòng {i}") for i in range(5)]
    pair = [make_user(full_name=f"Hai {i}") for i in range(2)]
    imported = make_user(full_name="Nhập từ danh sách")
    for i, user in enumerate(farm):  # 5 within 4 minutes
        registered(db, user, "203.0.113.7", OPEN + timedelta(minutes=i))
    for i, user in enumerate(office):  # 5 from one NAT address, but 11 minutes apart
        registered(db, user, "198.51.100.2", OPEN + timedelta(minutes=11 * i))
    for user in pair:
        registered(db, user, "192.0.2.9", OPEN)
    for user in [*farm, *office, *pair, imported]:
        finish(round_, user, 5)
    found = flags_by_name(db, round_)
    assert all(found[u.full_name] == ["burst_registration"] for u in farm)
    assert all(found[u.full_name] == [] for u in [*office, *pair, imported])
    series = sorted([OPEN + timedelta(minutes=m) for m in (0, 2, 4, 6, 10, 25)])
    assert flags._in_burst(series, series[-2]) is True  # 0–10 holds five
    assert flags._in_burst(series, series[-1]) is False


def test_same_answers_only_with_shared_mistakes(db, bank):
    round_ = make_round(questions=6)
    slow = [10 * (i + 1) for i in range(6)]
    copied = [0, 1, 2, 3, 0, 0]  # three wrong (choices 1, 2, 3 on questions 2–4)
    answered(db, round_, make_user(full_name="Bài gốc"), copied, slow, bank=bank)
    answered(db, round_, make_user(full_name="Bài chép"), copied, slow, bank=bank)
    answered(db, round_, make_user(full_name="Đúng hết 1"), [0] * 6, slow, bank=bank)
    answered(db, round_, make_user(full_name="Đúng hết 2"), [0] * 6, slow, bank=bank)  # agreeing on the key: no flag
    answered(db, round_, make_user(full_name="Sai hai 1"), [1, 1, 0, 0, 0, 0], slow, bank=bank)
    answered(db, round_, make_user(full_name="Sai hai 2"), [1, 1, 0, 0, 0, 0], slow, bank=bank)  # two shared: chance
    answered(db, round_, make_user(full_name="Gần giống"), [0, 1, 2, 3, 0, 1], slow, bank=bank)
    answered(db, round_, make_user(full_name="Ít câu 1"), [1, 2, 3, 1], slow, bank=bank)
    answered(db, round_, make_user(full_name="Ít câu 2"), [1, 2, 3, 1], slow, bank=bank)  # under 5 answered
    found = flags_by_name(db, round_)
    assert found["Bài gốc"] == found["Bài chép"] == ["same_answers"]
    assert all(found[name] == [] for name in ("Đúng hết 1", "Đúng hết 2", "Sai hai 1", "Sai hai 2", "Gần giống",
                                               "Ít câu 1", "Ít câu 2"))


def test_same_answers_of_one_account_are_not_a_copy(db, bank):
    round_ = make_round(questions=6, max_attempts=2)
    person = make_user(full_name="Một người")
    first = answered(db, round_, person, [0, 1, 2, 3, 0, 0], [100] * 6, bank=bank)
    second = answered(db, round_, person, [0, 1, 2, 3, 0, 0], [100] * 6, bank=bank, number=2)
    assert first.id != second.id
    assert flags_by_name(db, round_) == {"Một người": []}


# --- where judges see them -------------------------------------------------------------------
@pytest.fixture
def flagged_round(db):
    make_bank(3)
    round_ = make_round(questions=3, title="Tuần 1", min_seconds_per_question=100)  # floor 300 s
    finish(round_, make_user(full_name="Máy làm bài", username="bot1"), 10, duration=0, submitted=5)
    finish(round_, make_user(full_name="Nguyễn Thị Lan", username="lan"), 10, duration=300, submitted=1)
    finish(round_, make_user(full_name="Trần Văn Minh", username="minh"), 8, duration=300, submitted=1)
    prizes.set_quotas(db, round_, "individual", {"first": 1, "second": 1})
    make_user(role="judge", username="gk")
    db.commit()
    return round_


def test_workbook_and_csv_carry_the_flags_in_vietnamese(db, flagged_round, tmp_path):
    path = tmp_path / "ket-qua.xlsx"
    exports.write_results(db, flagged_round, path)
    rows = list(load_workbook(path)["Xếp hạng cá nhân"].values)
    assert rows[0][-1] == "Cảnh báo"
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Máy làm bài"][-1] == "Làm bài nhanh bất thường"
    assert by_name["Nguyễn Thị Lan"][-1] in (None, "")
    assert [row[1] for row in rows[1:]] == ["Nguyễn Thị Lan", "Máy làm bài", "Trần Văn Minh"]
    lines = list(csv.reader(io.StringIO("".join(exports.csv_lines(db, flagged_round, "individuals")).lstrip("\ufeff"))))
    assert lines[0][-1] == "Cảnh báo"
    assert [line[-1] for line in lines[1:]] == ["", "Làm bài nhanh bất thường", ""]


def test_prize_review_shows_flagged_first_and_excludes_in_one_click(client, auth, db, flagged_round):
    assert auth.login("gk", PASSWORD).status_code == 302
    page = client.get(f"/results/rounds/{flagged_round.id}/prizes").get_data(as_text=True)
    flagged_at = page.index("Bài thi có cảnh báo trong danh sách đề xuất giải")
    assert flagged_at < page.index("Số lượng giải") < page.index("Đề xuất giải cá nhân")
    section = page[flagged_at:page.index("Số lượng giải")]
    assert "Máy làm bài" in section and "Nguyễn Thị Lan" not in section
    reason = "Cảnh báo của hệ thống: Làm bài nhanh bất thường"
    assert f">{reason}</textarea>" in section
    bot_id = db.scalar(select(Attempt.user_id).where(Attempt.duration_seconds == 0))
    assert f'name="identifier" value="#{bot_id}"' in section
    response = client.post(f"/results/rounds/{flagged_round.id}/prizes/exclusions", data={
        "csrf_token": csrf_token(client, f"/results/rounds/{flagged_round.id}/prizes"), "kind": "user",
        "identifier": f"#{bot_id}", "reason": reason + " (đã xem, 0 giây cho 3 câu)"})
    assert response.status_code == 302
    exclusion = db.scalar(select(PrizeExclusion))
    assert (exclusion.user_id, exclusion.reason) == (bot_id, reason + " (đã xem, 0 giây cho 3 câu)")
    log = db.scalar(select(AuditLog).where(AuditLog.action == "prize.exclude"))
    assert log.details["reason"] == exclusion.reason
    awards = prizes.allocate_individuals(db, db.get(Round, flagged_round.id))
    assert [a.entry.full_name for a in awards] == ["Nguyễn Thị Lan", "Trần Văn Minh"]
    after = client.get(f"/results/rounds/{flagged_round.id}/prizes").get_data(as_text=True)
    assert "Bài thi có cảnh báo trong danh sách đề xuất giải" not in after


def test_streamed_ranking_carries_the_same_flags_as_the_page(db, bank):
    """The export's stream reads each flag once for the whole round, between fetches of its cursor."""
    round_ = make_round(questions=6)
    slow = [10 * (i + 1) for i in range(6)]
    for index in range(7):  # durations 0, 70, 140, …: the first is too fast
        user = make_user(full_name=f"P{index}")
        if index >= 2:  # five accounts from one address within a minute
            registered(db, user, "203.0.113.7", OPEN + timedelta(seconds=10 * index))
        saved = [0.5] * 6 if index == 1 else slow
        answered(db, round_, user, [0] * (6 - index % 2) + [1] * (index % 2), saved, duration=index * 70, bank=bank)
    db.commit()
    page = ranking.round_ranking(db, round_, per_page=50, with_flags=True).entries
    streamed = list(ranking.iter_round_ranking(db, round_, batch=2, with_flags=True))
    assert [(e.full_name, e.flags) for e in streamed] == [(e.full_name, e.flags) for e in page]
    assert {e.full_name: e.flags for e in streamed} == {
        "P0": ["too_fast"], "P1": ["fast_answers"], "P2": ["burst_registration"], "P3": ["burst_registration"],
        "P4": ["burst_registration"], "P5": ["burst_registration"], "P6": ["burst_registration"]}
