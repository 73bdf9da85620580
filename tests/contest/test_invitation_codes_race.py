"""Generating a contest's invitation codes twice at once (two organizers, a double click) gives
each unit one code and no 500 (review of issue 14)."""
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.extensions import db as _db
from contest.models import Contest, UnitInvitation
from contest.services.people import registration_review
from tests.factories import make_contest, make_unit


def test_a_second_generation_replaces_the_codes(db):
    contest = make_contest(registration_mode="invitation")
    units = [make_unit(code=f"U{n}", name=f"Sở {n}").id for n in range(3)]
    db.commit()
    first = {row.unit_id: row.code for row in (registration_review.generate_codes(db, contest, units) and
                                               registration_review.invitations(db, contest))}
    db.commit()
    assert registration_review.generate_codes(db, contest, units) == ["U0", "U1", "U2"]
    db.commit()
    second = {row.unit_id: row.code for row in registration_review.invitations(db, contest)}
    assert set(second) == set(units) and all(second[unit] != first[unit] for unit in units)


@pytest.mark.parametrize("engine_name", ["postgresql"])  # SQLite lets one writer at a time: no race to settle
def test_two_generations_at_once_both_succeed(db, engine_name):
    contest = make_contest(registration_mode="invitation")
    units = [make_unit(code=f"U{n}", name=f"Sở {n}").id for n in range(3)]
    db.commit()
    engine, contest_id = _db.engine, contest.id
    first = Session(engine)
    registration_review.generate_codes(first, first.get(Contest, contest_id), units)  # flushed, not committed
    outcome = {}

    def second_organizer():
        with Session(engine) as second:
            try:
                outcome["codes"] = registration_review.generate_codes(second, second.get(Contest, contest_id), units)
                second.commit()
            except Exception as exc:  # noqa: BLE001 — the test reports what went wrong
                outcome["error"] = repr(exc)

    thread = threading.Thread(target=second_organizer)
    thread.start()
    thread.join(1.0)  # on PostgreSQL it waits for the first transaction
    first.commit()
    first.close()
    thread.join(30)
    assert outcome == {"codes": ["U0", "U1", "U2"]}
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(UnitInvitation)) == 3
