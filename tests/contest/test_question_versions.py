"""Questions in use (SPEC §9): an attempt shows the texts it started with, whatever the bank
does meanwhile, and an organizer scoped to some contests cannot change a question that an open
round of another contest drew. Both engines."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import Attempt, ContestStaff
from contest.services.quiz import draw
from contest.services.results.item_stats import item_stats
from question_bank import catalog
from question_bank.models import Question, QuestionVersion
from tests.conftest import AuthActions, csrf_token
from tests.factories import PASSWORD, make_bank, make_contest, make_round, make_user

NEW_STEM = "Nội dung mới do ban tổ chức viết lại giữa giờ thi?"
NEW_CHOICE = "Phương án A viết lại"
REASON = "đợt thi đang mở của 1 cuộc thi bạn không phụ trách"


@pytest.fixture
def live(db):
    """Contest A with an open round drawing all 3 questions of the bank; contest B; the staff."""
    questions = make_bank(3)
    contest_a, contest_b = make_contest(name="Cuộc thi A"), make_contest(name="Cuộc thi B")
    round_a = make_round(contest_a, questions=3, show_score=True, opens_at=_now() - timedelta(minutes=5))
    make_round(contest_b, questions=3, opens_at=_now() - timedelta(minutes=5))
    for name in ("thisinh1", "thisinh2"):
        make_user(username=name)
    scoped_b = make_user(role="organizer", username="btc_b")
    scoped_a = make_user(role="organizer", username="btc_a")
    make_user(role="organizer", username="btc_chung")  # no contest_staff rows: every contest
    make_user(role="admin", username="quantri")
    db.add_all([ContestStaff(contest=contest_b, user=scoped_b), ContestStaff(contest=contest_a, user=scoped_a)])
    db.commit()
    return {"round": round_a.id, "questions": [q.id for q in questions],
            "texts": {q.id: (q.text, [c.text for c in q.choices]) for q in questions}}


def _now():
    from core.db import now_utc

    return now_utc()


def api_client(app, username):
    client = app.test_client()
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return client, {"X-CSRFToken": response.get_json()["csrf_token"]}


def web_client(app, username):
    client = app.test_client()
    assert AuthActions(client).login(username, PASSWORD).status_code == 302
    return client


def start(app, username, round_id):
    client, headers = api_client(app, username)
    response = client.post(f"/api/v1/rounds/{round_id}/attempts", headers=headers)
    assert response.status_code == 201, response.get_json()
    return client, headers, response.get_json()


def edit_form(client, question_id, texts, **changes) -> dict:
    stem, choices = texts
    data = {"csrf_token": csrf_token(client, f"/bank/questions/{question_id}/edit"), "text": stem,
            "correct": "A", "topic": "Chủ đề chung", "difficulty": "medium", "source": "", "explanation": ""}
    data.update({f"choices-{i}": text for i, text in enumerate(choices)})
    data.update(changes)
    return data


def rewrite(client, question_id, texts):
    """The finding: the stem and choice A rewritten, the key and the set of choices kept."""
    return client.post(f"/bank/questions/{question_id}/edit",
                       data=edit_form(client, question_id, texts, text=NEW_STEM, **{"choices-0": NEW_CHOICE}))


def shown(body, question_id):
    question = next(q for q in body["questions"] if q["id"] == question_id)
    return question["text"], sorted(c["text"] for c in question["choices"])


def stored(db, question_id):
    db.rollback()
    question = db.get(Question, question_id)
    versions = db.scalar(select(func.count()).select_from(QuestionVersion)
                         .where(QuestionVersion.question_id == question_id))
    return question.text, question.status, question.version, versions


# --- an attempt keeps its texts ----------------------------------------------------------------

def test_running_attempt_keeps_the_texts_it_started_with(app, db, live):
    participant, headers, body = start(app, "thisinh1", live["round"])
    qid = body["questions"][0]["id"]
    before = shown(body, qid)
    assert before == (live["texts"][qid][0], sorted(live["texts"][qid][1]))

    organizer = web_client(app, "btc_chung")
    assert rewrite(organizer, qid, live["texts"][qid]).status_code == 302
    assert stored(db, qid) == (NEW_STEM, "active", 2, 1)

    for cold in (False, True):  # this worker, and a worker whose caches never saw the question
        if cold:
            draw.clear_cache()
        again = participant.get(f"/api/v1/attempts/{body['attempt_id']}").get_json()
        assert shown(again, qid) == before
        assert [c["id"] for c in again["questions"][0]["choices"]] == [c["id"] for c in body["questions"][0]["choices"]]
        page = participant.get(f"/attempts/{body['attempt_id']}").get_data(as_text=True)
        assert before[0] in page and NEW_STEM not in page and NEW_CHOICE not in page

    # A saved answer (choice ids never change) is scored as before.
    key = db.get(Question, qid).correct_choice.id
    assert participant.put(f"/api/v1/attempts/{body['attempt_id']}/answers/{qid}", json={"choice_id": key},
                           headers=headers).status_code == 200
    submitted = participant.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={"prediction": 1},
                                 headers=headers).get_json()
    assert submitted["status"] == "submitted"  # one of three answered: the total waits for the close (SPEC §9)
    db.rollback()
    assert db.get(Attempt, body["attempt_id"]).score == 1

    # A new attempt shows the new texts.
    _client, _headers, fresh = start(app, "thisinh2", live["round"])
    assert shown(fresh, qid) == (NEW_STEM, sorted([NEW_CHOICE, *live["texts"][qid][1][1:]]))

    # The finished attempt and its receipt keep the old texts.
    finished = participant.get(f"/api/v1/attempts/{body['attempt_id']}").get_json()
    assert finished["status"] == "finished" and shown(finished, qid) == before
    receipt = participant.get(f"/attempts/{body['attempt_id']}/receipt").get_data(as_text=True)
    assert "1/3" in receipt and NEW_STEM not in receipt


def test_item_statistics_keep_each_versions_texts(app, db, live):
    participant, headers, body = start(app, "thisinh1", live["round"])
    qid = body["questions"][0]["id"]
    old_stem, old_choices = live["texts"][qid]
    assert rewrite(web_client(app, "quantri"), qid, live["texts"][qid]).status_code == 302
    participant.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={"prediction": 1}, headers=headers)

    db.rollback()
    stats = [s for s in item_stats(db, db.get(Attempt, body["attempt_id"]).round) if s.question_id == qid]
    assert [(s.version, s.text, [c.text for c in s.choices]) for s in stats] == [(1, old_stem, old_choices)]

    other, other_headers, later = start(app, "thisinh2", live["round"])
    other.post(f"/api/v1/attempts/{later['attempt_id']}/submit", json={"prediction": 1}, headers=other_headers)
    db.rollback()
    stats = [s for s in item_stats(db, db.get(Attempt, body["attempt_id"]).round) if s.question_id == qid]
    assert [(s.version, s.text, s.choices[0].text, s.drawn) for s in stats] == [
        (1, old_stem, old_choices[0], 1), (2, NEW_STEM, NEW_CHOICE, 1)]
    assert [c.choice_id for c in stats[0].choices] == [c.choice_id for c in stats[1].choices]

    page = web_client(app, "quantri").get(f"/results/rounds/{live['round']}/items").get_data(as_text=True)
    assert old_stem in page and NEW_STEM in page and "phiên bản 2" in page


def test_a_cache_refilled_before_the_edit_commits_never_shows_old_texts_to_new_attempts(app, db, live):
    """A request on the same worker may cache the old texts while the edit is not yet committed
    (the bank's signal clears the caches only after the commit; another worker never hears it).
    Keyed by version, they are never shown as new."""
    qid = live["questions"][0]
    question = db.get(Question, qid)
    stem, choices = live["texts"][qid]
    catalog.update_question(db, question, catalog.QuestionEdit(NEW_STEM, [NEW_CHOICE, *choices[1:]], 0,
                                                               topic="Chủ đề chung"))
    with app.app_context():  # another request, its own session: it sees the committed version 1
        from contest.extensions import db as other

        assert draw.payloads(other.session, {qid: 1})[qid].text == stem
    db.commit()
    _client, _headers, body = start(app, "thisinh1", live["round"])
    assert shown(body, qid)[0] == NEW_STEM


def test_every_change_of_what_a_reader_sees_is_a_version_and_nothing_else_is(app, db, live):
    qid = live["questions"][1]
    organizer = web_client(app, "btc_chung")
    texts = live["texts"][qid]
    assert organizer.post(f"/bank/questions/{qid}/edit",
                          data=edit_form(organizer, qid, texts, difficulty="hard", topic="Chủ đề khác")).status_code == 302
    assert stored(db, qid)[2:] == (1, 0)  # topic and level: no reader sees them
    assert organizer.post(f"/bank/questions/{qid}/edit",
                          data=edit_form(organizer, qid, texts, explanation="Theo Nghị quyết 76.")).status_code == 302
    assert stored(db, qid)[2:] == (2, 1)
    kept = db.get(QuestionVersion, (qid, 1))
    assert (kept.text, [text for _id, text in kept.choices], kept.explanation) == (texts[0], texts[1], None)
    assert [cid for cid, _text in kept.choices] == [c.id for c in db.get(Question, qid).choices]


# --- scoped organizers -------------------------------------------------------------------------

def _change(client, action, question_id, texts):
    if action == "edit":
        return rewrite(client, question_id, texts)
    token = csrf_token(client, f"/bank/questions/{question_id}/edit")
    return client.post(f"/bank/questions/{question_id}/retire", data={"csrf_token": token})


@pytest.mark.parametrize("action", ["edit", "retire"])
def test_scoped_organizer_cannot_change_a_question_live_in_a_contest_they_do_not_run(app, db, live, action):
    _participant, _headers, body = start(app, "thisinh1", live["round"])
    qid = body["questions"][0]["id"]
    before = stored(db, qid)
    organizer = web_client(app, "btc_b")
    warned = organizer.get(f"/bank/questions/{qid}/edit")  # said before anything is typed
    assert warned.status_code == 200 and REASON in warned.get_data(as_text=True)
    response = _change(organizer, action, qid, live["texts"][qid])
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert REASON in page and "Chưa lưu được vì:" in page
    assert stored(db, qid) == before == (live["texts"][qid][0], "active", 1, 0)


@pytest.mark.parametrize("action", ["edit", "retire"])
@pytest.mark.parametrize("who", ["btc_a", "btc_chung", "quantri"])
def test_organizers_of_that_contest_unscoped_ones_and_admins_may(app, db, live, action, who):
    _participant, _headers, body = start(app, "thisinh1", live["round"])
    qid = body["questions"][0]["id"]
    organizer = web_client(app, who)
    assert REASON not in organizer.get(f"/bank/questions/{qid}/edit").get_data(as_text=True)
    assert _change(organizer, action, qid, live["texts"][qid]).status_code == 302
    assert stored(db, qid) == ((NEW_STEM, "active", 2, 1) if action == "edit"
                               else (live["texts"][qid][0], "retired", 1, 0))


def test_scoped_organizer_may_change_it_once_the_round_is_over_or_if_never_drawn(app, db, live):
    participant, headers, body = start(app, "thisinh1", live["round"])
    participant.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={"prediction": 1}, headers=headers)
    qid, spare = body["questions"][0]["id"], make_bank(1)[0]
    spare_texts = (spare.text, [c.text for c in spare.choices])
    db.commit()
    organizer = web_client(app, "btc_b")
    assert rewrite(organizer, spare.id, spare_texts).status_code == 302  # drawn nowhere
    assert rewrite(organizer, qid, live["texts"][qid]).status_code == 403  # the window is still open
    with time_machine.travel(_now() + timedelta(days=8), tick=False):  # closed, every attempt finished
        organizer = web_client(app, "btc_b")
        assert rewrite(organizer, qid, live["texts"][qid]).status_code == 302
    assert stored(db, qid) == (NEW_STEM, "active", 2, 1)


def test_an_unfinished_attempt_keeps_a_closed_round_open(app, db, live):
    _participant, _headers, body = start(app, "thisinh1", live["round"])
    qid = body["questions"][0]["id"]
    with time_machine.travel(_now() + timedelta(days=8), tick=False):  # past closes, not yet finalised
        assert rewrite(web_client(app, "btc_b"), qid, live["texts"][qid]).status_code == 403
    assert stored(db, qid)[2] == 1
