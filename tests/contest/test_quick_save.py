"""The save's fast path (contest/services/quiz/quick_save.py) writes only what the ordinary path would.

The fast path is tried on every save; where it must not write, the ordinary path answers and
the stored answer is checked.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Answer, Attempt
from contest.services.quiz import quick_save
from contest.services.users import user_sessions
from core.db import now_utc
from tests.factories import PASSWORD, make_bank, make_round, make_user


def login(client, username):
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


@pytest.fixture
def taking(app, client, db):
    """A participant logged in with an attempt started (its choice orders cached by the start)."""
    make_bank(4)
    round_ = make_round(questions=2, opens_at=now_utc() - timedelta(minutes=1))
    user = make_user(username="nhanh")
    db.commit()
    headers = login(client, "nhanh")
    body = client.post(f"/api/v1/rounds/{round_.id}/attempts", headers=headers).get_json()
    return user.id, headers, body


def put(client, headers, body, index=0, choice=0):
    question = body["questions"][index]
    return client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{question['id']}",
                      json={"choice_id": question["choices"][choice]["id"]}, headers=headers)


def stored(db, body):
    db.expire_all()
    return {row.question_id: row.choice_id for row in db.scalars(select(Answer).where(Answer.attempt_id == body["attempt_id"]))}


def test_the_fast_path_writes_the_answer(client, db, taking, monkeypatch):
    used = []
    real = quick_save.try_save
    monkeypatch.setattr(quick_save, "try_save", lambda *a, **k: used.append(real(*a, **k)) or used[-1])
    _user, headers, body = taking
    response = put(client, headers, body, choice=2)
    assert response.status_code == 200 and used and used[-1] is not None
    question = body["questions"][0]
    assert stored(db, body) == {question["id"]: question["choices"][2]["id"]}


def test_a_password_changed_elsewhere_ends_the_session_for_saves(app, client, db, taking):
    _user_id, headers, body = taking
    phone = app.test_client()  # the same person, logged in on a second device, changes the password
    login(phone, "nhanh")
    token = phone.get("/account").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    changed = phone.post("/account/password", data={"current_password": PASSWORD, "new_password": "mat-khau-moi-2026",
                                                    "confirm": "mat-khau-moi-2026", "csrf_token": token})
    assert changed.status_code == 302
    assert put(client, headers, body).status_code == 401
    assert stored(db, body) == {}
    assert put(phone, {"X-CSRFToken": token}, body).status_code == 200, "the session that changed it goes on"


def test_a_forged_session_cannot_write_into_someone_elses_attempt(app, client, db, taking):
    _owner, _headers, body = taking
    make_user(username="xamnhap")
    db.commit()
    other = app.test_client()
    headers = login(other, "xamnhap")
    assert put(other, headers, body).status_code == 404
    assert stored(db, body) == {}


def test_a_finished_attempt_takes_no_more_saves(client, db, taking):
    _user, headers, body = taking
    assert client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={}, headers=headers).status_code == 200
    assert put(client, headers, body).status_code == 409
    assert stored(db, body) == {}


def test_a_save_past_the_deadline_and_grace_is_refused(app, client, db, taking):
    _user, headers, body = taking
    attempt = db.get(Attempt, body["attempt_id"])
    attempt.deadline = now_utc() - timedelta(seconds=app.config["SUBMIT_GRACE_SECONDS"] + 5)
    attempt.started_at = attempt.deadline - timedelta(minutes=10)
    db.commit()
    assert put(client, headers, body).status_code == 409
    assert stored(db, body) == {}


def test_a_choice_of_another_question_is_refused(client, db, taking):
    _user, headers, body = taking
    other_choice = body["questions"][1]["choices"][0]["id"]
    question = body["questions"][0]["id"]
    response = client.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{question}",
                          json={"choice_id": other_choice}, headers=headers)
    assert response.status_code in (400, 422)
    assert stored(db, body) == {}


SECRET = "s" * 43


@pytest.mark.parametrize("value", [None, 7, "", "abc", "12", ":k", f":{SECRET}", "1" * 13 + f":{SECRET}", "12:",
                                   "12:short", f"²:{SECRET}", f"12:{SECRET * 3}", f"0:{SECRET}",
                                   f"-1:{SECRET}", f"+1:{SECRET}", f"١٢:{SECRET}", f"{2**31}:{SECRET}"])
def test_malformed_session_values_are_no_principal(value):
    assert user_sessions.parse(value) is None


def test_a_well_formed_session_value_is_read():
    assert user_sessions.parse(f"42:{SECRET}") == (42, SECRET)
