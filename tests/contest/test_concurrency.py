"""Races settled by the database: fifty starts at once, double submits, saves racing a submit."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from contest.models import Answer, Attempt
from core.db import now_utc
from tests.factories import PASSWORD, make_bank, make_round, make_user

THREADS = 50


def logged_in_clients(app, username: str, count: int):
    """`count` clients sharing one login: the same person's tabs and devices."""
    first = app.test_client()
    token = first.post("/api/v1/session", json={"username": username, "password": PASSWORD}).get_json()["csrf_token"]
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        clients.append(client)
    return clients, token


def test_fifty_simultaneous_starts_make_one_attempt(app, db):
    make_bank(5)
    round_ = make_round(questions=3, max_attempts=1, opens_at=now_utc() - timedelta(minutes=1))
    make_user(username="voi")
    db.commit()
    round_id = round_.id
    clients, token = logged_in_clients(app, "voi", THREADS)

    def start(client):
        response = client.post(f"/api/v1/rounds/{round_id}/attempts", headers={"X-CSRFToken": token})
        return response.status_code, (response.get_json() or {}).get("attempt_id")

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(start, clients))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201}, statuses
    assert len({attempt_id for _, attempt_id in results}) == 1
    assert db.scalar(select(func.count()).select_from(Attempt)) == 1


def test_double_submit_and_late_saves_race(app, db):
    make_bank(4)
    round_ = make_round(questions=4, max_attempts=1, opens_at=now_utc() - timedelta(minutes=1))
    make_user(username="tho")
    db.commit()
    round_id = round_.id
    clients, token = logged_in_clients(app, "tho", 12)
    body = clients[0].post(f"/api/v1/rounds/{round_id}/attempts", headers={"X-CSRFToken": token}).get_json()
    attempt_id = body["attempt_id"]
    questions = body["questions"]

    def act(index):
        client = clients[index]
        if index % 3 == 0:
            response = client.post(f"/api/v1/attempts/{attempt_id}/submit", json={}, headers={"X-CSRFToken": token})
            return "submit", response.status_code, None
        question = questions[index % len(questions)]
        choice = question["choices"][index % 4]["id"]
        response = client.put(
            f"/api/v1/attempts/{attempt_id}/answers/{question['id']}", json={"choice_id": choice},
            headers={"X-CSRFToken": token},
        )
        return "save", response.status_code, (question["id"], choice)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(act, range(12)))
    assert all(status == 200 for kind, status, _ in results if kind == "submit"), results
    assert all(status in (200, 409) for kind, status, _ in results if kind == "save"), results
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    stored = dict(db.execute(select(Answer.question_id, Answer.choice_id).where(Answer.attempt_id == attempt_id)).all())
    # Every acknowledged save is stored, and counted by the score the submit computed.
    acked = [payload for kind, status, payload in results if kind == "save" and status == 200]
    for question_id, _choice in acked:
        assert question_id in stored
    from contest.services.quiz import scoring

    assert attempt.score == scoring.scores(db, [attempt_id]).get(attempt_id, 0)
    assert attempt.finished_by == "participant"
