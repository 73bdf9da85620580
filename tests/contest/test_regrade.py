"""Fixing an answer key: the key moves, exactly the finished attempts that drew it are rescored, audited."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from contest.errors import NotFound, ValidationFailed
from contest.extensions import db as _db
from contest.models import Attempt, AuditLog
from contest.services.results.item_stats import item_stats
from contest.services.results.regrade import set_correct_choice
from question_bank.models import Choice
from tests.contest.test_item_stats import OPEN, make_attempt
from tests.factories import make_question, make_round, make_user

A, B, C, D = range(4)


@pytest.fixture
def setup(db):
    """Q1's key is A but should be B. Attempts (score before → after moving the key to B):

    f1  Q1 B, Q2 right        1 → 2
    f2  Q1 A, Q2 right        2 → 1
    f3  Q1 C, Q2 right        1 → 1   (drew Q1, unchanged)
    f4  Q1 unanswered         1 → 1
    f5  Q2, Q3 only           2 → 2   (never drew Q1)
    u1  Q1 B, unfinished      None → None
    g1  other round, Q1 B, 2 points per question   0 → 2
    """
    q1 = make_question(text="Cơ quan nào chủ trì Đề án 06?",
                       choices=["Bộ Nội vụ", "Bộ Công an", "Bộ Tư pháp", "Văn phòng Chính phủ"], correct=A)
    q2, q3 = make_question(correct=A), make_question(correct=A)
    round_ = make_round(questions=2, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    other = make_round(questions=2, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    user, organizer = make_user(), make_user(role="organizer")
    attempts = {
        "f1": make_attempt(db, round_, user, {q1: B, q2: A}, number=1),
        "f2": make_attempt(db, round_, user, {q1: A, q2: A}, number=2),
        "f3": make_attempt(db, round_, user, {q1: C, q2: A}, number=3),
        "f4": make_attempt(db, round_, user, {q1: None, q2: A}, number=4),
        "f5": make_attempt(db, round_, user, {q2: A, q3: A}, number=5),
        "u1": make_attempt(db, round_, user, {q1: B, q2: A}, number=6, finished=False),
        "g1": make_attempt(db, other, user, {q1: B, q3: B}, number=1, points=2),
    }
    db.commit()
    return q1, {name: a.id for name, a in attempts.items()}, organizer.id


def scores(db, ids: dict) -> dict:
    by_id = dict(db.execute(select(Attempt.id, Attempt.score).where(Attempt.id.in_(ids.values()))).all())
    return {name: by_id[attempt_id] for name, attempt_id in ids.items()}


def correct_positions(db, question) -> list[int]:
    return list(db.scalars(select(Choice.position).where(Choice.question_id == question.id, Choice.is_correct)))


def test_scores_before(db, setup):
    _, ids, _ = setup
    assert scores(db, ids) == {"f1": 1, "f2": 2, "f3": 1, "f4": 1, "f5": 2, "u1": None, "g1": 0}


def test_moving_the_key_rescores_exactly_the_finished_attempts_that_drew_it(db, setup):
    q1, ids, organizer_id = setup
    new_key = q1.choices[B]
    report = set_correct_choice(db, q1.id, new_key.id, organizer_id, ip="203.0.113.7")
    db.commit()

    assert report.changed
    assert (report.before_choice_id, report.after_choice_id) == (q1.choices[A].id, new_key.id)
    assert report.question_id == q1.id
    assert (report.attempts_affected, report.scores_changed) == (5, 3)  # f1 f2 f3 f4 g1; f1 f2 g1
    assert correct_positions(db, q1) == [B]
    assert scores(db, ids) == {"f1": 2, "f2": 1, "f3": 1, "f4": 1, "f5": 2, "u1": None, "g1": 2}


def test_the_audit_row(db, setup):
    q1, _, organizer_id = setup
    set_correct_choice(db, q1.id, q1.choices[B].id, organizer_id, ip="203.0.113.7")
    db.commit()
    entry = db.scalars(select(AuditLog)).one()
    assert (entry.action, entry.user_id, entry.target, entry.ip) == (
        "question_regraded", organizer_id, f"Câu hỏi #{q1.id}", "203.0.113.7")
    assert entry.details == {
        "question_id": q1.id,
        "before": {"choice_id": q1.choices[A].id, "letter": "A", "text": "Bộ Nội vụ"},
        "after": {"choice_id": q1.choices[B].id, "letter": "B", "text": "Bộ Công an"},
        "attempts_affected": 5,
        "scores_changed": 3,
    }


def test_one_update_statement_rescores(db, setup):
    q1, _, organizer_id = setup
    updates = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE ATTEMPT"):
            updates.append(statement)

    event.listen(_db.engine, "before_cursor_execute", before)
    try:
        set_correct_choice(db, q1.id, q1.choices[B].id, organizer_id)
    finally:
        event.remove(_db.engine, "before_cursor_execute", before)
    assert len(updates) == 1


def test_loaded_attempts_see_the_new_score(db, setup):
    q1, ids, organizer_id = setup
    f1 = db.get(Attempt, ids["f1"])
    assert f1.score == 1
    set_correct_choice(db, q1.id, q1.choices[B].id, organizer_id)
    assert f1.score == 2


def test_item_statistics_follow_the_new_key(db, setup):
    q1, ids, organizer_id = setup
    set_correct_choice(db, q1.id, q1.choices[B].id, organizer_id)
    db.commit()
    stat = next(s for s in item_stats(db, db.get(Attempt, ids["f1"]).round) if s.question_id == q1.id)
    assert (stat.drawn, stat.answered, stat.correct) == (4, 3, 1)
    assert [c.is_correct for c in stat.choices] == [False, True, False, False]


def test_moving_back_restores_the_scores(db, setup):
    q1, ids, organizer_id = setup
    set_correct_choice(db, q1.id, q1.choices[B].id, organizer_id)
    db.commit()
    report = set_correct_choice(db, q1.id, q1.choices[A].id, organizer_id)
    db.commit()
    assert (report.attempts_affected, report.scores_changed) == (5, 3)
    assert scores(db, ids) == {"f1": 1, "f2": 2, "f3": 1, "f4": 1, "f5": 2, "u1": None, "g1": 0}
    assert len(db.scalars(select(AuditLog)).all()) == 2


def test_the_current_key_is_a_no_op(db, setup):
    q1, ids, organizer_id = setup
    db.execute(Attempt.__table__.update().where(Attempt.id == ids["f1"]).values(score=9))  # a drift it must not touch
    db.commit()
    report = set_correct_choice(db, q1.id, q1.choices[A].id, organizer_id)
    db.commit()
    assert not report.changed
    assert (report.before_choice_id, report.after_choice_id) == (q1.choices[A].id, q1.choices[A].id)
    assert (report.attempts_affected, report.scores_changed) == (0, 0)
    assert correct_positions(db, q1) == [A]
    assert scores(db, ids)["f1"] == 9
    assert db.scalars(select(AuditLog)).all() == []


@pytest.mark.parametrize(
    "case, error, message",
    [
        ("other_question", ValidationFailed, "không thuộc câu hỏi số"),
        ("no_such_choice", NotFound, "Không tìm thấy phương án số"),
        ("no_such_question", NotFound, "Không tìm thấy câu hỏi số"),
    ],
)
def test_refusals_change_nothing(db, setup, case, error, message):
    q1, ids, organizer_id = setup
    stranger = make_question(correct=A)
    db.commit()
    question_id, choice_id = {
        "other_question": (q1.id, stranger.choices[B].id),
        "no_such_choice": (q1.id, 999_999),
        "no_such_question": (999_999, q1.choices[B].id),
    }[case]
    with pytest.raises(error, match=message) as raised:
        set_correct_choice(db, question_id, choice_id, organizer_id)
    db.rollback()
    assert raised.value.status in (404, 422)
    assert correct_positions(db, q1) == [A] and correct_positions(db, stranger) == [A]
    assert scores(db, ids) == {"f1": 1, "f2": 2, "f3": 1, "f4": 1, "f5": 2, "u1": None, "g1": 0}
    assert db.scalars(select(AuditLog)).all() == []
