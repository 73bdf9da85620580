"""The hot paths of a contest's opening and deadline issue a fixed number of statements (no N+1).

Each path is measured twice, on a small and on a larger case (more questions, more answers, more
ranked attempts): the count must be the same and stay under the bound. Per-process caches (the
draw's pools and texts, the rank order, an attempt's choice orders) are cleared before each
measure, so both are cold: these are the worst cases.
"""
import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import event

from contest.extensions import db as _db
from contest.services.quiz import choice_orders, draw
from contest.services.results import flags, rank_order
from core.db import now_utc
from tests.factories import PASSWORD, finish, make_bank, make_contest, make_round, make_user

# As measured on SQLite, which adds its BEGIN (IMMEDIATE) to each request; PostgreSQL issues one fewer.
# The rankings include the judges' flags (services/results/flags.py): the shown rows' answers, their
# accounts' registrations, and (cold) the round's identical-answer groups: three statements.
BOUNDS = {"start": 12, "load": 6, "save": 2, "submit": 8, "ranking_api": 11, "ranking_page": 16}


@contextlib.contextmanager
def statements(app, *, cold: bool = True):
    seen = []
    with app.app_context():
        engine = _db.engine

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    if cold:
        draw.clear_cache()
        rank_order.clear_cache()
        flags.clear_cache()
        choice_orders.clear()
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def api_login(client, username):
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return {"X-CSRFToken": response.get_json()["csrf_token"]}


@pytest.fixture
def rounds(db):
    """Two open rounds of one contest, drawing 3 and 12 questions from a bank of 12."""
    make_bank(12)
    contest = make_contest()
    small = make_round(contest, questions=3, opens_at=now_utc() - timedelta(minutes=1))
    large = make_round(contest, questions=12, opens_at=now_utc() - timedelta(minutes=1))
    make_user(username="thisinh")
    db.commit()
    return small.id, large.id


def test_quiz_paths_cost_the_same_for_3_or_12_questions(app, client, rounds):
    headers = api_login(client, "thisinh")
    counts = {}
    for round_id in rounds:
        with statements(app) as seen:
            body = client.post(f"/api/v1/rounds/{round_id}/attempts", headers=headers).get_json()
        counts.setdefault("start", []).append(len(seen))
        attempt = body["attempt_id"]
        questions = body["questions"]
        for question in questions[:-1]:  # answers saved before: loading must not cost one query each
            assert client.put(f"/api/v1/attempts/{attempt}/answers/{question['id']}",
                              json={"choice_id": question["choices"][0]["id"]}, headers=headers).status_code == 200
        with statements(app) as seen:
            assert client.get(f"/api/v1/attempts/{attempt}").status_code == 200
        counts.setdefault("load", []).append(len(seen))
        last = questions[-1]
        with statements(app) as seen:  # cold: as on a worker that has not seen this attempt yet
            response = client.put(f"/api/v1/attempts/{attempt}/answers/{last['id']}",
                                  json={"choice_id": last["choices"][1]["id"]}, headers=headers)
        assert response.status_code == 200
        counts.setdefault("save", []).append(len(seen))
        carried = {str(q["id"]): q["choices"][-1]["id"] for q in questions}  # every answer rides along
        with statements(app) as seen:
            response = client.post(f"/api/v1/attempts/{attempt}/submit", json={"prediction": 1, "answers": carried},
                                   headers=headers)
        assert response.status_code == 200
        counts.setdefault("submit", []).append(len(seen))
    for path, (small, large) in counts.items():
        assert small == large, (path, counts)
        assert 0 < small <= BOUNDS[path], (path, counts)


def _ranked(round_, how_many: int) -> None:
    for index in range(how_many):
        finish(round_, make_user(full_name=f"Thí sinh {index}"), index % 7, prediction=index, duration=100 + index)


def test_ranking_costs_the_same_for_3_or_15_ranked_attempts(app, client, db):
    from contest.models import Round

    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    make_user(role="admin", username="quantri")
    _ranked(round_, 3)
    db.commit()
    round_id = round_.id
    headers = api_login(client, "quantri")
    counts = {"ranking_api": [], "ranking_page": []}
    for more in (0, 12):
        if more:
            _ranked(db.get(Round, round_id), more)
            db.commit()
        with statements(app) as seen:
            response = client.get(f"/api/v1/rounds/{round_id}/ranking?limit=50", headers=headers)
        assert len(response.get_json()["rows"]) == 3 + more
        counts["ranking_api"].append(len(seen))
        with statements(app) as seen:
            page = client.get(f"/results/rounds/{round_id}")
        assert page.status_code == 200 and "Thí sinh 2" in page.get_data(as_text=True)
        counts["ranking_page"].append(len(seen))
    for path, (small, large) in counts.items():
        assert small == large, (path, counts)
        assert 0 < small <= BOUNDS[path], (path, counts)


def test_a_save_is_one_statement_on_any_worker(app, client, rounds):
    headers = api_login(client, "thisinh")
    body = client.post(f"/api/v1/rounds/{rounds[0]}/attempts", headers=headers).get_json()
    first, second = body["questions"][:2]
    path = f"/api/v1/attempts/{body['attempt_id']}/answers/"
    for question in (first, second):
        with statements(app) as cold:  # no per-process cache: as on a worker that never saw the attempt
            assert client.put(path + str(question["id"]), json={"choice_id": question["choices"][0]["id"]},
                              headers=headers).status_code == 200
        # The fast path (quick_save.py): account, attempt, deadline and choice checked in the upsert itself.
        assert [s.split()[0] for s in cold if s != "BEGIN IMMEDIATE"] == ["INSERT"]
    with statements(app) as refused:  # a choice the question does not show: nothing written, the
        response = client.put(path + str(second["id"]), json={"choice_id": 10**6}, headers=headers)
    assert response.status_code == 422  # ordinary path names the problem
    assert len(refused) >= 3
