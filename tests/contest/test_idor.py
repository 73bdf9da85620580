"""Someone else's id gets nothing: another participant's attempt, another user's staged upload,
another contest's results, an exclusion or a question of another round. The database shows
that nothing changed, and a 404 for someone else's object looks like a 404 for no object."""
import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from contest.models import Answer, Attempt, ContestStaff, PrizeExclusion, Round, User
from contest.services.quiz import attempts
from core import staging
from question_bank.models import Choice
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_bank, make_contest, make_question, make_round, make_unit, make_user


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    monkeypatch.setattr(User, "set_password", lambda user, password: setattr(
        user, "password_hash", generate_password_hash(password, method="pbkdf2:sha256:1000")))


def _finish(db, round_, user):
    attempt = attempts.start(db, round_, user, grace_seconds=30).attempt
    question_id = attempt.questions[0].question_id
    choice = db.scalar(select(Choice.id).where(Choice.question_id == question_id, Choice.is_correct.is_(False)))
    attempts.submit(db, attempt, prediction=1, answers={question_id: choice}, grace_seconds=30)
    return attempt


@pytest.fixture
def world(db):
    unit = make_unit(code="SNV")
    make_bank(3)
    contest_a, contest_b = make_contest(name="Cuộc thi A"), make_contest(name="Cuộc thi B")
    round_a = make_round(contest_a, questions=3, title="Đợt A", max_attempts=5)
    round_b = make_round(contest_b, questions=3, title="Đợt B", max_attempts=5)
    mine = make_user(username="ts", unit_id=unit.id)
    theirs = make_user(username="ts-khac", full_name="Người Khác", unit_id=unit.id)
    judge, organizer = make_user(role="judge", username="gk"), make_user(role="organizer", username="btc")
    other_organizer = make_user(role="organizer", username="btc-b")
    make_user(role="admin", username="qtv")
    db.add_all([ContestStaff(contest=contest_a, user=judge), ContestStaff(contest=contest_a, user=organizer),
                ContestStaff(contest=contest_b, user=other_organizer)])
    finished_b = _finish(db, round_b, theirs)
    _finish(db, round_a, theirs)
    open_attempt = attempts.start(db, round_a, theirs, grace_seconds=30).attempt
    attempts.start(db, round_a, mine, grace_seconds=30)
    exclusion_b = PrizeExclusion(round_id=round_b.id, user_id=theirs.id, reason="Làm bài hộ")
    db.add(exclusion_b)
    db.commit()
    return {"round_a": round_a.id, "round_b": round_b.id, "contest_a": contest_a.id, "contest_b": contest_b.id,
            "theirs": open_attempt.id, "finished_b": finished_b.id, "exclusion_b": exclusion_b.id,
            "question": open_attempt.questions[0].question_id}


def login(auth, username):
    response = auth.login(username, PASSWORD)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login")


def without_token(response) -> str:
    """The page minus its CSRF tokens (meta and logout form), which are signed with the time, and
    the language switch's way back to the page asked for."""
    page = re.sub(r'"[\w-]+\.[\w-]+\.[\w-]+"', '"token"', response.get_data(as_text=True))
    return re.sub(r'name="next" value="[^"]*"', 'name="next"', page)


def attempt_state(db, attempt_id):
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    answers = db.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt_id))
    return attempt.finished_at, attempt.prediction, answers


# --- attempts ------------------------------------------------------------------------------------
def test_another_participants_attempt_is_not_found_in_the_pages(client, auth, db, world):
    before = attempt_state(db, world["theirs"])
    login(auth, "ts")
    token = csrf_token(client, "/")
    missing = client.get("/attempts/999999")
    for attempt_id in (world["theirs"], world["finished_b"]):
        for path in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/confirm", f"/attempts/{attempt_id}/receipt"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert without_token(response) == without_token(missing), path  # as if there were no such attempt
    choice = db.scalar(select(Choice.id).where(Choice.question_id == world["question"]))
    save = client.post(f"/attempts/{world['theirs']}",
                       data={"csrf_token": token, f"q{world['question']}": str(choice), "prediction": "7"})
    assert save.status_code == 404
    assert client.post(f"/attempts/{world['theirs']}/submit", data={"csrf_token": token}).status_code == 404
    assert attempt_state(db, world["theirs"]) == before


def test_another_participants_attempt_is_not_found_in_the_api(client, auth, db, world):
    before = attempt_state(db, world["theirs"])
    login(auth, "ts")
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    choice = db.scalar(select(Choice.id).where(Choice.question_id == world["question"]))
    theirs, nobody = world["theirs"], 999999
    for attempt_id in (theirs, nobody):
        calls = [
            client.get(f"/api/v1/attempts/{attempt_id}"),
            client.put(f"/api/v1/attempts/{attempt_id}/answers/{world['question']}", json={"choice_id": choice},
                       headers=headers),
            client.post(f"/api/v1/attempts/{attempt_id}/submit", json={"prediction": 3}, headers=headers),
        ]
        for response in calls:
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "not_found"
            assert "questions" not in response.get_json()
    assert attempt_state(db, theirs) == before


@pytest.mark.parametrize("username", ["gk", "btc", "qtv"])
def test_staff_do_not_open_participants_attempts_either(client, auth, db, world, username):
    login(auth, username)
    assert client.get(f"/attempts/{world['theirs']}").status_code == 404
    assert client.get(f"/api/v1/attempts/{world['theirs']}").status_code == 404


# --- staged uploads ------------------------------------------------------------------------------
@pytest.fixture
def staged(app, db, world):
    owner = db.scalar(select(User.id).where(User.username == "btc"))
    tokens = {
        "bank": staging.stage(db, b"Q?\nA. x\nB. y\nANSWER: A\n", kind="bank", user_id=owner,
                              filename="bank.txt").token,
        "units": staging.stage(db, b"ma,ten\n", kind="units", user_id=owner, filename="dv.csv").token,
        "participants": staging.stage(db, b"ten\n", kind="participants", user_id=owner, filename="ts.csv").token,
    }
    db.commit()
    return tokens


@pytest.mark.parametrize("username", ["btc-b", "qtv"])
def test_another_users_staged_upload_is_not_found(client, auth, db, world, staged, username):
    login(auth, username)
    token = csrf_token(client, "/")
    bank, units, people = staged["bank"], staged["units"], staged["participants"]
    assert client.get(f"/bank/import/{bank}").status_code == 404
    assert client.post(f"/bank/import/{bank}/confirm", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/bank/import/{bank}/discard", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/people/units/import/{units}").status_code == 404
    assert client.post(f"/people/units/import/{units}/confirm", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/people/units/import/{units}/discard", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/people/participants/import/{people}").status_code == 404
    assert client.post(f"/people/participants/import/{people}/confirm", data={"csrf_token": token}).status_code == 404
    # Still there for their owner: the refused requests deleted nothing.
    auth.logout()
    login(auth, "btc")
    assert client.get(f"/bank/import/{bank}").status_code == 200
    assert client.get(f"/people/units/import/{units}").status_code == 200
    assert client.get(f"/people/participants/import/{people}").status_code == 200


def test_a_staged_upload_serves_only_the_import_it_was_made_for(client, auth, db, world, staged):
    login(auth, "btc")
    assert client.get(f"/people/participants/import/{staged['units']}").status_code == 404
    assert client.get(f"/people/units/import/{staged['participants']}").status_code == 404
    assert client.get(f"/people/units/import/{staged['bank']}").status_code == 404


# --- results of another contest ------------------------------------------------------------------
def test_scoped_judge_gets_nothing_of_another_contest(client, auth, db, world):
    login(auth, "gk")
    round_b, contest_b = world["round_b"], world["contest_b"]
    for path in (f"/results/rounds/{round_b}", f"/results/rounds/{round_b}/units", f"/results/rounds/{round_b}/charts",
                 f"/results/rounds/{round_b}/items", f"/results/rounds/{round_b}/prizes",
                 f"/results/contests/{contest_b}", f"/results/contests/{contest_b}/units"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "ts-khac" not in response.get_data(as_text=True) and "Người Khác" not in response.get_data(as_text=True)
    for path in (f"/results/rounds/{round_b}/ket-qua.xlsx", f"/results/rounds/{round_b}/individuals.csv"):
        response = client.get(path)
        assert response.status_code == 403 and "attachment" not in response.headers.get("Content-Disposition", "")
    ranking = client.get(f"/api/v1/rounds/{round_b}/ranking")
    assert ranking.status_code == 404 and "rows" not in ranking.get_json()
    listing = client.get("/results/").get_data(as_text=True)
    assert "Cuộc thi A" in listing and "Cuộc thi B" not in listing
    # Their own contest works: the refusals above are about scope, not about judges.
    assert client.get(f"/results/rounds/{world['round_a']}").status_code == 200


def test_scoped_judge_may_not_exclude_in_another_contest(client, auth, db, world):
    login(auth, "gk")
    response = client.post(f"/results/rounds/{world['round_b']}/prizes/exclusions", data={
        "csrf_token": csrf_token(client, "/"), "kind": "user", "identifier": "ts-khac", "reason": "Thử"})
    assert response.status_code == 403
    reinstate = client.post(f"/results/rounds/{world['round_b']}/prizes/exclusions/{world['exclusion_b']}/reinstate",
                            data={"csrf_token": csrf_token(client, "/")})
    assert reinstate.status_code == 403
    assert db.scalar(select(func.count()).select_from(PrizeExclusion)) == 1


def test_scoped_organizer_changes_nothing_of_another_contest(client, auth, db, world):
    login(auth, "btc")
    token = csrf_token(client, "/")
    round_b, contest_b = world["round_b"], world["contest_b"]
    for path in (f"/admin/contests/{contest_b}", f"/admin/contests/{contest_b}/edit", f"/admin/rounds/{round_b}/edit",
                 f"/results/contests/{contest_b}/settings", f"/contests/{contest_b}/registration"):
        assert client.get(path).status_code == 403, path
    for path in (f"/admin/rounds/{round_b}/unpublish", f"/results/rounds/{round_b}/prizes/quotas/individual",
                 f"/admin/contests/{contest_b}/edit"):
        assert client.post(path, data={"csrf_token": token, "name": "Đổi tên", "individual-first": "3"}
                           ).status_code == 403, path
    db.expire_all()
    assert db.get(Round, round_b).is_published


def test_an_exclusion_is_reinstated_only_through_its_own_round(client, auth, db, world):
    login(auth, "qtv")  # even an admin: the URL must name the exclusion's own round
    response = client.post(f"/results/rounds/{world['round_a']}/prizes/exclusions/{world['exclusion_b']}/reinstate",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404
    assert db.scalar(select(func.count()).select_from(PrizeExclusion)) == 1


def test_regrading_a_question_the_round_did_not_draw_is_not_found(client, auth, db, world):
    stranger = make_question(text="Câu hỏi chưa ai rút?")
    db.commit()
    login(auth, "qtv")
    response = client.post(f"/results/rounds/{world['round_a']}/items/{stranger.id}/regrade",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404


def _key(db, question_id):
    db.expire_all()
    return db.scalar(select(Choice.id).where(Choice.question_id == question_id, Choice.is_correct))


def test_scoped_organizer_may_not_regrade_a_question_another_contest_drew(client, auth, db, world):
    """The key lives in the shared bank: a regrade rescores contest B's attempts too."""
    question = world["question"]
    key = _key(db, question)
    other = db.scalar(select(Choice.id).where(Choice.question_id == question, Choice.id != key))
    login(auth, "btc")
    form = {"csrf_token": csrf_token(client, "/"), f"q{question}-choice_id": str(other), f"q{question}-confirm": "1"}
    response = client.post(f"/results/rounds/{world['round_a']}/items/{question}/regrade", data=form)
    assert response.status_code == 403
    assert "1 cuộc thi bạn không phụ trách" in response.get_data(as_text=True)
    assert _key(db, question) == key
    # An admin (who manages every contest) may.
    auth.logout()
    login(auth, "qtv")
    form["csrf_token"] = csrf_token(client, "/")
    response = client.post(f"/results/rounds/{world['round_a']}/items/{question}/regrade", data=form)
    assert response.status_code == 302
    assert _key(db, question) == other


def test_unpublished_results_and_rounds_are_not_found(client, auth, db, world):
    draft = make_round(db.get(Round, world["round_a"]).contest, questions=3, title="Nháp", publish=False)
    db.commit()
    login(auth, "ts")
    assert client.get(f"/rounds/{draft.id}").status_code == 404
    assert client.post(f"/rounds/{draft.id}/start", data={"csrf_token": csrf_token(client, "/")}).status_code == 404
    assert client.post(f"/api/v1/rounds/{draft.id}/attempts", headers={"X-CSRFToken": csrf_token(client, "/")}
                       ).status_code == 404
    assert client.get(f"/results/public/{world['round_a']}").status_code == 404  # results not published
