"""Prize quotas, exclusions with a reason (audit-logged) and the recomputed allocation."""
import pytest
from sqlalchemy import select

from contest.errors import Conflict, ValidationFailed
from contest.models import AuditLog
from contest.services.results import prizes
from tests.factories import finish, make_bank, make_contest, make_round, make_unit, make_user


@pytest.fixture
def round_(db):
    make_bank(3)
    return make_round(make_contest(), questions=3)


def test_people_take_prizes_in_rank_order_and_an_exclusion_moves_everyone_up(db, round_):
    people = [make_user(full_name=f"P{score}") for score in range(10, 3, -1)]
    for person, score in zip(people, range(10, 3, -1)):
        finish(round_, person, score)
    prizes.set_quotas(db, round_, "individual", {"first": 1, "second": 2, "third": "1", "consolation": ""})
    awards = prizes.allocate_individuals(db, round_)
    assert [(a.label, a.entry.full_name) for a in awards] == [
        ("Giải Nhất", "P10"), ("Giải Nhì", "P9"), ("Giải Nhì", "P8"), ("Giải Ba", "P7"),
    ]
    judge = make_user(role="judge")
    prizes.exclude(db, round_, user_id=people[0].id, reason="Thi hộ", actor_id=judge.id)
    awards = prizes.allocate_individuals(db, round_)
    assert [(a.prize, a.entry.full_name) for a in awards] == [
        ("first", "P9"), ("second", "P8"), ("second", "P7"), ("third", "P6"),
    ]
    log = db.scalars(select(AuditLog).where(AuditLog.action == "prize.exclude")).one()
    assert (log.user_id, log.details["reason"], log.details["user_id"]) == (judge.id, "Thi hộ", people[0].id)
    exclusion = prizes.exclusions(db, round_)[0]
    prizes.reinstate(db, round_, exclusion.id, actor_id=judge.id)
    assert prizes.allocate_individuals(db, round_)[0].entry.full_name == "P10"
    assert db.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()[-1] == "prize.reinstate"


def test_fewer_people_than_prizes(db, round_):
    finish(round_, make_user(full_name="Only"), 3)
    prizes.set_quotas(db, round_, "individual", {"first": 1, "second": 3})
    assert [a.prize for a in prizes.allocate_individuals(db, round_)] == ["first"]


def test_no_quota_no_prize(db, round_):
    finish(round_, make_user(), 3)
    assert prizes.allocate_individuals(db, round_) == []


@pytest.mark.parametrize(("counts", "message"), [
    ({"first": "hai"}, "Giải Nhất: số lượng phải là số nguyên."),
    ({"second": -1}, "Giải Nhì: số lượng phải từ 0 đến"),
])
def test_bad_quotas_store_nothing(db, round_, counts, message):
    prizes.set_quotas(db, round_, "individual", {"first": 2})
    with pytest.raises(ValidationFailed, match=message):
        prizes.set_quotas(db, round_, "individual", {"first": 5, **counts})
    assert prizes.quotas(db, round_, "individual")["first"] == 2


def test_exclusion_needs_a_reason_and_happens_once(db, round_):
    person = make_user()
    with pytest.raises(ValidationFailed, match="lý do"):
        prizes.exclude(db, round_, user_id=person.id, reason="  ")
    prizes.exclude(db, round_, user_id=person.id, reason="Trùng tài khoản")
    with pytest.raises(Conflict):
        prizes.exclude(db, round_, user_id=person.id, reason="Lần nữa")
    assert len(prizes.exclusions(db, round_)) == 1


def test_unit_prizes_per_group_to_ranked_units_only(db, round_):
    round_.contest.min_participation_percent = 50
    units = {
        "A": make_unit(code="A", headcount=2, group="Sở"),
        "B": make_unit(code="B", headcount=4, group="Sở"),
        "C": make_unit(code="C", headcount=10, group="Sở"),   # 10 %: listed, not ranked
        "D": make_unit(code="D", headcount=1, group="Huyện"),
    }
    for code, count in {"A": 2, "B": 3, "C": 1, "D": 1}.items():
        for _ in range(count):
            finish(round_, make_user(unit_id=units[code].id), 5)
    prizes.set_quotas(db, round_, "unit", {"first": 1, "second": 1, "third": 1})
    awards = prizes.allocate_units(db, round_)
    assert sorted((a.entry.code, a.prize) for a in awards) == [("A", "first"), ("B", "second"), ("D", "first")]
    prizes.exclude(db, round_, unit_id=units["A"].id, reason="Khai sai biên chế")
    awards = prizes.allocate_units(db, round_)
    assert sorted((a.entry.code, a.prize) for a in awards) == [("B", "first"), ("D", "first")]
