"""A round's rank order (SPEC §6) in SQL, and a per-process cache of it.

The order takes each person's counted attempt (best, first or last, as the round says) and
sorts the counted attempts by the contest's tie-break chain; the last key (attempt id) is
unique, so a rank is a plain position and no tie is left.

Sorting 100,000 attempts takes the database a few hundred milliseconds, yet the order only
changes when an attempt finishes, a key is regraded or the settings change. So the order (two
integer arrays, under 2 MB for 100,000 people) is kept per process, tagged with a fingerprint
of the round's finished attempts that one indexed aggregate reads on every request; a page then
reads only the rows it shows. The fingerprint covers the count, the latest finish, the highest
id and id-weighted sums of the scores, predictions and durations (so a regrade that moves points
between attempts shows), plus the settings the order depends on (the minimum plausible time too).

Speed below human pace wins nothing (SPEC §9): in the tie-break a duration under the round's
minimum counts as the minimum, so a 0-second perfect attempt ties on time with a 90-second one
and the next key (the submission time) decides.
"""
from array import array
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import BigInteger, Select, case, cast, func, literal, select
from sqlalchemy.orm import Session

from contest.errors import ValidationFailed
from contest.models import TIE_BREAK_KEYS, Attempt, Round
from core.cache import BoundedCache

MAX_CACHED_ROUNDS = 32  # rounds whose order (≤ 2 MB each) one process keeps
_PRIME = 1_000_003


class FingerprintCache:
    """Per process: a value per (database, round), good while the round's fingerprint is the same;
    at most `size` rounds, the least recently used going first (core/cache.py)."""

    def __init__(self, size: int = MAX_CACHED_ROUNDS):
        self._entries = BoundedCache(size)

    @staticmethod
    def key(session: Session, round_: Round) -> tuple:
        return session.get_bind().url.render_as_string(), round_.id

    def get(self, key: tuple, fingerprint: tuple):
        hit = self._entries.get(key)
        return hit[1] if hit is not None and hit[0] == fingerprint else None

    def put(self, key: tuple, fingerprint: tuple, value) -> None:
        self._entries.put(key, (fingerprint, value))

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_cache = FingerprintCache()


@dataclass(frozen=True)
class Standing:
    attempt_ids: array  # counted attempts, best first
    user_ids: array  # the same positions' people
    actual: int  # the prediction question's actual value
    fingerprint: tuple = ()  # what the order was computed from (flags.py keys its cache on it)


def tie_break_chain(keys: list[str] | None) -> list[str]:
    """The contest's chain, checked, with `id` forced last so the order is total."""
    chain = [key for key in (keys or TIE_BREAK_KEYS) if key != "id"]
    unknown = [key for key in chain if key not in TIE_BREAK_KEYS]
    if unknown or len(set(chain)) != len(chain):
        raise ValidationFailed(
            _("Thứ tự xét hạng không hợp lệ: %(keys)s. Chỉ dùng các khoá %(allowed)s, mỗi khoá một lần.",
              keys=", ".join(keys or []), allowed=", ".join(TIE_BREAK_KEYS))
        )
    return [*chain, "id"]


# --- the counted attempt of each person -------------------------------------------------------
def _finished(round_id: int):
    return (Attempt.round_id == round_id) & Attempt.finished_at.is_not(None)


def _score():
    return func.coalesce(Attempt.score, 0)


def _ranked_duration(round_: Round):
    """The duration the tie-break compares: never below the round's minimum plausible time."""
    duration, floor = func.coalesce(Attempt.duration_seconds, 0), round_.min_duration_seconds
    return case((duration < floor, literal(floor)), else_=duration)


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
                      _ranked_duration(round_), Attempt.submitted_at, Attempt.id)
    pick = func.row_number().over(partition_by=Attempt.user_id, order_by=_pick_order(round_.grading, order))
    inner = select(
        Attempt.id.label("attempt_id"),
        Attempt.user_id,
        _score().label("score"),
        Attempt.max_score,
        Attempt.prediction,
        case((Attempt.prediction.is_(None), None), else_=error).label("prediction_error"),
        func.coalesce(Attempt.duration_seconds, 0).label("duration_seconds"),
        _ranked_duration(round_).label("ranked_duration"),
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


# --- a round's rank order ----------------------------------------------------------------------
def ranked_round(session: Session, round_: Round, actual: int | None = None) -> Select:
    """Every counted attempt with its rank, in SQL."""
    if actual is None:
        actual = prediction_actual(session, round_)
    counted = counted_attempts(round_, actual)
    order = _order_by(round_.contest.tie_break, counted.c.score, _missing(counted.c.prediction),
                      counted.c.prediction_error, counted.c.ranked_duration, counted.c.submitted_at,
                      counted.c.attempt_id)
    return select(func.row_number().over(order_by=order).label("rank"), *counted.c)


def _fingerprint(session: Session, round_: Round) -> tuple:
    # Residues keep every product and sum inside 64 bits on both engines.
    weight = cast(Attempt.id % _PRIME, BigInteger)
    weighted = [func.coalesce(func.sum(cast(func.coalesce(column, -1) % _PRIME, BigInteger) * weight), 0)
                for column in (Attempt.score, Attempt.prediction, Attempt.duration_seconds)]
    row = session.execute(
        select(func.count(), func.max(Attempt.finished_at), func.max(Attempt.id), *weighted).where(_finished(round_.id))
    ).one()
    settings = (tuple(tie_break_chain(round_.contest.tie_break)), round_.grading, round_.prediction_target,
                round_.min_duration_seconds)
    return (*(int(v) if isinstance(v, int) else v for v in row), settings)


def standing(session: Session, round_: Round) -> Standing:
    """The round's order: from the cache when its fingerprint still matches, else computed."""
    key = FingerprintCache.key(session, round_)
    fingerprint = _fingerprint(session, round_)
    hit = _cache.get(key, fingerprint)
    if hit is not None:
        return hit
    actual = prediction_actual(session, round_)
    ranked = ranked_round(session, round_, actual).subquery("ranked")
    attempt_ids, user_ids = array("q"), array("q")
    for attempt_id, user_id in session.execute(select(ranked.c.attempt_id, ranked.c.user_id).order_by(ranked.c.rank)):
        attempt_ids.append(attempt_id)
        user_ids.append(user_id)
    result = Standing(attempt_ids, user_ids, actual, fingerprint)
    _cache.put(key, fingerprint, result)
    return result


def clear_cache() -> None:
    _cache.clear()
