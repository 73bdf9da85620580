"""Unit rankings against a hand-worked example (SPEC §6, issue 5 item 2), on both engines."""
import pytest

from contest.services.results import unit_ranking
from tests.factories import finish, make_bank, make_contest, make_round, make_unit, make_user


@pytest.fixture
def units(db):
    """P (no group) ⊃ S1 (Sở, 10 staff), S2 (Sở, 3), H (Huyện, 20) ⊃ T (Trường, 5)."""
    p = make_unit(code="P", name="UBND tỉnh", headcount=0)
    s1 = make_unit(code="S1", name="Sở 1", parent_id=p.id, headcount=10, group="Sở")
    s2 = make_unit(code="S2", name="Sở 2", parent_id=p.id, headcount=3, group="Sở")
    h = make_unit(code="H", name="Huyện", parent_id=p.id, headcount=20, group="Huyện")
    t = make_unit(code="T", name="Trường", parent_id=h.id, headcount=5, group="Trường")
    return {"P": p, "S1": s1, "S2": s2, "H": h, "T": t}


@pytest.fixture
def round_(db, units):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    scores = {"S1": [10, 10, 8, 6, 6], "S2": [10, 4], "H": [9], "T": [10, 10, 10, 10]}
    for code, values in scores.items():
        for value in values:
            finish(round_, make_user(unit_id=units[code].id), value)
    twice = make_user(unit_id=units["S2"].id)  # a second attempt does not make a second participant
    finish(round_, twice, 2, number=1)
    finish(round_, twice, 4, number=2)
    finish(round_, make_user(), 10)  # no unit: in no unit's figures
    return round_


def by_code(entries):
    return {entry.code: entry for entry in entries}


def test_figures_roll_up_the_tree(db, round_):
    entries = by_code(unit_ranking.round_units(db, round_))
    s2 = entries["S2"]
    assert (s2.participants, s2.headcount, s2.score_sum, s2.perfect) == (3, 3, 18, 1)
    assert s2.rate == pytest.approx(1.0)
    assert s2.mean_score == pytest.approx(6.0)
    h = entries["H"]
    assert (h.participants, h.headcount, h.score_sum, h.perfect) == (5, 25, 49, 4)
    assert h.rate == pytest.approx(0.2)
    p = entries["P"]
    assert (p.participants, p.headcount, p.perfect) == (13, 38, 7)
    assert p.rank is None and p.note == "Không thuộc khối thi nào"
    assert [e.code for e in unit_ranking.round_units(db, round_)] == ["P", "H", "T", "S1", "S2"]
    assert [e.depth for e in unit_ranking.round_units(db, round_)] == [0, 1, 2, 1, 1]


@pytest.mark.parametrize(
    ("formula", "weight", "first"),
    [
        ("rate", 50, "S2"),      # S2 100 % vs S1 50 %
        ("mean", 50, "S1"),      # S1 40/50 = 0.8 vs S2 18/30 = 0.6
        ("weighted", 50, "S2"),  # S1 .25 + .4 = .65; S2 .5 + .3 = .8
        ("weighted", 0, "S1"),   # the mean share alone
    ],
)
def test_formula_orders_the_group(db, round_, formula, weight, first):
    round_.contest.unit_formula = formula
    round_.contest.unit_rate_weight_percent = weight
    entries = by_code(unit_ranking.round_units(db, round_))
    assert entries[first].rank == 1
    assert {entries["S1"].rank, entries["S2"].rank} == {1, 2}
    assert entries["H"].rank == 1 and entries["T"].rank == 1  # each group apart


def test_weighted_value(db, round_):
    round_.contest.unit_formula = "weighted"
    round_.contest.unit_rate_weight_percent = 50
    entries = by_code(unit_ranking.round_units(db, round_))
    assert entries["S1"].value == pytest.approx(0.5 * 0.5 + 0.5 * 0.8)


def test_below_minimum_is_listed_not_ranked(db, round_):
    round_.contest.min_participation_percent = 60
    entries = by_code(unit_ranking.round_units(db, round_))
    assert entries["S1"].rank is None
    assert entries["S1"].note == "Tỷ lệ tham gia dưới 60%"
    assert entries["S2"].rank == 1
    assert entries["H"].rank is None  # 20 %
    groups = unit_ranking.ranked_groups(list(entries.values()))
    assert [e.code for e in groups["Sở"]] == ["S2", "S1"]


def test_ties_fall_to_score_then_perfect_then_code(db, units):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    a = make_unit(code="B-unit", headcount=2, group="G")
    b = make_unit(code="A-unit", headcount=2, group="G")
    for unit in (a, b):
        finish(round_, make_user(unit_id=unit.id), 7)
    entries = by_code(unit_ranking.round_units(db, round_))
    assert (entries["A-unit"].rank, entries["B-unit"].rank) == (1, 2)


def test_contest_units_use_the_contest_ranking(db, units):
    make_bank(3)
    contest = make_contest()
    first, second = make_round(contest, questions=3), make_round(contest, questions=3)
    person = make_user(unit_id=units["T"].id)
    finish(first, person, 10)
    finish(second, person, 10)
    db.refresh(contest)
    t = by_code(unit_ranking.contest_units(db, contest))["T"]
    assert (t.participants, t.score_sum, t.max_sum, t.perfect) == (1, 20, 20, 1)
