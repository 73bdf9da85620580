"""The farm, played end to end (issue 14, "Done means"): one person behind one address registers
accounts to probe the key and to lift their unit, then a bot account submits a perfect sheet in
0 seconds. Before issue 14 this person got 27 accounts in 17 seconds, read each probe's 0/1 score,
lifted the unit to 45 % and ranked first. Here every step is refused or flagged, through the same
HTTP surface a script would use."""
import re
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from contest.models import Attempt, AuditLog, Round, User
from contest.services.results import prizes, unit_ranking
from question_bank.models import Choice
from tests.conftest import csrf_token, form_with_challenge
from tests.factories import PASSWORD, make_bank, make_contest, make_round, make_unit, make_user

OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội
FARM = "203.0.113.66"  # the farmer's one address
FARM_PASSWORD = "Farm@2026vui"
PROBES = 6


def at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def register(app, contest_id: int, n: int, unit_id: int):
    """One farm account: a fresh browser solves the form's proof-of-work and registers."""
    browser = app.test_client()
    path = f"/contests/{contest_id}/register"
    data = {"full_name": f"Tài khoản ảo {n}", "phone": f"0912 000 {n:03d}", "password": FARM_PASSWORD,
            "confirm": FARM_PASSWORD, "unit_id": str(unit_id), **form_with_challenge(browser, path)}
    return browser.post(path, data=data, **at(FARM))


def api_login(client, username: str, password: str, address: str = FARM) -> dict:
    response = client.post("/api/v1/session", json={"username": username, "password": password}, **at(address))
    assert response.status_code == 200, response.get_json()
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


def key_of(db, body) -> dict[str, int]:
    """The right choice of each question shown: what the farmer hoped to learn."""
    ids = [c["id"] for q in body["questions"] for c in q["choices"]]
    correct = set(db.scalars(select(Choice.id).where(Choice.id.in_(ids), Choice.is_correct)))
    return {str(q["id"]): next(c["id"] for c in q["choices"] if c["id"] in correct) for q in body["questions"]}


def test_a_farm_gets_no_accounts_past_the_ceiling_no_key_no_unit_and_no_prize(app, db):
    unit_a = make_unit(code="SOA", name="Sở A", headcount=10)
    unit_b = make_unit(code="SOB", name="Sở B", headcount=10)
    contest = make_contest(name="Cuộc thi tìm hiểu CCHC", registration_open=True, require_date_of_birth=False)
    make_bank(3)  # a pool of three: every attempt draws the same questions, the probes' best case
    window = {"opens_at": OPEN, "closes_at": OPEN + timedelta(days=7), "prediction_prompt": None}
    round_ = make_round(contest, questions=3, show_score=True, max_attempts=1, min_seconds_per_question=10, **window)
    only_b = make_round(contest, questions=3, unit_codes=["SOB"], **window)
    make_user(username="nguoithat", full_name="Người đọc đề", unit_id=unit_a.id)
    make_user(username="maythi", full_name="Máy làm bài", unit_id=unit_a.id)
    make_user(role="judge", username="giamkhao")
    db.commit()
    round_id, only_b_id, contest_id = round_.id, only_b.id, contest.id

    with time_machine.travel(OPEN, tick=False) as clock:
        # 1. Thirty accounts from one address in a few minutes: the 31st is refused.
        for n in range(30):
            clock.shift(timedelta(seconds=10))
            assert register(app, contest_id, n, unit_b.id if n == 0 else unit_a.id).status_code == 302, n
        refused = register(app, contest_id, 30, unit_a.id)
        assert refused.status_code == 429
        assert "quá nhiều tài khoản được đăng ký từ địa chỉ mạng này" in refused.get_data(as_text=True)
        db.expire_all()
        farm = db.scalars(select(User).where(User.full_name.like("Tài khoản ảo %")).order_by(User.id)).all()
        assert len(farm) == 30 and all(user.unit_unconfirmed for user in farm)

        # 2. A farm account that declared unit B cannot start B's restricted round.
        client = app.test_client()
        headers = api_login(client, farm[0].username, FARM_PASSWORD)
        assert client.post(f"/api/v1/rounds/{only_b_id}/attempts", headers=headers).status_code == 403
        client.delete("/api/v1/session", headers=headers)

        # 3. Probes: each account answers one question, right or wrong, and reads what comes back.
        seen = []
        for n, user in enumerate(farm[1 : PROBES + 1]):
            clock.shift(timedelta(minutes=1))
            client = app.test_client()
            headers = api_login(client, user.username, FARM_PASSWORD)
            body = client.post(f"/api/v1/rounds/{round_id}/attempts", headers=headers).get_json()
            question = body["questions"][0]
            key = key_of(db, body)[str(question["id"])]
            choice = key if n % 2 == 0 else next(c["id"] for c in question["choices"] if c["id"] != key)
            assert client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}",
                              json={"choice_id": choice}, headers=headers).status_code == 200
            clock.shift(timedelta(seconds=30))
            submitted = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={"prediction": None},
                                    headers=headers)
            again = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers).get_json()
            receipt = client.get(f"/attempts/{body['attempt_id']}/receipt").get_data(as_text=True)
            seen.append((choice == key, submitted.get_json(), again, receipt))
        right = [s for s in seen if s[0]]
        wrong = [s for s in seen if not s[0]]
        assert right and wrong
        for _is_right, submitted, again, receipt in seen:
            assert set(submitted) == {"status", "submitted_at", "duration_seconds", "receipt_code"}  # no score
            assert "score" not in again and "review" not in again
            assert 'id="score-withheld"' in receipt
        # A right probe and a wrong one read the same words: the receipt carries nothing per question.
        assert _comparable(right[0][3], db) == _comparable(wrong[0][3], db)

        # 4. A person reads for 30 s (the round's floor: 3 questions × 10 s); later the bot submits
        # every right answer the moment it starts. 0 s counts as 30 s, so the earlier sheet wins.
        for username, seconds in (("nguoithat", 30), ("maythi", 0)):
            clock.shift(timedelta(minutes=5))
            client = app.test_client()
            headers = api_login(client, username, PASSWORD, address="198.51.100.20")
            body = client.post(f"/api/v1/rounds/{round_id}/attempts", headers=headers).get_json()
            clock.shift(timedelta(seconds=seconds))
            done = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit",
                               json={"answers": key_of(db, body), "prediction": None}, headers=headers)
            assert done.status_code == 200 and done.get_json()["score"] == 3  # a complete sheet sees its total

        # 5. The judge's ranking: the person first, the bot and the farm flagged.
        judge = app.test_client()
        api_login(judge, "giamkhao", PASSWORD, address="198.51.100.30")
        rows = judge.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["rows"]
    by_name = {row["full_name"]: row for row in rows}
    assert [rows[0]["full_name"], rows[0]["score"], rows[0]["flags"]] == ["Người đọc đề", 3, []]
    assert rows[1]["full_name"] == "Máy làm bài" and "too_fast" in rows[1]["flags"]
    assert all("burst_registration" in by_name[user.full_name]["flags"] for user in farm[1 : PROBES + 1])

    # 6. The farm lifted nothing: unit A counts its two confirmed people of ten, not the probes.
    round_ = db.get(Round, round_id)
    entry = next(e for e in unit_ranking.round_units(db, round_) if e.unit_id == unit_a.id)
    assert entry.participants == 2 and entry.rate == 0.2

    # 7. The prize review lists the bot among flagged proposals; the judge excludes it, audited.
    prizes.set_quotas(db, round_, "individual", {"first": 1, "second": 1})
    db.commit()
    bot = db.scalar(select(User).where(User.username == "maythi"))
    before = {award.entry.user_id: award.prize for award in prizes.allocate_individuals(db, round_)}
    assert before[bot.id] == "second"
    review = judge.get(f"/results/rounds/{round_id}/prizes").get_data(as_text=True)
    flagged = review[review.index("Bài thi có cảnh báo trong danh sách đề xuất giải"):review.index("Số lượng giải")]
    assert "Máy làm bài" in flagged and "Người đọc đề" not in flagged
    response = judge.post(f"/results/rounds/{round_id}/prizes/exclusions", data={
        "csrf_token": csrf_token(judge, f"/results/rounds/{round_id}/prizes"), "kind": "user",
        "identifier": f"#{bot.id}", "reason": "Cảnh báo của hệ thống: làm bài 0 giây cho 3 câu"})
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "prize.exclude")) == 1
    after = {award.entry.user_id: award.prize for award in prizes.allocate_individuals(db, db.get(Round, round_id))}
    assert bot.id not in after and len(after) == 2  # the next person moves up
    assert db.scalar(select(func.count()).select_from(Attempt).where(Attempt.round_id == only_b_id)) == 0


def _comparable(page: str, db) -> str:
    """A receipt's main part without what differs between any two attempts: ids, codes, times."""
    html = page.split("<main", 1)[1].split("</main>", 1)[0]
    html = re.sub(r"/attempts/\d+", "/attempts/N", html)
    html = re.sub(r"<time[^>]*>.*?</time>", "<time/>", html, flags=re.S)
    for code in db.scalars(select(Attempt.receipt_code)):
        html = html.replace(code, "CODE")
    return html
