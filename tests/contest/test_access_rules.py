"""The staff rule is written once (services/permissions.py) and every view loads a contest or a
round through one loader (contest/access.py); test_route_policy asks each route × role."""
import re
from pathlib import Path

import pytest

from contest.models import ContestStaff, User
from contest.services import permissions
from tests.factories import make_contest

ROOT = Path(__file__).resolve().parents[2]
CONTEST = ROOT / "contest"
# Where objects may be read by id without a rule: the loader itself, the rules' callers that
# have no current user (services, the CLI, the demo) and the models.
NOT_VIEWS = ("access.py", "services/", "models/", "demo/", "cli")
DIRECT_LOAD = re.compile(r"\b(?:get|get_or_404)\(\s*(?:Contest|Round)\b")
STAFF_ROWS = re.compile(r"\bContestStaff\.(?:user_id|contest_id)\b|\bget\(\s*ContestStaff\b")


def _sources(root: Path):
    for path in sorted(root.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_views_load_contests_and_rounds_only_through_the_loader():
    offenders = [
        name for name, text in _sources(CONTEST)
        if not name.removeprefix("contest/").startswith(NOT_VIEWS) and DIRECT_LOAD.search(text)
    ]
    assert offenders == [], "use contest.access.load_contest/load_round(id, need=…)"


def test_the_staff_rule_reads_contest_staff_in_one_place():
    offenders = [
        name for name, text in _sources(CONTEST)
        if name not in ("contest/services/permissions.py", "contest/models/contests.py") and STAFF_ROWS.search(text)
    ]
    assert offenders == [], "ask contest.services.permissions (scope, can_manage, can_view_results)"


# --- the rules ---------------------------------------------------------------------------------
def _user(db, username: str, role: str, *contests) -> User:
    user = User(username=username, full_name=username, role=role, password_hash="!")  # never logs in
    db.add(user)
    db.add_all(ContestStaff(contest=contest, user=user) for contest in contests)
    db.flush()
    return user


@pytest.fixture
def staff(db):
    a, b = make_contest(name="Cuộc thi A"), make_contest(name="Cuộc thi B")
    people = {
        "admin": _user(db, "qtv", "admin", a),  # rows do not narrow an admin
        "organizer": _user(db, "btc", "organizer"),
        "organizer_a": _user(db, "btc-a", "organizer", a),
        "judge": _user(db, "gk", "judge"),
        "judge_a": _user(db, "gk-a", "judge", a),
        "participant_a": _user(db, "ts", "participant", a),
    }
    db.commit()
    return a, b, people


# who: (scope, manages A, manages B, reads A's results, reads B's results)
RULES = {
    "admin": (None, True, True, True, True),
    "organizer": (None, True, True, True, True),
    "organizer_a": ({"A"}, True, False, True, False),
    "judge": (None, False, False, True, True),
    "judge_a": ({"A"}, False, False, True, False),
    "participant_a": ({"A"}, False, False, False, False),
}


@pytest.mark.parametrize("who", RULES)
def test_who_works_on_which_contest(db, staff, who):
    a, b, people = staff
    user, names = people[who], {a.id: "A", b.id: "B"}
    scope = permissions.scope(db, user)
    outcome = (None if scope is None else {names[i] for i in scope},
               permissions.can_manage(db, user, a), permissions.can_manage(db, user, b),
               permissions.can_view_results(db, user, a), permissions.can_view_results(db, user, b))
    assert outcome == RULES[who]
    listed = [contest.name for contest in permissions.contests_of(db, user)]
    assert listed == (["Cuộc thi B", "Cuộc thi A"] if scope is None else ["Cuộc thi A"])  # newest first


def test_without_a_login_no_contest_is_managed_or_read(db, staff):
    a, _b, _people = staff
    assert not permissions.can_manage(db, None, a)
    assert not permissions.can_view_results(db, None, a)
