"""`demo --scale N` (SPEC §3): bulk participants whose attempts agree with the scoring rules."""
import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select
from werkzeug.security import check_password_hash

from contest.demo import load as demo, scale as demo_scale
from contest.demo.units import UNITS
from contest.errors import BankTooSmall, ValidationFailed
from contest.models import Answer, Attempt, AttemptQuestion, Round, Unit, User
from contest.services.quiz import scoring
from question_bank.models import Choice, Question, Topic
from tests.factories import make_bank, make_round

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=timezone.utc)
OPEN = NOW - timedelta(days=3)
CLOSE = NOW + timedelta(days=4)


@pytest.fixture
def demo_units(db):
    demo.load_units(db)
    return {unit.code: unit for unit in db.scalars(select(Unit))}


@pytest.fixture
def round_(db, demo_units):
    make_bank(40)
    return make_round(questions=10, duration_seconds=900, max_attempts=3, opens_at=OPEN, closes_at=CLOSE)


def rows_of(db, round_id):
    attempts = db.scalars(select(Attempt).where(Attempt.round_id == round_id).order_by(Attempt.id)).all()
    items = defaultdict(list)
    for item in db.scalars(select(AttemptQuestion).order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)):
        items[item.attempt_id].append(item)
    answers = defaultdict(list)
    for answer in db.scalars(select(Answer)):
        answers[answer.attempt_id].append(answer)
    return attempts, items, answers


def test_adds_participants_whose_attempts_agree_with_scoring(db, round_, demo_units):
    report = demo_scale.add_participants(db, round_, 400, seed=7, now=NOW, retries=True)
    db.commit()
    attempts, items, answers = rows_of(db, round_.id)
    users = db.scalars(select(User).where(User.id.in_({a.user_id for a in attempts}))).all()

    assert (report.participants, report.attempts, report.answers) == (400, len(attempts), sum(map(len, answers.values())))
    assert len(users) == 400 and {u.role for u in users} == {"participant"}
    assert 400 < len(attempts) < 600  # some people try two or three times
    numbers = defaultdict(list)
    for attempt in attempts:
        numbers[attempt.user_id].append(attempt.number)
    assert {tuple(n) for n in numbers.values()} <= {(1,), (1, 2), (1, 2, 3)}
    assert {len(n) for n in numbers.values()} == {1, 2, 3}

    # Scores are exactly what the scoring service finds in the stored answers.
    assert {a.id: a.score for a in attempts if a.score} == scoring.scores(db, [a.id for a in attempts])
    assert all(a.max_score == 10 and a.finished_at is not None for a in attempts)
    scores = Counter(a.score for a in attempts)
    assert scores[10] >= 10 and sum(scores.values()) - scores[10] > 200 and len(scores) >= 6

    choices = defaultdict(set)
    correct = {}
    for choice in db.scalars(select(Choice)):
        choices[choice.question_id].add(choice.id)
        if choice.is_correct:
            correct[choice.question_id] = choice.id
    for attempt in attempts:
        drawn = items[attempt.id]
        assert [i.position for i in drawn] == list(range(10))
        assert all(set(i.choice_order) == choices[i.question_id] and i.points == 1 for i in drawn)
        given = answers[attempt.id]
        assert {a.question_id for a in given} <= {i.question_id for i in drawn}
        assert all(a.choice_id in choices[a.question_id] for a in given)
        assert attempt.score == sum(a.choice_id == correct[a.question_id] for a in given)
        assert all(attempt.started_at <= a.saved_at <= attempt.submitted_at for a in given)


def test_times_fall_inside_the_window_and_follow_the_rules(db, round_):
    demo_scale.add_participants(db, round_, 300, seed=3, now=NOW)
    db.commit()
    attempts, _, _ = rows_of(db, round_.id)
    for attempt in attempts:
        assert OPEN <= attempt.started_at < attempt.submitted_at <= NOW  # the round has been open for days
        assert attempt.deadline == min(attempt.started_at + timedelta(seconds=900), CLOSE)
        assert attempt.duration_seconds == int((attempt.submitted_at - attempt.started_at).total_seconds())
        if attempt.finished_by == "system":  # SPEC §6: finalised by the system at its deadline
            assert attempt.submitted_at == attempt.deadline and attempt.prediction is None
            assert attempt.finished_at > attempt.deadline
        else:
            assert attempt.finished_by == "participant" and attempt.submitted_at < attempt.deadline
    by_user = defaultdict(list)
    for attempt in attempts:
        by_user[attempt.user_id].append(attempt)
    for tries in by_user.values():  # a second attempt starts after the first one ended
        assert all(a.submitted_at < b.started_at for a, b in zip(tries, tries[1:]))
    assert Counter(a.finished_by for a in attempts)["system"] >= 3
    predictions = [a.prediction for a in attempts if a.finished_by == "participant"]
    assert predictions.count(None) >= 10 and len(set(predictions)) > 20
    assert len({a.duration_seconds for a in attempts}) > 100


def test_names_usernames_receipts_units_and_one_password(db, round_, demo_units):
    report = demo_scale.add_participants(db, round_, 600, seed=11, now=NOW)
    db.commit()
    users = db.scalars(select(User).join(Attempt, Attempt.user_id == User.id).distinct()).all()
    assert len(users) == 600 == len({u.username for u in users})
    assert all(u.username.isascii() and u.username.islower() and u.username[-1].isdigit() for u in users)
    assert all(len(u.full_name.split()) in (3, 4) for u in users)
    families = Counter(u.full_name.split()[0] for u in users)
    assert families.most_common(1)[0][0] == "Nguyễn" and len(families) >= 12
    assert any("Thị" in u.full_name for u in users) and any("Văn" in u.full_name for u in users)
    assert len({u.password_hash for u in users}) == 1  # hashed once, shared
    assert check_password_hash(users[0].password_hash, report.password)

    receipts = db.scalars(select(Attempt.receipt_code)).all()
    assert len(receipts) == len(set(receipts)) and all(len(r) == 12 for r in receipts)

    staffed = {code for code, _name, _parent, headcount, _group in UNITS if headcount}
    per_unit = Counter(u.unit.code for u in users)
    assert set(per_unit) == staffed  # every unit with staff gets people; the province itself none
    assert per_unit["UBND-TPTN"] > per_unit["PGD-TPTN"]  # spread follows headcount


def test_running_again_adds_more(db, round_):
    demo_scale.add_participants(db, round_, 50, seed=1, now=NOW)
    demo_scale.add_participants(db, round_, 70, seed=1, now=NOW)  # the same seed: same names, new ids
    db.commit()
    people = db.scalar(select(func.count(func.distinct(Attempt.user_id))).where(Attempt.round_id == round_.id))
    assert people == 120 == db.scalar(select(func.count()).select_from(User))
    attempts, _, _ = rows_of(db, round_.id)
    assert {a.id: a.score for a in attempts if a.score} == scoring.scores(db, [a.id for a in attempts])


def test_round_settings_are_respected(db, demo_units):
    make_bank(12)
    round_ = make_round(questions=8, duration_seconds=600, max_attempts=1, points_per_question=2,
                        shuffle_choices=False, prediction_prompt=None, opens_at=OPEN, closes_at=CLOSE)
    demo_scale.add_participants(db, round_, 150, seed=5, now=NOW)
    db.commit()
    attempts, items, _ = rows_of(db, round_.id)
    assert len(attempts) == 150 and {a.number for a in attempts} == {1}
    assert {a.max_score for a in attempts} == {16} and {a.prediction for a in attempts} == {None}
    assert {a.score % 2 for a in attempts} == {0} and max(a.score for a in attempts) == 16
    assert {a.id: a.score for a in attempts if a.score} == scoring.scores(db, [a.id for a in attempts])
    positions = {c.id: c.position for c in db.scalars(select(Choice))}
    for drawn in items.values():  # not shuffled: shown in the bank's order
        assert all([positions[c] for c in i.choice_order] == sorted(positions[c] for c in i.choice_order)
                   for i in drawn)


def test_topic_mix_is_drawn_per_attempt(db, demo_units):
    make_bank(8, topic="Cải cách thể chế")
    make_bank(8, topic="Chính phủ số")
    round_ = make_round(questions=6, topic_mix=[("Cải cách thể chế", None, 4), ("Chính phủ số", None, 2)],
                        opens_at=OPEN, closes_at=CLOSE)
    demo_scale.add_participants(db, round_, 60, seed=2, now=NOW)
    db.commit()
    topic_of = dict(db.execute(select(Question.id, Topic.name).join(Topic)).all())
    _, items, _ = rows_of(db, round_.id)
    assert len(items) >= 60
    for drawn in items.values():
        assert Counter(topic_of[i.question_id] for i in drawn) == {"Cải cách thể chế": 4, "Chính phủ số": 2}


def test_a_round_opening_now_gets_attempts_anywhere_in_its_window(db, demo_units):
    make_bank(10)
    round_ = make_round(questions=5, opens_at=NOW, closes_at=NOW + timedelta(days=2))
    demo_scale.add_participants(db, round_, 40, seed=9, now=NOW)
    db.commit()
    attempts, _, _ = rows_of(db, round_.id)
    assert all(NOW <= a.started_at and a.deadline <= NOW + timedelta(days=2) for a in attempts)


def test_foreign_keys_survive_the_load(db, round_):
    """PostgreSQL drops them for the load and adds them back in the same transaction."""
    tables = ("user", "attempt", "attempt_question", "answer")
    before = {name: inspect(db.connection()).get_foreign_keys(name) for name in tables}
    demo_scale.add_participants(db, round_, 20, seed=4, now=NOW)
    db.commit()
    after = {name: inspect(db.connection()).get_foreign_keys(name) for name in tables}
    assert after == before
    assert [len(after[name]) for name in tables] == [1, 2, 2, 2]


@pytest.mark.parametrize("count", [0, -5, demo_scale.MAX_SCALE + 1])
def test_refuses_a_bad_count(db, round_, count):
    with pytest.raises(ValidationFailed, match="Số thí sinh mẫu phải từ 1 đến 1.000.000"):
        demo_scale.add_participants(db, round_, count, now=NOW)


def test_refuses_a_bank_too_small_and_stores_nothing(db, demo_units):
    questions = make_bank(5)
    round_ = make_round(questions=5, opens_at=OPEN, closes_at=CLOSE)
    questions[0].status = "retired"
    db.flush()
    with pytest.raises(BankTooSmall, match="cần 5 câu"):
        demo_scale.add_participants(db, round_, 10, now=NOW)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_refuses_without_demo_units(db):
    make_bank(5)
    round_ = make_round(questions=5)
    with pytest.raises(ValidationFailed, match="hãy chạy “demo” trước"):
        demo_scale.add_participants(db, round_, 10)


def test_receipt_codes_are_a_bijection():
    codes = {demo_scale.receipt_code(n) for n in range(1, 200_001)}
    assert len(codes) == 200_000 and all(len(code) == 12 for code in codes)
    assert demo_scale.receipt_code(1) != "000000000001"


# --- the command --------------------------------------------------------------------------------


def test_command_adds_to_the_demo_round(runner, db):
    result = runner.invoke(args=["demo", "--scale", "80", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"contest_id", "round_id", "accounts", "scale"}
    assert body["scale"]["participants"] == 80 and body["scale"]["password"] == demo_scale.PASSWORD
    round_id = body["round_id"]
    assert db.scalar(select(func.count(func.distinct(Attempt.user_id))).where(Attempt.round_id == round_id)) == 80
    assert db.scalar(select(func.count()).select_from(Attempt)) == body["scale"]["attempts"]

    again = runner.invoke(args=["demo", "--scale", "20"])
    assert again.exit_code == 0, again.output
    assert "Đã thêm 20 thí sinh mẫu" in again.stdout and demo_scale.PASSWORD in again.stdout
    assert db.scalar(select(func.count(func.distinct(Attempt.user_id)))) == 100
    assert db.scalar(select(func.count()).select_from(Round)) == 1


@pytest.mark.parametrize("value, message", [
    ("abc", "--scale: “abc” phải là số nguyên dương"),
    ("-3", "--scale: “-3” phải là số nguyên dương"),
    ("٣", "--scale: “٣” phải là số nguyên dương"),  # Arabic-Indic 3: isdigit() says yes, int() reads 3
    ("0", "Số thí sinh mẫu phải từ 1 đến 1.000.000"),
])
def test_command_refuses_bad_scale(runner, db, value, message):
    result = runner.invoke(args=["demo", "--scale", value])
    assert result.exit_code != 0
    assert message in result.stderr
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0


def test_by_default_each_person_has_exactly_one_finished_attempt(db, round_):
    report = demo_scale.add_participants(db, round_, 120, seed=5, now=NOW)
    attempts, _, _ = rows_of(db, round_.id)
    assert report.participants == report.attempts == len(attempts) == 120
    assert len({a.user_id for a in attempts}) == 120
    assert all(a.number == 1 and a.finished_at is not None for a in attempts)
