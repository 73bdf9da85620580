"""PUT /api/v1/attempts/{id}/prediction: the prediction is kept before submit, so an attempt the
system finalises at the deadline still carries it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Attempt
from tests.contest.test_api_attempts import GRACE, OPEN, start, traveller  # noqa: F401  (fixture)
from tests.support import api_login
from tests.factories import make_bank, make_round, make_user


@pytest.fixture
def setup(db, traveller):
    make_bank(6)
    with_prediction = make_round(questions=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=7),
                                 prediction_prompt="Bao nhiêu người đạt điểm tối đa?")
    without = make_round(questions=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=7), prediction_prompt=None)
    make_user(username="thisinh1")
    make_user(username="thisinh2")
    db.commit()
    return with_prediction.id, without.id


def put(client, token, attempt_id, body):
    return client.put(f"/api/v1/attempts/{attempt_id}/prediction", json=body, headers={"X-CSRFToken": token})


def test_saved_prediction_survives_system_finalisation(client, db, setup, traveller):
    token = api_login(client, "thisinh1")["X-CSRFToken"]
    attempt_id = start(client, token, setup[0]).get_json()["attempt_id"]
    response = put(client, token, attempt_id, {"prediction": 42})
    assert response.status_code == 200 and response.get_json()["saved_at"].endswith("+00:00")
    traveller.shift(timedelta(minutes=10, seconds=GRACE + 1))
    assert client.get(f"/api/v1/attempts/{attempt_id}").get_json()["status"] == "finished"
    db.expire_all()
    attempt = db.scalars(select(Attempt).where(Attempt.id == attempt_id)).one()
    assert (attempt.finished_by, attempt.prediction) == ("system", 42)
    assert put(client, token, attempt_id, {"prediction": 1}).get_json()["error"]["code"] == "attempt_closed"


def test_null_clears_and_bad_values_are_refused(client, db, setup):
    token = api_login(client, "thisinh1")["X-CSRFToken"]
    attempt_id = start(client, token, setup[0]).get_json()["attempt_id"]
    assert put(client, token, attempt_id, {"prediction": 7}).status_code == 200
    assert put(client, token, attempt_id, {"prediction": None}).status_code == 200
    db.expire_all()
    assert db.get(Attempt, attempt_id).prediction is None
    for body in ({}, {"prediction": -1}, {"prediction": "7"}, {"prediction": 1.5}, {"prediction": True},
                 {"prediction": 10**10}):
        response = put(client, token, attempt_id, body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["message"]


def test_other_people_and_rounds_without_the_question(client, db, setup):
    token = api_login(client, "thisinh1")["X-CSRFToken"]
    attempt_id = start(client, token, setup[0]).get_json()["attempt_id"]
    plain_id = start(client, token, setup[1]).get_json()["attempt_id"]
    response = put(client, token, plain_id, {"prediction": 3})
    assert response.status_code == 422 and "không có câu hỏi dự đoán" in response.get_json()["error"]["message"]
    assert client.put(f"/api/v1/attempts/{attempt_id}/prediction", json={"prediction": 3}).status_code == 400  # no CSRF
    client.delete("/api/v1/session", headers={"X-CSRFToken": token})
    other = api_login(client, "thisinh2")["X-CSRFToken"]
    assert put(client, other, attempt_id, {"prediction": 3}).status_code == 404
