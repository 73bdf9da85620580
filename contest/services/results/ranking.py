"""Individual rankings (SPEC §6), computed in SQL with window functions.

A round's ranking takes each person's counted attempt (best, first or last, as the round says)
and orders the counted attempts by the contest's tie-break chain; the last key (attempt id) is
unique, so `rank` is a plain row number and no tie is left. The contest ranking adds the rounds
up (sum) or keeps each person's best round, and orders people by the same chain.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, Select, String, cast, false, func, literal, or_, select
from sqlalchemy.orm import Session

from contest.models import Attempt, Contest, Round, Unit, User
from contest.services import unit_tree
from contest.services.results import flags, rank_order
from contest.services.results.rank_order import (  # noqa: F401  (re-exported: the round-level SQL lives there)
    _missing,
    _order_by,
    counted_attempts,
    prediction_actual,
    ranked_round,
    tie_break_chain,
)
from core.db import UTCDateTime
from core.paging import Page

DEFAULT_PER_PAGE = 50


@dataclass
class Entry:
    rank: int
    user_id: int
    username: str
    full_name: str
    unit_id: int | None
    unit_name: str | None
    unit_code: str | None
    score: int
    max_score: int
    prediction_error: int | None
    duration_seconds: int
    submitted_at: datetime
    attempt_id: int | None = None  # None in the contest ranking (several attempts add up)
    prediction: int | None = None
    rounds: int = 1
    receipt_code: str | None = None
    flags: list[str] = field(default_factory=list)  # flags.CODES, set only for staff (flags.annotate)

    @property
    def flag_labels(self) -> list[str]:
        return flags.labels(self.flags)

    @property
    def is_perfect(self) -> bool:
        return self.max_score > 0 and self.score == self.max_score


# --- a round's ranking: the cached rank order, details read for the rows shown ---------------
def round_ranking(session: Session, round_: Round, page: int = 1, per_page: int = DEFAULT_PER_PAGE, *,
                  with_flags: bool = False, **filters) -> Page:
    """`with_flags`: judges' views; the public page never shows them."""
    page = max(1, int(page))
    entries, total = _round_window(session, round_, per_page, (page - 1) * per_page, filters, with_flags)
    return Page(entries, total, page, per_page)


def ranked_page(session: Session, round_: Round, *, limit: int, offset: int = 0, with_flags: bool = False,
                **filters) -> Page:
    """The API's window on a round's ranking (limit/offset rather than page numbers)."""
    entries, total = _round_window(session, round_, limit, offset, filters, with_flags)
    return Page(entries, total, offset // limit + 1, limit)


def actual_value(session: Session, round_: Round) -> int:
    """The prediction question's actual value, from the cached order (cheap on every page)."""
    return rank_order.standing(session, round_).actual


def iter_round_ranking(session: Session, round_: Round, batch: int = 2000, *, with_flags: bool = False):
    """Every entry in rank order, streamed from one sorted query so memory stays bounded (exports,
    prizes); the same SQL as the cached order, so the two agree. Flags are read once for the round."""
    order = rank_order.standing(session, round_)
    ranked = ranked_round(session, round_, order.actual).subquery("ranked")
    entries = _stream(session, _entries_query(ranked).order_by(ranked.c.rank), batch)
    if not with_flags:
        yield from entries
        return
    try:
        yield from flags.annotated(session, round_, entries, fingerprint=order.fingerprint)
    finally:
        entries.close()


def _round_window(session: Session, round_: Round, limit: int, offset: int, filters: dict, with_flags: bool):
    order = rank_order.standing(session, round_)
    if any(filters.get(key) for key in ("unit_id", "group", "search")):
        allowed = set(session.scalars(_filtered(session, select(User.id).outerjoin(Unit, Unit.id == User.unit_id),
                                                filters)))
        positions = [i for i, user_id in enumerate(order.user_ids) if user_id in allowed]
    else:
        positions = range(len(order.attempt_ids))
    entries = _details(session, order, positions[offset:offset + limit])
    if with_flags:
        flags.annotate(session, round_, entries, fingerprint=order.fingerprint)
    return entries, len(positions)


def _details(session: Session, order, positions) -> list[Entry]:
    """The entries at these positions of the order (rank = position + 1), in one query."""
    ids = [order.attempt_ids[i] for i in positions]
    if not ids:
        return []
    rows = session.execute(
        select(
            Attempt.id.label("attempt_id"), Attempt.user_id, func.coalesce(Attempt.score, 0).label("score"),
            Attempt.max_score, Attempt.prediction, func.coalesce(Attempt.duration_seconds, 0).label("duration_seconds"),
            Attempt.submitted_at, Attempt.receipt_code, User.username, User.full_name, User.unit_id,
            Unit.name.label("unit_name"), Unit.code.label("unit_code"),
        )
        .join(User, User.id == Attempt.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(Attempt.id.in_(ids))
    )
    by_id = {row.attempt_id: row for row in rows}
    entries = []
    for position, attempt_id in zip(positions, ids):
        row = by_id[attempt_id]
        error = None if row.prediction is None else abs(row.prediction - order.actual)
        entries.append(_entry(row, rank=position + 1, prediction_error=error))
    return entries


# --- the contest's ranking --------------------------------------------------------------------
def ranked_contest(session: Session, contest: Contest) -> Select:
    """Per person: rounds added up (sum) or the best round (best), ranked by the same chain."""
    rows = []
    for round_ in contest.rounds:
        counted = counted_attempts(round_, prediction_actual(session, round_))
        rows.append(select(literal(round_.id).label("round_id"), *counted.c))
    if not rows:
        return select(*[cast(None, type_).label(name) for name, type_ in _CONTEST_COLUMNS.items()]).where(false())
    per_round = rows[0].union_all(*rows[1:]).subquery("per_round") if len(rows) > 1 else rows[0].subquery("per_round")
    if contest.overall_mode == "best":
        return _best_round(contest, per_round)
    missing = func.sum(_missing(per_round.c.prediction))
    totals = select(
        per_round.c.user_id,
        func.sum(per_round.c.score).label("score"),
        func.sum(per_round.c.max_score).label("max_score"),
        missing.label("missing_predictions"),
        func.sum(per_round.c.prediction_error).label("prediction_error"),
        func.sum(per_round.c.duration_seconds).label("duration_seconds"),
        func.sum(per_round.c.ranked_duration).label("ranked_duration"),  # each round's at its floor
        func.max(per_round.c.submitted_at).label("submitted_at"),
        func.count().label("rounds"),
    ).group_by(per_round.c.user_id).subquery("totals")
    order = _order_by(contest.tie_break, totals.c.score, totals.c.missing_predictions,
                      totals.c.prediction_error, totals.c.ranked_duration, totals.c.submitted_at,
                      totals.c.user_id)
    return select(
        func.row_number().over(order_by=order).label("rank"),
        totals.c.user_id, totals.c.score, totals.c.max_score, totals.c.prediction_error,
        totals.c.duration_seconds, totals.c.submitted_at, totals.c.rounds,
        cast(None, Integer).label("attempt_id"), cast(None, Integer).label("prediction"),
        cast(None, String).label("receipt_code"),
    )


_CONTEST_COLUMNS = {
    "rank": Integer, "user_id": Integer, "score": Integer, "max_score": Integer, "prediction_error": Integer,
    "duration_seconds": Integer, "submitted_at": UTCDateTime, "rounds": Integer, "attempt_id": Integer,
    "prediction": Integer, "receipt_code": String,
}


def _best_round(contest: Contest, per_round) -> Select:
    order = _order_by(contest.tie_break, per_round.c.score, _missing(per_round.c.prediction),
                      per_round.c.prediction_error, per_round.c.ranked_duration, per_round.c.submitted_at,
                      per_round.c.attempt_id)
    best = select(
        *per_round.c,
        func.row_number().over(partition_by=per_round.c.user_id, order_by=order).label("best"),
        func.count().over(partition_by=per_round.c.user_id).label("rounds"),
    ).subquery("best")
    kept = select(best).where(best.c.best == 1).subquery("kept")
    order = _order_by(contest.tie_break, kept.c.score, _missing(kept.c.prediction), kept.c.prediction_error,
                      kept.c.ranked_duration, kept.c.submitted_at, kept.c.attempt_id)
    return select(
        func.row_number().over(order_by=order).label("rank"),
        kept.c.user_id, kept.c.score, kept.c.max_score, kept.c.prediction_error, kept.c.duration_seconds,
        kept.c.submitted_at, kept.c.rounds, kept.c.attempt_id, kept.c.prediction, kept.c.receipt_code,
    )


def contest_ranking(session: Session, contest: Contest, page: int = 1, per_page: int = DEFAULT_PER_PAGE,
                    **filters) -> Page:
    return _page(session, ranked_contest(session, contest).subquery("ranked"), page, per_page, filters)


def iter_contest_ranking(session: Session, contest: Contest, batch: int = 2000):
    ranked = ranked_contest(session, contest).subquery("ranked")
    yield from _stream(session, _entries_query(ranked).order_by(ranked.c.rank), batch)


# --- filters, paging, entries -----------------------------------------------------------------
def _entries_query(ranked) -> Select:
    return (
        select(ranked, User.username, User.full_name, User.unit_id, Unit.name.label("unit_name"),
               Unit.code.label("unit_code"))
        .join(User, User.id == ranked.c.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
    )


def _page(session: Session, ranked, page: int, per_page: int, filters: dict) -> Page:
    page = max(1, int(page))
    entries, total = _window(session, ranked, per_page, (page - 1) * per_page, filters)
    return Page(entries, total, page, per_page)


def _window(session: Session, ranked, limit: int, offset: int, filters: dict) -> tuple[list[Entry], int]:
    query = _filtered(session, _entries_query(ranked), filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(ranked.c.rank).limit(limit).offset(offset))
    return [_entry(row) for row in rows], total


def _filtered(session: Session, query: Select, filters: dict) -> Select:
    if filters.get("unit_id"):
        query = query.where(User.unit_id.in_(sorted(unit_tree.subtree_ids(session, int(filters["unit_id"])))))
    if filters.get("group"):
        query = query.where(Unit.group == filters["group"])
    if filters.get("search"):
        pattern = f"%{filters['search'].strip()}%"
        query = query.where(or_(User.full_name.ilike(pattern), User.username.ilike(pattern)))
    return query


def _stream(session: Session, query: Select, batch: int):
    result = session.execute(query.execution_options(yield_per=batch))
    try:
        for row in result:
            yield _entry(row)
    finally:  # a caller that stops early (prizes) must not leave a server-side cursor open
        result.close()


def _entry(row, **override) -> Entry:
    m = row._mapping  # .get() on the mapping: a missing column is None, with no exception raised
    error = override.get("prediction_error", m.get("prediction_error"))
    return Entry(
        override.get("rank", m.get("rank")), m["user_id"], m["username"], m["full_name"], m["unit_id"],
        m["unit_name"], m["unit_code"], int(m["score"] or 0), int(m["max_score"] or 0),
        None if error is None else int(error), int(m["duration_seconds"] or 0), m["submitted_at"],
        attempt_id=m["attempt_id"], prediction=m["prediction"], rounds=int(m.get("rounds") or 1),
        receipt_code=m["receipt_code"],
    )
