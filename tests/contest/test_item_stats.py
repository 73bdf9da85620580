"""Item statistics of a round against populations worked out by hand, on both engines."""
import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from contest.extensions import db as _db
from contest.models import Answer, Attempt, AttemptQuestion
from contest.services.quiz import scoring
from contest.services.results.item_stats import group_size, item_stats
from tests.factories import make_question, make_round, make_user

OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
A, B, C, D = range(4)


def make_attempt(db, round_, user, answers: dict, *, number: int, finished: bool = True, points: int = 1) -> Attempt:
    """An attempt that drew the questions of `answers` (question → choice position, None: unanswered),
    scored from the keys of now when finished, as attempts.finish scores it."""
    attempt = Attempt(
        round_id=round_.id, user_id=user.id, number=number, started_at=OPEN, deadline=OPEN + timedelta(minutes=10),
        max_score=points * len(answers), receipt_code=secrets.token_hex(5).upper(),
    )
    attempt.questions = [
        AttemptQuestion(question_id=q.id, position=i, choice_order=[c.id for c in q.choices], points=points)
        for i, q in enumerate(answers)
    ]
    db.add(attempt)
    db.flush()
    for question, position in answers.items():
        if position is not None:
            db.add(Answer(attempt_id=attempt.id, question_id=question.id, choice_id=question.choices[position].id,
                          saved_at=OPEN + timedelta(minutes=1)))
    db.flush()
    if finished:
        attempt.finished_at = attempt.submitted_at = OPEN + timedelta(minutes=5)
        attempt.finished_by, attempt.duration_seconds = "participant", 300
        attempt.score = scoring.scores(db, [attempt.id]).get(attempt.id, 0)
        db.flush()
    return attempt


@contextmanager
def count_queries():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(_db.engine, "before_cursor_execute", before)


@pytest.fixture
def population(db):
    """Eight finished attempts on Q1 (key A), Q2 (key B), Q3 (key D, though most good takers say B).

    attempt  Q1  Q2  Q3   score      order by score desc, id: a2 a1 a4 | a3 a5 | a6 a7 a8
    a1       A   B   B    2          N = 8, groups of ceil(0.27·8) = 3
    a2       A   B   D    3          upper: a2 a1 a4
    a3       A   C   B    1          lower: a6 a7 a8 (a6, a7 beat a3, a5 on the id tie-break)
    a4       A   B   B    2
    a5       B   -   D    1
    a6       C   B   C    1
    a7       -   A   D    1
    a8       B   C   A    0
    """
    q1 = make_question(text="Câu một về một cửa?", topic="Thủ tục hành chính", correct=A)
    q2 = make_question(text="Câu hai về dịch vụ công?", topic="Chính phủ số", correct=B)
    q3 = make_question(text="Câu ba về Nghị quyết 76?", topic=None, correct=D,
                       choices=["Năm 2019", "Năm 2021", "Năm 2023", "Năm 2030"])
    round_ = make_round(questions=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    user = make_user()
    table = [
        (A, B, B), (A, B, D), (A, C, B), (A, B, B), (B, None, D), (C, B, C), (None, A, D), (B, C, A),
    ]
    attempts = [make_attempt(db, round_, user, dict(zip((q1, q2, q3), row)), number=n)
                for n, row in enumerate(table, start=1)]
    # Neither an unfinished attempt nor another round's attempts count.
    make_attempt(db, round_, user, {q1: D, q2: D, q3: B}, number=9, finished=False)
    other = make_round(questions=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    make_attempt(db, other, make_user(), {q1: D, q2: D, q3: B}, number=1)
    db.commit()
    return round_, (q1, q2, q3), attempts


def test_scores_of_the_population(db, population):
    _, _, attempts = population
    assert [a.score for a in attempts] == [2, 3, 1, 2, 1, 1, 1, 0]


def test_counts_percent_and_discrimination(db, population):
    round_, (q1, q2, q3), _ = population
    stats = {s.question_id: s for s in item_stats(db, round_)}
    assert list(stats) == [q1.id, q2.id, q3.id]
    one, two, three = stats[q1.id], stats[q2.id], stats[q3.id]

    assert (one.drawn, one.answered, one.correct) == (8, 7, 4)
    assert one.percent_correct == pytest.approx(50.0)
    assert (one.group_size, one.upper_drawn, one.upper_correct, one.lower_drawn, one.lower_correct) == (3, 3, 3, 3, 0)
    assert one.discrimination == pytest.approx(1.0)

    # Lower group a6 (B: right), a7 (A), a8 (C): p_lower = 1/3. Had ties gone to the lower
    # ids, the lower group would be a3, a5, a8 with nobody right and D would be 1.
    assert (two.drawn, two.answered, two.correct) == (8, 7, 4)
    assert two.p_upper == pytest.approx(1.0) and two.p_lower == pytest.approx(1 / 3)
    assert two.discrimination == pytest.approx(2 / 3)

    assert (three.drawn, three.answered, three.correct) == (8, 8, 3)
    assert three.percent_correct == pytest.approx(37.5)
    assert three.p_upper == pytest.approx(1 / 3) and three.p_lower == pytest.approx(1 / 3)
    assert three.discrimination == pytest.approx(0.0)


def test_question_text_and_topic(db, population):
    round_, (q1, _, q3), _ = population
    stats = {s.question_id: s for s in item_stats(db, round_)}
    assert (stats[q1.id].text, stats[q1.id].topic) == ("Câu một về một cửa?", "Thủ tục hành chính")
    assert (stats[q3.id].text, stats[q3.id].topic) == ("Câu ba về Nghị quyết 76?", None)


def test_choice_distribution_in_position_order(db, population):
    round_, (q1, _, q3), _ = population
    stats = {s.question_id: s for s in item_stats(db, round_)}
    three = stats[q3.id]
    assert [(c.letter, c.text, c.is_correct, c.count, c.upper_count, c.lower_count) for c in three.choices] == [
        ("A", "Năm 2019", False, 1, 0, 1),
        ("B", "Năm 2021", False, 3, 2, 0),
        ("C", "Năm 2023", False, 1, 0, 1),
        ("D", "Năm 2030", True, 3, 1, 1),
    ]
    assert [c.choice_id for c in three.choices] == [c.id for c in q3.choices]
    assert [c.count for c in stats[q1.id].choices] == [4, 2, 1, 0]  # a choice nobody took is listed with 0


def test_flag_on_a_distractor_beating_the_key(db, population):
    round_, (q1, q2, q3), _ = population
    flags = {s.question_id: s.flagged for s in item_stats(db, round_)}
    assert flags == {q1.id: False, q2.id: False, q3.id: True}


def test_a_few_grouped_queries_whatever_the_population(db, population):
    round_, _, _ = population
    db.refresh(round_)  # the commit expired it; loading it back is not item_stats' work
    with count_queries() as statements:
        stats = item_stats(db, round_)
    assert len(stats) == 3
    statements = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(statements) == 3
    assert "row_number() OVER" in statements[0] and "GROUP BY" in statements[0]


def test_random_draws_divide_by_the_group_attempts_that_drew(db):
    """Five finished attempts, two questions each; groups of ceil(0.27·5) = 2.

    attempt  drew (answer)      score   order: b1 b2 | b3 | b4 b5
    b1       Q1 ok, Q2 ok        2      upper: b1 b2, lower: b4 b5
    b2       Q1 ok, Q3 ok        2
    b3       Q4 ok, Q3 wrong     1      (middle: counts in the totals only)
    b4       Q2 wrong, Q3 ok     1
    b5       Q1 wrong, Q3 wrong  0
    """
    q1, q2, q3, q4 = (make_question(correct=A) for _ in range(4))
    round_ = make_round(questions=2, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    user = make_user()
    rows = [{q1: A, q2: A}, {q1: A, q3: A}, {q4: A, q3: B}, {q2: C, q3: A}, {q1: B, q3: D}]
    for number, answers in enumerate(rows, start=1):
        make_attempt(db, round_, user, answers, number=number)
    db.commit()
    stats = {s.question_id: s for s in item_stats(db, round_)}

    assert (stats[q1.id].drawn, stats[q1.id].correct) == (3, 2)
    assert stats[q1.id].percent_correct == pytest.approx(200 / 3)
    assert stats[q1.id].discrimination == pytest.approx(1.0)  # 2/2 − 0/1
    assert (stats[q2.id].upper_drawn, stats[q2.id].lower_drawn) == (1, 1)
    assert stats[q2.id].discrimination == pytest.approx(1.0)  # 1/1 − 0/1, not 1/2 − 0/2
    assert stats[q3.id].discrimination == pytest.approx(0.5)  # 1/1 − 1/2
    four = stats[q4.id]
    assert (four.drawn, four.correct, four.upper_drawn, four.lower_drawn) == (1, 1, 0, 0)
    assert four.p_upper is None and four.discrimination is None
    assert four.percent_correct == pytest.approx(100.0)


def test_a_round_with_no_finished_attempt_has_no_statistics(db):
    question = make_question()
    round_ = make_round(questions=1, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    make_attempt(db, round_, make_user(), {question: A}, number=1, finished=False)
    db.commit()
    assert item_stats(db, round_) == []


@pytest.mark.parametrize("n, size", [(1, 1), (3, 1), (4, 2), (8, 3), (100, 27), (101, 28), (100_000, 27_000)])
def test_group_size_is_the_ceiling_of_27_percent(n, size):
    assert group_size(n) == size
