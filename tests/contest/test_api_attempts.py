"""The quiz API (SPEC §5): start, resume, save, submit, limits, deadlines, ownership."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import Answer, Attempt, AuditLog
from tests.factories import PASSWORD, make_bank, make_round, make_unit, make_user

# Named instants (as CTFd names its times): the round opens at OPEN and lasts a week.
OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội
GRACE = 30


@pytest.fixture
def traveller():
    with time_machine.travel(OPEN, tick=False) as traveller:
        yield traveller


def api_login(client, username, password=PASSWORD):
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


@pytest.fixture
def setup(db, traveller):
    """A participant, a bank of 6 questions and an open round of 3 questions, 10 minutes, 1 attempt."""
    make_bank(6)
    round_ = make_round(questions=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    user = make_user(username="thisinh1")
    db.commit()
    return round_.id, user.id


def start(client, token, round_id):
    return client.post(f"/api/v1/rounds/{round_id}/attempts", headers={"X-CSRFToken": token})


def correct_choice_ids(db, body):
    from question_bank.models import Choice

    ids = [c["id"] for q in body["questions"] for c in q["choices"]]
    return set(db.scalars(select(Choice.id).where(Choice.id.in_(ids), Choice.is_correct)))


def test_login_returns_token_and_user(client, db):
    make_user(username="a1", full_name="Phạm Thị D")
    db.commit()
    response = client.post("/api/v1/session", json={"username": "a1", "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 200
    assert body["user"]["username"] == "a1" and body["user"]["full_name"] == "Phạm Thị D"
    assert len(body["csrf_token"]) > 20
    assert db.scalar(select(AuditLog.action)) == "login"


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"username": "a1", "password": "sai"}, 401, "invalid_credentials"),
        ({"username": "khongco", "password": PASSWORD}, 401, "invalid_credentials"),
        ({"username": 5, "password": PASSWORD}, 422, "validation_failed"),
        ({"username": "a1"}, 422, "validation_failed"),
        ([1, 2], 400, "invalid_json"),
    ],
)
def test_login_refusals(client, db, payload, status, code):
    make_user(username="a1")
    db.commit()
    response = client.post("/api/v1/session", json=payload)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


def test_requests_without_login_get_401(client):
    response = client.get("/api/v1/rounds")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_state_change_without_csrf_header_is_refused(client, setup):
    round_id, _ = setup
    api_login(client, "thisinh1")
    response = client.post(f"/api/v1/rounds/{round_id}/attempts")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_rounds_lists_open_round_with_attempts(client, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    start(client, token, round_id)
    rounds = client.get("/api/v1/rounds").get_json()["rounds"]
    assert [r["id"] for r in rounds] == [round_id]
    assert rounds[0]["attempts_used"] == 1 and rounds[0]["attempts_allowed"] == 1
    assert rounds[0]["opens_at"] == OPEN.isoformat()
    assert rounds[0]["duration_seconds"] == 600


def test_start_returns_questions_without_the_key(client, db, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    response = start(client, token, round_id)
    body = response.get_json()
    assert response.status_code == 201
    assert len(body["questions"]) == 3
    assert all(len(q["choices"]) == 4 for q in body["questions"])
    assert body["deadline"] == (OPEN + timedelta(minutes=10)).isoformat()
    assert body["server_now"] == OPEN.isoformat()
    assert body["answers"] == {}
    assert body["prediction"]["prompt"].startswith("Theo bạn")
    raw = response.get_data(as_text=True)
    assert "is_correct" not in raw and "correct" not in raw


def test_start_again_resumes_the_same_attempt(client, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    first = start(client, token, round_id).get_json()
    again = start(client, token, round_id)
    assert again.status_code == 200
    assert again.get_json()["attempt_id"] == first["attempt_id"]
    assert again.get_json()["questions"] == first["questions"]


def test_save_answer_and_resume_from_another_device(app, client, db, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    question = body["questions"][1]
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}"
    response = client.put(url, json={"choice_id": question["choices"][2]["id"]}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["saved_at"] == OPEN.isoformat()
    again = client.put(url, json={"choice_id": question["choices"][2]["id"]}, headers={"X-CSRFToken": token})
    assert again.status_code == 200
    other_device = app.test_client()
    api_login(other_device, "thisinh1")
    resumed = other_device.get(f"/api/v1/attempts/{body['attempt_id']}").get_json()
    assert resumed["answers"] == {str(question["id"]): question["choices"][2]["id"]}
    assert resumed["questions"] == body["questions"]
    assert db.scalar(select(func.count()).select_from(Answer)) == 1


@pytest.mark.parametrize("choice", ["other_question", "unknown", "string", "missing"])
def test_save_refuses_a_choice_not_in_the_question(client, setup, choice):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    first, second = body["questions"][:2]
    payload = {
        "other_question": {"choice_id": second["choices"][0]["id"]},
        "unknown": {"choice_id": 999999},
        "string": {"choice_id": "1"},
        "missing": {},
    }[choice]
    response = client.put(
        f"/api/v1/attempts/{body['attempt_id']}/answers/{first['id']}", json=payload, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 422


def test_save_for_a_question_not_in_the_attempt_is_404(client, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    response = client.put(
        f"/api/v1/attempts/{body['attempt_id']}/answers/999999", json={"choice_id": 1}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 404


def test_other_peoples_attempts_are_404(app, client, db, setup):
    round_id, _ = setup
    make_user(username="thisinh2")
    db.commit()
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    intruder = app.test_client()
    other_token = api_login(intruder, "thisinh2")
    attempt_id = body["attempt_id"]
    question = body["questions"][0]
    assert intruder.get(f"/api/v1/attempts/{attempt_id}").status_code == 404
    put = intruder.put(
        f"/api/v1/attempts/{attempt_id}/answers/{question['id']}",
        json={"choice_id": question["choices"][0]["id"]}, headers={"X-CSRFToken": other_token},
    )
    assert put.status_code == 404
    submit = intruder.post(f"/api/v1/attempts/{attempt_id}/submit", json={}, headers={"X-CSRFToken": other_token})
    assert submit.status_code == 404
    assert db.scalar(select(func.count()).select_from(Answer)) == 0


def answer_all(client, token, body, db, right: int):
    """Answers `right` questions correctly and the rest wrongly."""
    correct = correct_choice_ids(db, body)
    for index, question in enumerate(body["questions"]):
        ids = [c["id"] for c in question["choices"]]
        pick = next(i for i in ids if (i in correct) == (index < right))
        client.put(
            f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}",
            json={"choice_id": pick}, headers={"X-CSRFToken": token},
        )


def test_submit_scores_and_is_idempotent(client, db, setup, traveller):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    answer_all(client, token, body, db, right=2)
    traveller.shift(timedelta(seconds=95))
    url = f"/api/v1/attempts/{body['attempt_id']}/submit"
    first = client.post(url, json={"prediction": 12}, headers={"X-CSRFToken": token})
    assert first.status_code == 200
    receipt = first.get_json()
    assert receipt["status"] == "submitted"
    assert receipt["duration_seconds"] == 95
    assert receipt["submitted_at"] == (OPEN + timedelta(seconds=95)).isoformat()
    assert "score" not in receipt  # this round shows scores only after it closes
    traveller.shift(timedelta(seconds=5))
    second = client.post(url, json={"prediction": 99}, headers={"X-CSRFToken": token})
    assert second.status_code == 200 and second.get_json() == receipt
    attempt = db.scalar(select(Attempt))
    db.refresh(attempt)
    assert (attempt.score, attempt.max_score, attempt.prediction, attempt.finished_by) == (2, 3, 12, "participant")


def test_submit_shows_score_when_the_round_does(client, db, traveller):
    make_bank(4)
    round_ = make_round(questions=2, show_score=True, opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    body = start(client, token, round_.id).get_json()
    answer_all(client, token, body, db, right=1)
    receipt = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={}, headers={"X-CSRFToken": token}).get_json()
    assert (receipt["score"], receipt["max_score"]) == (1, 2)


def test_submit_saves_the_answers_it_carries(client, db, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    correct = correct_choice_ids(db, body)
    carried = {str(q["id"]): next(c["id"] for c in q["choices"] if c["id"] in correct) for q in body["questions"]}
    response = client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit", json={"answers": carried, "prediction": None},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert db.scalar(select(Attempt.score)) == 3
    assert db.scalar(select(func.count()).select_from(Answer)) == 3


@pytest.mark.parametrize(
    "payload",
    [{"prediction": "nhiều"}, {"prediction": -1}, {"prediction": True}, {"answers": [1]}, {"answers": {"x": 1}}],
)
def test_submit_refuses_bad_values(client, db, setup, payload):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    response = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json=payload, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert db.scalar(select(Attempt.finished_at)) is None


def test_save_within_grace_is_accepted_and_after_is_refused(client, db, setup, traveller):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    question = body["questions"][0]
    url = f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}"
    traveller.move_to(OPEN + timedelta(minutes=10, seconds=GRACE - 1))
    late_ok = client.put(url, json={"choice_id": question["choices"][0]["id"]}, headers={"X-CSRFToken": token})
    assert late_ok.status_code == 200
    traveller.move_to(OPEN + timedelta(minutes=10, seconds=GRACE + 1))
    too_late = client.put(url, json={"choice_id": question["choices"][1]["id"]}, headers={"X-CSRFToken": token})
    assert too_late.status_code == 409
    assert too_late.get_json()["error"]["code"] == "attempt_closed"
    attempt = db.scalar(select(Attempt))
    assert attempt.finished_by == "system"
    assert attempt.submitted_at == attempt.deadline
    assert attempt.duration_seconds == 600
    assert db.scalar(select(Answer.choice_id)) == question["choices"][0]["id"]


def test_submit_within_grace_then_after(client, db, setup, traveller):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    traveller.move_to(OPEN + timedelta(minutes=10, seconds=GRACE))
    ok = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    assert ok.get_json()["duration_seconds"] == 600  # capped at the deadline


def test_submit_after_grace_is_attempt_closed(client, db, setup, traveller):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    traveller.move_to(OPEN + timedelta(minutes=10, seconds=GRACE + 1))
    response = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "attempt_closed"


def test_get_finalises_lazily(client, db, setup, traveller):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    answer_all(client, token, body, db, right=3)
    traveller.move_to(OPEN + timedelta(hours=1))
    state = client.get(f"/api/v1/attempts/{body['attempt_id']}").get_json()
    assert state["status"] == "finished"
    attempt = db.scalar(select(Attempt))
    assert (attempt.score, attempt.finished_by) == (3, "system")


def test_close_expired_finalises_in_batch(runner, client, db, setup, traveller):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    answer_all(client, token, body, db, right=1)
    traveller.move_to(OPEN + timedelta(minutes=10, seconds=GRACE - 1))
    assert runner.invoke(args=["close-expired"]).output.startswith("Đã kết thúc 0 ")
    traveller.move_to(OPEN + timedelta(minutes=10, seconds=GRACE + 1))
    result = runner.invoke(args=["close-expired"])
    assert result.exit_code == 0 and "Đã kết thúc 1 " in result.output
    db.expire_all()
    attempt = db.scalar(select(Attempt))
    assert (attempt.score, attempt.finished_by, attempt.duration_seconds) == (1, "system", 600)


def test_attempt_limit_one_means_one(client, db, setup):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    body = start(client, token, round_id).get_json()
    client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={}, headers={"X-CSRFToken": token})
    response = start(client, token, round_id)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "attempts_exhausted"


@pytest.mark.parametrize("limit, starts", [(2, 2), (None, 5)])
def test_attempt_limits_n_and_unlimited(client, db, traveller, limit, starts):
    make_bank(3)
    round_ = make_round(questions=2, max_attempts=limit, opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    for number in range(starts):
        response = start(client, token, round_.id)
        assert response.status_code == 201, number
        client.post(f"/api/v1/attempts/{response.get_json()['attempt_id']}/submit", json={}, headers={"X-CSRFToken": token})
    final = start(client, token, round_.id)
    assert final.status_code == (409 if limit else 201)
    assert db.scalar(select(func.max(Attempt.number))) == (starts if limit else starts + 1)


def test_a_start_repeated_with_its_key_never_starts_another_attempt(client, db, traveller):
    """A retried start that a worker reaches after the attempt was submitted returns that attempt."""
    make_bank(3)
    round_ = make_round(questions=2, max_attempts=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    headers = {"X-CSRFToken": token, "Idempotency-Key": "lan-1:7f3a"}
    first = client.post(f"/api/v1/rounds/{round_.id}/attempts", headers=headers)
    assert first.status_code == 201
    attempt_id = first.get_json()["attempt_id"]
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit", json={}, headers=headers).status_code == 200
    late = client.post(f"/api/v1/rounds/{round_.id}/attempts", headers=headers)
    assert late.status_code == 200 and late.get_json()["attempt_id"] == attempt_id
    assert db.scalar(select(func.count()).select_from(Attempt)) == 1
    fresh = client.post(f"/api/v1/rounds/{round_.id}/attempts", headers={**headers, "Idempotency-Key": "lan-2"})
    assert fresh.status_code == 201 and fresh.get_json()["attempt_id"] != attempt_id
    assert db.scalar(select(func.count()).select_from(Attempt)) == 2


def test_a_receipt_code_already_taken_is_drawn_again(client, db, setup, monkeypatch):
    round_id, _ = setup
    make_user(username="thisinh2")
    db.commit()
    codes = iter(["aaaaaaaaaa", "aaaaaaaaaa", "bbbbbbbbbb"])
    monkeypatch.setattr("contest.services.quiz.attempts.secrets.token_hex", lambda _n: next(codes))
    first = start(client, api_login(client, "thisinh1"), round_id)
    other = client.application.test_client()
    second = start(other, api_login(other, "thisinh2"), round_id)
    assert (first.status_code, second.status_code) == (201, 201)
    assert sorted(db.scalars(select(Attempt.receipt_code))) == ["AAAAAAAAAA", "BBBBBBBBBB"]


@pytest.mark.parametrize("key", ["", "x" * 65, "khoá", "a b", "<script>"])
def test_a_malformed_idempotency_key_is_refused(client, db, setup, key):
    round_id, _ = setup
    token = api_login(client, "thisinh1")
    response = client.post(f"/api/v1/rounds/{round_id}/attempts", headers={"X-CSRFToken": token, "Idempotency-Key": key})
    assert response.status_code in (400, 422)
    assert "Idempotency-Key" in response.get_json()["error"]["message"]
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0


def test_round_not_open_before_and_after(client, db, traveller):
    make_bank(3)
    round_ = make_round(questions=2, opens_at=OPEN + timedelta(hours=1), closes_at=OPEN + timedelta(hours=2))
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    early = start(client, token, round_.id)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "round_not_open"
    traveller.move_to(OPEN + timedelta(hours=2))
    assert start(client, token, round_.id).get_json()["error"]["code"] == "round_not_open"
    traveller.move_to(OPEN + timedelta(hours=1))
    assert start(client, token, round_.id).status_code == 201


def test_deadline_is_capped_at_round_close(client, db, traveller):
    make_bank(3)
    round_ = make_round(questions=2, opens_at=OPEN, closes_at=OPEN + timedelta(minutes=4))
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    assert start(client, token, round_.id).get_json()["deadline"] == (OPEN + timedelta(minutes=4)).isoformat()


def test_eligibility_by_unit_and_parent_unit(client, db, traveller):
    make_bank(3)
    province = make_unit(code="TINH")
    district = make_unit(code="HUYEN", parent_id=province.id)
    other = make_unit(code="KHAC")
    round_ = make_round(questions=2, unit_codes=["TINH"], opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    make_user(username="inside", unit_id=district.id)
    make_user(username="outside", unit_id=other.id)
    make_user(username="nounit")
    db.commit()
    token = None
    for username, status in (("inside", 201), ("outside", 403), ("nounit", 403)):
        if token:
            assert client.delete("/api/v1/session", headers={"X-CSRFToken": token}).status_code == 200
        token = api_login(client, username)
        response = start(client, token, round_.id)
        assert response.status_code == status, username
    assert response.get_json()["error"]["code"] == "not_eligible"


def test_staff_cannot_take_a_round(client, db, setup):
    round_id, _ = setup
    make_user(username="btc", role="organizer")
    db.commit()
    token = api_login(client, "btc")
    assert start(client, token, round_id).status_code == 403


def test_unpublished_or_unknown_round_is_404(client, db, traveller):
    make_bank(3)
    hidden = make_round(questions=2, publish=False, opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    assert start(client, token, hidden.id).status_code == 404
    assert start(client, token, 987654).status_code == 404


def test_retired_questions_are_never_drawn(client, db, traveller):
    from contest.services.quiz import draw

    draw.clear_cache()
    active = make_bank(2)
    retired = make_bank(5, status="retired")
    round_ = make_round(questions=2, opens_at=OPEN, closes_at=OPEN + timedelta(days=1), max_attempts=None)
    make_user(username="ts")
    db.commit()
    token = api_login(client, "ts")
    drawn = set()
    for _ in range(5):
        body = start(client, token, round_.id).get_json()
        drawn |= {q["id"] for q in body["questions"]}
        client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={}, headers={"X-CSRFToken": token})
    assert drawn == {q.id for q in active}
    assert not drawn & {q.id for q in retired}


def test_logout_ends_the_api_session(client, db, setup):
    token = api_login(client, "thisinh1")
    assert client.get("/api/v1/rounds").status_code == 200
    assert client.delete("/api/v1/session").status_code == 400  # a logout is a change: CSRF applies
    assert client.get("/api/v1/rounds").status_code == 200
    assert client.delete("/api/v1/session", headers={"X-CSRFToken": token}).status_code == 200
    assert client.get("/api/v1/rounds").status_code == 401
