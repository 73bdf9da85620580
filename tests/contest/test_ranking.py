"""Individual rankings against hand-worked examples (SPEC §6), on both engines."""
import pytest

from contest.errors import ValidationFailed
from contest.services.results import ranking
from tests.factories import finish, make_bank, make_contest, make_round, make_unit, make_user


@pytest.fixture
def round_(db):
    make_bank(3)
    return make_round(make_contest(), questions=3, prediction_prompt="Bao nhiêu người đạt điểm tối đa?")


def names(page):
    return [entry.full_name for entry in page.entries]


def people(*labels, unit=None):
    return {label: make_user(full_name=label, unit_id=unit.id if unit else None) for label in labels}


def test_default_chain_score_prediction_duration_submit_id(db, round_):
    p = people("A", "B", "C", "D", "E", "F", "G")
    finish(round_, p["A"], 10, prediction=3, duration=300, submitted=5)
    finish(round_, p["B"], 10, prediction=2, duration=400, submitted=1)
    c = finish(round_, p["C"], 10, prediction=2, duration=350, submitted=9)
    finish(round_, p["D"], 9, prediction=None, duration=100, submitted=1)
    finish(round_, p["E"], 9, prediction=100, duration=500, submitted=9)
    finish(round_, p["F"], 10, prediction=8, duration=350, submitted=3)  # |8-5| = 3, like C, earlier
    g = finish(round_, p["G"], 10, prediction=2, duration=350, submitted=9)  # same as C but later id
    assert g.id > c.id
    # Five people have a perfect score: the actual value is 5.
    assert ranking.prediction_actual(db, round_) == 5
    page = ranking.round_ranking(db, round_)
    # A (error 2); F, C, G (error 3, 350 s; F submitted first; C before G by id); B (400 s);
    # E (9 points, a prediction) before D (9 points, none).
    assert names(page) == ["A", "F", "C", "G", "B", "E", "D"]
    assert [entry.rank for entry in page.entries] == [1, 2, 3, 4, 5, 6, 7]
    assert page.entries[0].prediction_error == 2
    assert page.entries[-1].prediction_error is None
    assert page.total == 7


def test_custom_chain_ignores_prediction(db, round_):
    round_.contest.tie_break = ["score", "duration"]
    p = people("A", "B", "C")
    finish(round_, p["A"], 8, prediction=1, duration=500)
    b = finish(round_, p["B"], 8, prediction=None, duration=200)
    c = finish(round_, p["C"], 8, prediction=None, duration=200)
    assert b.id < c.id
    assert names(ranking.round_ranking(db, round_)) == ["B", "C", "A"]


def test_chain_with_submitted_before_duration(db, round_):
    round_.contest.tie_break = ["score", "submitted_at", "duration"]
    p = people("A", "B")
    finish(round_, p["A"], 8, duration=100, submitted=10)
    finish(round_, p["B"], 8, duration=900, submitted=2)
    assert names(ranking.round_ranking(db, round_)) == ["B", "A"]


@pytest.mark.parametrize("keys", [["score", "luck"], ["score", "score"]])
def test_bad_chain_is_refused(db, round_, keys):
    round_.contest.tie_break = keys
    with pytest.raises(ValidationFailed, match="Thứ tự xét hạng"):
        ranking.round_ranking(db, round_)


@pytest.mark.parametrize(("grading", "expected"), [("best", 8), ("first", 5), ("last", 6)])
def test_counted_attempt_follows_grading(db, round_, grading, expected):
    round_.grading = grading
    person = make_user(full_name="H")
    finish(round_, person, 5, number=1, submitted=1)
    finish(round_, person, 8, number=2, submitted=2)
    finish(round_, person, 6, number=3, submitted=3)
    page = ranking.round_ranking(db, round_)
    assert [(entry.full_name, entry.score) for entry in page.entries] == [("H", expected)]


def test_best_of_equal_scores_is_the_attempt_ranking_best(db, round_):
    person = make_user(full_name="H")
    finish(round_, person, 8, number=1, duration=500)
    fast = finish(round_, person, 8, number=2, duration=200)
    assert ranking.round_ranking(db, round_).entries[0].attempt_id == fast.id


def test_unfinished_attempts_do_not_count(db, round_):
    person = make_user(full_name="H")
    attempt = finish(round_, person, 10)
    attempt.finished_at = None
    db.flush()
    assert ranking.round_ranking(db, round_).total == 0


@pytest.mark.parametrize(("target", "actual"), [("perfect", 1), ("participants", 2), ("attempts", 3)])
def test_prediction_targets(db, round_, target, actual):
    round_.prediction_target = target
    p = people("A", "B")
    finish(round_, p["A"], 10, number=1)
    finish(round_, p["A"], 4, number=2)
    finish(round_, p["B"], 7)
    assert ranking.prediction_actual(db, round_) == actual


def test_prediction_closeness_uses_the_target(db, round_):
    round_.prediction_target = "participants"  # three people take part
    p = people("A", "B", "C")
    finish(round_, p["A"], 5, prediction=1, duration=100)
    finish(round_, p["B"], 5, prediction=3, duration=900)
    finish(round_, p["C"], 5, prediction=4, duration=100)
    assert names(ranking.round_ranking(db, round_)) == ["B", "C", "A"]  # errors 0, 1, 2


def test_paging_and_filters(db, round_):
    parent = make_unit(name="Sở Nội vụ", group="Sở, ngành")
    child = make_unit(name="Phòng CCHC", parent_id=parent.id, group="Sở, ngành")
    other = make_unit(name="UBND huyện", group="Huyện")
    for index in range(5):
        finish(round_, make_user(full_name=f"Nguyễn Văn {index}", unit_id=parent.id), 10 - index)
    for index in range(3):
        finish(round_, make_user(full_name=f"Trần Thị {index}", unit_id=child.id), 7 - index)
    finish(round_, make_user(full_name="Lê Văn X", unit_id=other.id), 9)
    page = ranking.round_ranking(db, round_, page=2, per_page=4)
    assert (page.total, page.pages, [e.rank for e in page.entries]) == (9, 3, [5, 6, 7, 8])
    by_parent = ranking.round_ranking(db, round_, unit_id=parent.id)
    assert by_parent.total == 8  # the unit and its sub-unit
    by_child = ranking.round_ranking(db, round_, unit_id=child.id)
    # Filters keep the overall rank: the sub-unit's best is 5th overall (10, 9, 9, 8, 7…).
    assert [e.full_name for e in by_child.entries] == ["Trần Thị 0", "Trần Thị 1", "Trần Thị 2"]
    assert by_child.entries[0].rank > 1
    assert names(ranking.round_ranking(db, round_, group="Huyện")) == ["Lê Văn X"]
    assert ranking.round_ranking(db, round_, search="Trần").total == 3


def test_streaming_gives_every_entry_in_order(db, round_):
    for index in range(7):
        finish(round_, make_user(full_name=f"P{index}"), index)
    entries = list(ranking.iter_round_ranking(db, round_, batch=3))
    assert [e.full_name for e in entries] == [f"P{i}" for i in range(6, -1, -1)]
    assert [e.rank for e in entries] == list(range(1, 8))


@pytest.fixture
def two_rounds(db):
    make_bank(3)
    contest = make_contest()
    first = make_round(contest, questions=3)
    second = make_round(contest, questions=3)
    p = people("A", "B", "C")
    finish(first, p["A"], 10, prediction=1, duration=300)   # perfect: 1 person in round 1
    finish(first, p["B"], 6, prediction=1, duration=100)
    finish(second, p["A"], 2, prediction=9, duration=300)   # nobody perfect in round 2
    finish(second, p["B"], 8, prediction=0, duration=200)
    finish(second, p["C"], 9, duration=50)
    db.refresh(contest)
    return contest


def test_contest_ranking_sums_rounds(db, two_rounds):
    page = ranking.contest_ranking(db, two_rounds)
    # B 14 points, A 12, C 9.
    assert [(e.full_name, e.score, e.rounds) for e in page.entries] == [("B", 14, 2), ("A", 12, 2), ("C", 9, 1)]
    assert page.entries[0].prediction_error == 0 + 0
    assert page.entries[1].prediction_error == 0 + 9


def test_contest_ranking_sum_tie_goes_to_predictions(db, two_rounds):
    rounds = two_rounds.rounds
    d = make_user(full_name="D")
    finish(rounds[0], d, 6, prediction=4, duration=10)  # 14 points like B, errors 3 + 0: after B
    finish(rounds[1], d, 8, prediction=0, duration=10)
    names_ = [e.full_name for e in ranking.contest_ranking(db, two_rounds).entries]
    assert names_[:2] == ["B", "D"]


def test_contest_ranking_best_round(db, two_rounds):
    two_rounds.overall_mode = "best"
    page = ranking.contest_ranking(db, two_rounds)
    # Best rounds: A 10 (round 1), C 9, B 8.
    assert [(e.full_name, e.score) for e in page.entries] == [("A", 10), ("C", 9), ("B", 8)]
    assert list(ranking.iter_contest_ranking(db, two_rounds))[0].attempt_id is not None


def test_contest_without_rounds_has_an_empty_ranking(db):
    contest = make_contest()
    assert ranking.contest_ranking(db, contest).total == 0


def test_the_cached_order_follows_new_attempts_regrades_and_settings(db, round_):
    p = people("A", "B", "C")
    a = finish(round_, p["A"], 5)
    finish(round_, p["B"], 7)
    assert names(ranking.round_ranking(db, round_)) == ["B", "A"]
    finish(round_, p["C"], 9)  # a new finished attempt
    assert names(ranking.round_ranking(db, round_)) == ["C", "B", "A"]
    a.score = 10  # a regrade
    db.flush()
    assert names(ranking.round_ranking(db, round_)) == ["A", "C", "B"]
    round_.contest.tie_break = ["duration"]  # settings: all took 300 s, so ids decide
    assert names(ranking.round_ranking(db, round_)) == ["A", "B", "C"]


def test_a_cache_hit_reads_only_the_fingerprint_and_the_page(db, round_):
    from sqlalchemy import event

    for index in range(30):
        finish(round_, make_user(full_name=f"P{index}"), index % 11)
    ranking.round_ranking(db, round_)  # computes and caches
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)
    try:
        page = ranking.round_ranking(db, round_, page=2, per_page=10)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)
    assert [e.rank for e in page.entries] == list(range(11, 21))
    assert len(statements) == 2
    assert not any("row_number" in statement for statement in statements)
