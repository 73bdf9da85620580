"""Figures behind the results charts, counted by the database (a round may hold 100,000 attempts).

Each function returns a handful of rows: one per score, or one per quarter hour with a
submission. Days are days in the contest's time zone: the database groups by UTC quarter hour
(every zone's offset is a whole number of quarter hours) and Python folds the slots into local
days with zoneinfo, so the same code is exact on SQLite (no time-zone data) and PostgreSQL,
across any daylight-saving change.
"""
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, cast, extract, func, select
from sqlalchemy.orm import Session

from contest.models import Attempt, Round
from contest.services.results import ranking

SLOT_SECONDS = 15 * 60
MAX_DAYS = 366  # a longer span is shown from its last day back


def score_distribution(session: Session, round_: Round) -> tuple[list[tuple[int, int]], int]:
    """([(score, people)] for every score from 0 to the top, max score): each person's counted attempt."""
    counted = ranking.counted_attempts(round_, ranking.actual_value(session, round_))
    rows = session.execute(
        select(counted.c.score, func.count(), func.max(counted.c.max_score)).group_by(counted.c.score)
    ).all()
    people = {int(score or 0): int(count) for score, count, _top in rows}
    top = max([int(top or 0) for _s, _c, top in rows] + list(people) + [0])
    return [(score, people.get(score, 0)) for score in range(top + 1)], top


def _epoch_seconds(session: Session, column):
    """Seconds since 1970 of a naive-UTC column, in the engine's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(extract("epoch", column), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def attempts_per_day(session: Session, round_: Round, tz: str) -> list[tuple[date, int]]:
    """Finished attempts per local day of submission, every day from the first to the last."""
    slot = _epoch_seconds(session, Attempt.submitted_at) // SLOT_SECONDS
    rows = session.execute(
        select(slot.label("slot"), func.count())
        .where(Attempt.round_id == round_.id, Attempt.finished_at.is_not(None), Attempt.submitted_at.is_not(None))
        .group_by(slot)
    ).all()
    zone = ZoneInfo(tz)
    days: Counter[date] = Counter()
    for value, count in rows:
        moment = datetime.fromtimestamp(int(value) * SLOT_SECONDS, tz=timezone.utc)
        days[moment.astimezone(zone).date()] += int(count)
    if not days:
        return []
    last = max(days)
    first = max(min(days), last - timedelta(days=MAX_DAYS - 1))
    return [(first + timedelta(days=n), days.get(first + timedelta(days=n), 0)) for n in range((last - first).days + 1)]
