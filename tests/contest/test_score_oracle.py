"""The key oracle (SPEC §9): a score shown right after submitting tells the total only, only for
an attempt that answered every question, and never when the contest forbids it."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from contest.models import Attempt, AuditLog, Contest, Round
from question_bank.models import Choice
from tests.support import api_login, csrf_token
from tests.contest.test_admin_pages import round_form
from tests.factories import make_bank, make_contest, make_round, make_user

OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
CLOSE = OPEN + timedelta(days=7)


@pytest.fixture
def traveller():
    with time_machine.travel(OPEN + timedelta(hours=1), tick=False) as traveller:
        yield traveller


def choices_of(db, question) -> tuple[int, int]:
    """(right, wrong) choice ids of one question of an attempt body."""
    ids = [c["id"] for c in question["choices"]]
    right = db.scalar(select(Choice.id).where(Choice.id.in_(ids), Choice.is_correct))
    return right, next(cid for cid in ids if cid != right)


def probe(client, db, traveller, round_id, username, *, pick, answer_all=False):
    """A throwaway account's attempt: one probed answer (`pick` of the first question: "right" or
    "wrong"), or every question answered; submitted 2 minutes later. Returns what it can read.
    Every probe runs at the same clock times, so only the answer differs between two probes."""
    traveller.move_to(OPEN + timedelta(hours=1))
    headers = api_login(client, username)
    body = client.post(f"/api/v1/rounds/{round_id}/attempts", headers=headers).get_json()
    questions = body["questions"] if answer_all else body["questions"][:1]
    answers = {}
    for question in questions:
        right, wrong = choices_of(db, question)
        answers[str(question["id"])] = right if pick == "right" else wrong
    traveller.shift(timedelta(minutes=2))
    submitted = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", json={"answers": answers},
                            headers=headers)
    assert submitted.status_code == 200
    state = client.get(f"/api/v1/attempts/{body['attempt_id']}").get_json()
    receipt = client.get(f"/attempts/{body['attempt_id']}/receipt").get_data(as_text=True)
    index = client.get("/").get_data(as_text=True)
    client.delete("/api/v1/session", headers=headers)
    return submitted.get_json(), state, receipt, index


def scrub(text: str, *codes: str) -> str:
    """A page without what differs between any two attempts: receipt codes, times, ids, tokens."""
    for code in codes:
        text = text.replace(code, "CODE")
    text = re.sub(r'content="[^"]+"', "", text)  # csrf meta
    text = re.sub(r'value="[^"]+"', "", text)  # csrf fields
    return re.sub(r"/attempts/\d+", "/attempts/N", text)


@pytest.fixture
def oracle_round(db, traveller):
    """The issue's setting: open registration, several attempts, scores shown right after submitting."""
    make_bank(3)
    contest = make_contest(registration_open=True)
    round_ = make_round(contest, questions=3, show_score=True, max_attempts=5, opens_at=OPEN, closes_at=CLOSE,
                        prediction_prompt=None)
    for name in ("probe_right", "probe_wrong", "real"):
        make_user(username=name, full_name="Thí sinh")
    db.commit()
    return round_


def test_a_one_answer_probe_learns_nothing_about_its_answer(client, db, traveller, oracle_round):
    """Before: each throwaway account read 1/3 or 0/3 on its receipt (and in the API)."""
    right = probe(client, db, traveller, oracle_round.id, "probe_right", pick="right")
    wrong = probe(client, db, traveller, oracle_round.id, "probe_wrong", pick="wrong")
    scores = dict(db.execute(select(Attempt.user_id, Attempt.score)).all())
    assert sorted(scores.values()) == [0, 1]  # the server knows; the prober must not
    for submitted, state, receipt, index in (right, wrong):
        assert "score" not in submitted and "max_score" not in submitted
        assert not {"score", "max_score", "review", "correct_choice_id"} & set(state)
        assert "receipt-score" not in receipt and 'id="score-withheld"' in receipt
        assert "Bạn chưa trả lời hết các câu hỏi nên điểm sẽ được công bố khi đợt thi kết thúc" in receipt
        assert not re.search(r"Điểm <strong>", index)
    # Everything a probe reads is the same whether its answer was right or wrong.
    codes = list(db.scalars(select(Attempt.receipt_code)))
    assert {k: v for k, v in right[0].items() if k != "receipt_code"} == \
           {k: v for k, v in wrong[0].items() if k != "receipt_code"}
    assert scrub(right[2], *codes, "probe_right") == scrub(wrong[2], *codes, "probe_wrong")
    assert {k: v for k, v in right[1].items() if k not in ("attempt_id", "questions", "answers", "server_now")} == \
           {k: v for k, v in wrong[1].items() if k not in ("attempt_id", "questions", "answers", "server_now")}


def test_a_complete_attempt_sees_its_total_only(client, db, traveller, oracle_round):
    submitted, state, receipt, index = probe(client, db, traveller, oracle_round.id, "real", pick="right",
                                             answer_all=True)
    assert (submitted["score"], submitted["max_score"]) == (3, 3)
    assert set(submitted) == {"status", "submitted_at", "duration_seconds", "receipt_code", "score", "max_score"}
    assert not {"score", "review", "correct_choice_id"} & set(state)  # nothing per question
    assert 'id="receipt-score"><strong>3/3</strong>' in receipt
    assert "Chỉ hiện tổng điểm; đáp án từng câu được công bố sau khi đợt thi kết thúc." in receipt
    assert re.search(r"Điểm <strong>3/3</strong>", index)


def test_a_contest_that_forbids_it_shows_no_score_even_for_old_rounds(client, db, traveller, oracle_round):
    contest = db.get(Contest, oracle_round.contest_id)
    contest.forbid_immediate_score = True  # set after the round was made with show_score
    db.commit()
    submitted, state, receipt, index = probe(client, db, traveller, oracle_round.id, "real", pick="right",
                                             answer_all=True)
    assert "score" not in submitted and "receipt-score" not in receipt
    assert "Điểm sẽ được công bố sau khi đợt thi kết thúc." in receipt
    assert not re.search(r"Điểm <strong>", index)
    rules = client.get(f"/rounds/{oracle_round.id}").get_data(as_text=True)
    assert "Điểm được công bố sau khi đợt thi kết thúc." in rules


# --- the organizer's side ----------------------------------------------------------------------
@pytest.fixture
def organizer(client, auth, db):
    make_user(role="organizer", username="btc")
    make_bank(6)
    db.commit()
    auth.login("btc")


def test_contest_form_sets_the_ban(client, db, organizer):
    page = client.get("/admin/contests/new").get_data(as_text=True)
    assert "Không cho hiện điểm ngay sau khi nộp bài (chống dò đáp án)" in page
    response = client.post("/admin/contests/new", data={
        "csrf_token": csrf_token(client), "name": "Cuộc thi có giải", "forbid_immediate_score": "y"})
    assert response.status_code == 302
    contest = db.scalar(select(Contest))
    assert contest.forbid_immediate_score is True
    response = client.post(f"/admin/contests/{contest.id}/edit", data={
        "csrf_token": csrf_token(client), "name": "Cuộc thi có giải"})
    assert response.status_code == 302
    db.refresh(contest)
    assert contest.forbid_immediate_score is False
    log = db.scalars(select(AuditLog).where(AuditLog.action == "contest_updated")).one()
    assert log.details["forbid_immediate_score"] is False


def test_round_form_refuses_an_immediate_score_when_the_contest_forbids_it(client, db, organizer):
    contest = make_contest(forbid_immediate_score=True)
    db.commit()
    form = client.get(f"/admin/contests/{contest.id}/rounds/new").get_data(as_text=True)
    assert "tổng điểm vẫn là cách dò đáp án" in form
    assert "Cuộc thi này không cho hiện điểm ngay sau khi nộp bài" in form
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(client, show_score="now"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="show_score-error"[^>]*>[^<]*Cuộc thi này không cho hiện điểm ngay sau khi nộp bài '
                     r'\(chống dò đáp án\)', page) or \
        "Cuộc thi này không cho hiện điểm ngay sau khi nộp bài (chống dò đáp án); hãy chọn" in page
    assert db.scalar(select(Round.id)) is None
    done = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(client, show_score="after"))
    assert done.status_code == 302
    assert db.scalar(select(Round.show_score)) is False


def test_round_form_warns_when_registration_is_open_and_keeps_the_minimum(client, db, organizer):
    contest = make_contest(registration_open=True)
    db.commit()
    form = client.get(f"/admin/contests/{contest.id}/rounds/new").get_data(as_text=True)
    assert "Cuộc thi này đang cho tự đăng ký tài khoản" in form
    assert 'name="min_seconds_per_question"' in form and 'value="3"' in form
    bad = client.post(f"/admin/contests/{contest.id}/rounds/new",
                      data=round_form(client, min_seconds_per_question="-1"))
    assert bad.status_code == 400
    assert "Thời gian tối thiểu mỗi câu phải từ 0 đến 600 giây." in bad.get_data(as_text=True)
    assert db.scalar(select(Round.id)) is None
    done = client.post(f"/admin/contests/{contest.id}/rounds/new",
                       data=round_form(client, min_seconds_per_question="12"))
    assert done.status_code == 302
    round_ = db.scalar(select(Round))
    assert round_.min_seconds_per_question == 12
    edit = client.get(f"/admin/rounds/{round_.id}/edit").get_data(as_text=True)
    assert re.search(r'name="min_seconds_per_question"[^>]*value="12"|value="12"[^>]*name="min_seconds_per_question"',
                     edit)


def test_create_round_command_refuses_show_score_for_a_forbidding_contest(runner, db):
    make_bank(3)
    make_contest(name="Cuộc thi có giải", forbid_immediate_score=True)
    db.commit()
    result = runner.invoke(args=["create-round", "Tuần 1", "--contest", "Cuộc thi có giải", "--questions", "3",
                                 "--duration-seconds", "600", "--show-score"])
    assert result.exit_code != 0
    assert "Cuộc thi này không cho hiện điểm ngay sau khi nộp bài" in result.output
    result = runner.invoke(args=["create-round", "Tuần 1", "--contest", "Cuộc thi có giải", "--questions", "3",
                                 "--duration-seconds", "600", "--min-seconds-per-question", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(Round.min_seconds_per_question)) == 5
