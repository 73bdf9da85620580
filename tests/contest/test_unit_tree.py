"""The unit tree's walks live in one module (services/unit_tree.py), and none costs a query per level."""
import re
from pathlib import Path

from types import SimpleNamespace

import pytest
from sqlalchemy import event

from contest.errors import NotEligible
from contest.extensions import db as _db
from contest.models import Round, User
from contest.services import unit_tree
from contest.services.quiz import attempts
from tests.factories import make_contest, make_round, make_unit, make_user

ROOT = Path(__file__).resolve().parents[2]


def _chain(depth: int):
    """Units nested `depth` deep; returns (top, bottom)."""
    top = unit = make_unit()
    for _ in range(depth - 1):
        unit = make_unit(parent=unit)
    return top, unit


def _statements(app, work) -> int:
    seen = []
    with app.app_context():
        engine = _db.engine

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE is the transaction, not the work
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_eligibility_costs_the_same_whatever_the_depth(app, db):
    contest = make_contest()
    cases = []
    for depth in (2, 9):
        top, bottom = _chain(depth)
        round_ = make_round(contest, publish=False, unit_codes=[top.code])
        outsider = make_user(unit=make_unit())
        cases.append((round_.id, make_user(unit=bottom).id, outsider.id))
    db.commit()
    counts = []
    for round_id, inside, outside in cases:
        def check():
            db.rollback()  # a fresh transaction, nothing in the identity map: a unit read is a query
            round_ = db.get(Round, round_id)
            attempts.check_eligible(db, round_, db.get(User, inside))
            with pytest.raises(NotEligible):
                attempts.check_eligible(db, round_, db.get(User, outside))

        counts.append(_statements(app, check))
    assert counts[0] == counts[1]


def test_walks_stop_at_a_cycle_and_keep_code_order():
    parents = {1: None, 2: 1, 3: 2, 4: 5, 5: 4}
    assert list(unit_tree.lineage(parents, 3)) == [3, 2, 1]
    assert list(unit_tree.lineage(parents, 4)) == [4, 5]
    assert unit_tree.subtree(parents, 1) == {1, 2, 3}
    rows = [SimpleNamespace(id=i, parent_id=p) for i, p in [(1, None), (3, 1), (2, 1), (4, 3), (9, 42)]]
    assert [(row.id, depth) for row, depth in unit_tree.tree_order(rows)] == [(1, 0), (3, 1), (4, 2), (2, 1), (9, 0)]


def test_ancestor_ids_is_one_query_on_both_engines(app, db):
    top, bottom = (unit.id for unit in _chain(5))
    db.commit()
    found = {}
    assert _statements(app, lambda: found.update(ids=unit_tree.ancestor_ids(db, bottom))) == 1
    assert len(found["ids"]) == 5 and top in found["ids"]


def test_no_module_walks_the_tree_by_hand():
    """A second walk is a second place to fix: walking up or down the tree is unit_tree's job only."""
    walk_up = re.compile(r"while [^\n]*\n(?:[^\n]*\n){0,6}?\s+\w+ = [^\n]*parent")
    walk_down = re.compile(r"children(\.get|\.setdefault)?[\[(][^\n]*parent|todo\.extend\(children")
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "contest").rglob("*.py")
        if path.name != "unit_tree.py" and "models" not in path.parts
        and (walk_up.search(path.read_text()) or walk_down.search(path.read_text()))
    ]
    assert offenders == []
