"""Individual rankings (SPEC §6), computed in SQL with window functions.

A round's ranking takes each person's counted attempt (best, first or last, as the round says)
and orders the counted attempts by the contest's tie-break chain; the last key (attempt id) is
unique, so `rank` is a plain row number and no tie is left. The contest ranking adds the rounds
up (sum) or keeps each person's best round, and orders people by the same chain.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, Select, String, case, cast, false, func, literal, or_, select
from sqlalchemy.orm import Session

from contest.errors import ValidationFailed
from contest.models import TIE_BREAK_KEYS, Attempt, Contest, Round, Unit, User
from question_bank.db import UTCDateTime

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

    @property
    def is_perfect(self) -> bool:
        return self.max_score > 0 and self.score == self.max_score


@dataclass
class Page:
    entries: list[Entry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def tie_break_chain(keys: list[str] | None) -> list[str]:
    """The contest's chain, checked, with `id` forced last so the order is total."""
    chain = [key for key in (keys or TIE_BREAK_KEYS) if key != "id"]
    unknown = [key for key in chain if key not in TIE_BREAK_KEYS]
    if unknown or len(set(chain)) != len(chain):
        raise ValidationFailed(
            f"Thứ tự xét hạng không hợp lệ: {', '.join(keys or [])}. "
            f"Chỉ dùng các khoá {', '.join(TIE_BREAK_KEYS)}, mỗi khoá một lần."
        )
    return [*chain, "id"]


# --- the counted attempt of each person -------------------------------------------------------
def _finished(round_id: int):
    return (Attempt.round_id == round_id) & Attempt.finished_at.is_not(None)


def _score():
    return func.coalesce(Attempt.score, 0)


def _pick_order(grading: str, chain_order: list) -> list:
    if grading == "first":
        return [Attempt.number.asc()]
    if grading == "last":
        return [Attempt.number.desc()]
    return chain_order  # best: the attempt the ranking itself would put first


def counted_attempts(round_: Round, actual: int | None = None):
    """Subquery: one row per person, their counted finished attempt, with its prediction error."""
    error = func.abs(Attempt.prediction - literal(actual if actual is not None else 0))
    order = _order_by(round_.contest.tie_break, _score(), _missing(Attempt.prediction), error,
                      Attempt.duration_seconds, Attempt.submitted_at, Attempt.id)
    pick = func.row_number().over(partition_by=Attempt.user_id, order_by=_pick_order(round_.grading, order))
    inner = select(
        Attempt.id.label("attempt_id"),
        Attempt.user_id,
        _score().label("score"),
        Attempt.max_score,
        Attempt.prediction,
        case((Attempt.prediction.is_(None), None), else_=error).label("prediction_error"),
        func.coalesce(Attempt.duration_seconds, 0).label("duration_seconds"),
        Attempt.submitted_at,
        Attempt.receipt_code,
        pick.label("pick"),
    ).where(_finished(round_.id)).subquery("finished")
    return select(inner).where(inner.c.pick == 1).subquery("counted")


def prediction_actual(session: Session, round_: Round) -> int:
    """The value predictions are compared with, computed by the system (SPEC §6)."""
    if round_.prediction_target == "attempts":
        return session.scalar(select(func.count()).where(_finished(round_.id))) or 0
    counted = counted_attempts(round_)  # the actual doesn't change which attempt counts for these
    if round_.prediction_target == "participants":
        return session.scalar(select(func.count()).select_from(counted)) or 0
    return session.scalar(
        select(func.count()).select_from(counted).where((counted.c.score == counted.c.max_score) & (counted.c.max_score > 0))
    ) or 0


def _missing(prediction):
    return case((prediction.is_(None), 1), else_=0)


def _order_by(keys, score, missing, error, duration, submitted, ident) -> list:
    """`missing` counts the predictions not given: fewer missing ranks first, then the closer."""
    columns = {
        "score": [score.desc()],
        "prediction": [missing.asc(), func.coalesce(error, 0).asc()],
        "duration": [duration.asc()],
        "submitted_at": [submitted.asc()],
        "id": [ident.asc()],
    }
    return [column for key in tie_break_chain(keys) for column in columns[key]]


# --- a round's ranking ------------------------------------------------------------------------
def ranked_round(session: Session, round_: Round) -> Select:
    """Every counted attempt with its rank; filter and page the result as a subquery."""
    counted = counted_attempts(round_, prediction_actual(session, round_))
    order = _order_by(round_.contest.tie_break, counted.c.score, _missing(counted.c.prediction),
                      counted.c.prediction_error, counted.c.duration_seconds, counted.c.submitted_at,
                      counted.c.attempt_id)
    return select(func.row_number().over(order_by=order).label("rank"), *counted.c)


def round_ranking(session: Session, round_: Round, page: int = 1, per_page: int = DEFAULT_PER_PAGE,
                  **filters) -> Page:
    return _page(session, ranked_round(session, round_).subquery("ranked"), page, per_page, filters)


def iter_round_ranking(session: Session, round_: Round, batch: int = 2000):
    """Every entry in rank order, streamed in batches so memory stays bounded (exports)."""
    ranked = ranked_round(session, round_).subquery("ranked")
    yield from _stream(session, _entries_query(ranked).order_by(ranked.c.rank), batch)


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
        func.max(per_round.c.submitted_at).label("submitted_at"),
        func.count().label("rounds"),
    ).group_by(per_round.c.user_id).subquery("totals")
    order = _order_by(contest.tie_break, totals.c.score, totals.c.missing_predictions,
                      totals.c.prediction_error, totals.c.duration_seconds, totals.c.submitted_at,
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
                      per_round.c.prediction_error, per_round.c.duration_seconds, per_round.c.submitted_at,
                      per_round.c.attempt_id)
    best = select(
        *per_round.c,
        func.row_number().over(partition_by=per_round.c.user_id, order_by=order).label("best"),
        func.count().over(partition_by=per_round.c.user_id).label("rounds"),
    ).subquery("best")
    kept = select(best).where(best.c.best == 1).subquery("kept")
    order = _order_by(contest.tie_break, kept.c.score, _missing(kept.c.prediction), kept.c.prediction_error,
                      kept.c.duration_seconds, kept.c.submitted_at, kept.c.attempt_id)
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


def ranked_page(session: Session, round_: Round, *, limit: int, offset: int = 0, **filters) -> Page:
    """The API's window on a round's ranking (limit/offset rather than page numbers)."""
    entries, total = _window(session, ranked_round(session, round_).subquery("ranked"), limit, offset, filters)
    return Page(entries, total, offset // limit + 1, limit)


def _filtered(session: Session, query: Select, filters: dict) -> Select:
    if filters.get("unit_id"):
        query = query.where(User.unit_id.in_(unit_and_descendants(session, int(filters["unit_id"]))))
    if filters.get("group"):
        query = query.where(Unit.group == filters["group"])
    if filters.get("search"):
        pattern = f"%{filters['search'].strip()}%"
        query = query.where(or_(User.full_name.ilike(pattern), User.username.ilike(pattern)))
    return query


def unit_and_descendants(session: Session, unit_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for unit_id_, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id_)
    found, todo = [], [unit_id]
    while todo:
        current = todo.pop()
        if current in found:  # a cycle cannot exist (check constraint is one level), but never loop
            continue
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _stream(session: Session, query: Select, batch: int):
    result = session.execute(query.execution_options(yield_per=batch))
    try:
        for row in result:
            yield _entry(row)
    finally:  # a caller that stops early (prizes) must not leave a server-side cursor open
        result.close()


def _entry(row) -> Entry:
    return Entry(
        rank=row.rank, user_id=row.user_id, username=row.username, full_name=row.full_name,
        unit_id=row.unit_id, unit_name=row.unit_name, unit_code=row.unit_code, score=int(row.score or 0), max_score=int(row.max_score or 0),
        prediction_error=None if row.prediction_error is None else int(row.prediction_error),
        duration_seconds=int(row.duration_seconds or 0), submitted_at=row.submitted_at,
        attempt_id=row.attempt_id, prediction=row.prediction, rounds=int(getattr(row, "rounds", 1) or 1),
        receipt_code=row.receipt_code,
    )
