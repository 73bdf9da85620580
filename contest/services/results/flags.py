"""Implausible attempts (SPEC §9): flags computed from what is already stored, for judges.

A flag is a hint, never a verdict: judges see it on the ranking, the prize review, the API and
the workbook, and decide (a prize exclusion with a reason). A page (50 rows, a prize list)
reads the flags of its rows in a fixed number of queries, never one per row; an export reads
each flag once for the whole round, keeps only the flagged ids and streams on. The one flag
that always needs the whole round (identical answers) is computed once per change of the
round's finished attempts and kept per process.

- `too_fast`: finished in less than the round's minimum plausible time (question count ×
  `min_seconds_per_question`, default 3 s), from the stored duration.
- `fast_answers`: the answers were in place sooner than anyone can read them. Sorted by
  `saved_at`, the k-th answer (k ≥ 5) was saved less than k × the per-question minimum after
  the start. Not "short gaps between saves": a participant without JavaScript saves every
  answer in one form post, so zero gaps are normal; a re-save only moves `saved_at` later, so
  changing one's mind never raises the flag. It catches a script that fills every answer in a
  second and then waits before submitting (which `too_fast` alone misses).
- `burst_registration`: the account registered itself from an address where at least 5
  accounts registered within 10 minutes (`registered` rows of the audit log). An office behind
  one NAT address rarely self-registers five people in ten minutes; a farm does it in seconds.
  Imported accounts have no such row and are never flagged.
- `same_answers`: the attempt's answers (the same questions, each with the same choice, at
  least 5 answered) are identical to another account's finished attempt in the round, and at
  least 3 of them are wrong. Identical right answers prove nothing (two people who know the
  material agree), and rounds that give everyone the same questions make such matches common;
  copying shows in shared mistakes: the chance that two people pick the same wrong choice on
  the same 3+ questions and agree on everything else is small.
"""
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, cast, extract, func, select
from sqlalchemy.orm import Session

from contest.models import Answer, Attempt, AuditLog, Round
from contest.services.results.rank_order import FingerprintCache
from question_bank.models import Choice

CODES = ("too_fast", "fast_answers", "burst_registration", "same_answers")
LABELS = {  # lazy: str() them where a real str is needed (exports)
    "too_fast": _l("Làm bài nhanh bất thường"),
    "fast_answers": _l("Trả lời nhanh hơn tốc độ đọc"),
    "burst_registration": _l("Đăng ký hàng loạt từ cùng một địa chỉ"),
    "same_answers": _l("Bài làm giống hệt bài của tài khoản khác"),
}
FAST_ANSWERS_FROM = 5  # answers before the reading-pace check starts (a couple of quick ones are normal)
BURST_ACCOUNTS = 5
BURST_WINDOW = timedelta(minutes=10)
SAME_MIN_ANSWERED = 5
SAME_MIN_WRONG = 3

_same_cache = FingerprintCache()


def labels(codes: Iterable[str]) -> list[str]:
    return [str(LABELS[code]) for code in codes]


@dataclass(frozen=True)
class _Found:
    """The ids each query-based flag holds, for the rows at hand or for the whole round."""

    fast: frozenset[int] | set[int]  # attempt ids
    burst: frozenset[int] | set[int]  # user ids
    same: frozenset[int]  # attempt ids


def annotate(session: Session, round_: Round, entries: list, *, fingerprint: tuple | None = None) -> list:
    """Sets `entry.flags` (codes, in CODES order) on round-ranking entries (a page); returns them."""
    shown = [entry for entry in entries if entry.attempt_id is not None]
    if shown:
        found = _Found(_fast_answers(session, round_, [entry.attempt_id for entry in shown]),
                       _burst_registrations(session, {entry.user_id for entry in shown}),
                       _same_answers(session, round_, fingerprint))
        for entry in shown:
            _tag(round_, entry, found)
    return entries


def annotated(session: Session, round_: Round, entries: Iterator, *, fingerprint: tuple | None = None) -> Iterator:
    """Streams entries with their flags (exports): each flag is read once for the whole round,
    only the flagged ids are kept, and entries pass through one at a time."""
    found = None
    for entry in entries:
        if found is None:
            finished = select(Attempt.id).where(Attempt.round_id == round_.id, Attempt.finished_at.is_not(None))
            users = select(Attempt.user_id).where(Attempt.round_id == round_.id, Attempt.finished_at.is_not(None))
            found = _Found(_fast_answers(session, round_, finished), _burst_registrations(session, users),
                           _same_answers(session, round_, fingerprint))
        if entry.attempt_id is not None:
            _tag(round_, entry, found)
        yield entry


def _tag(round_: Round, entry, found: _Found) -> None:
    codes = {
        "too_fast": entry.duration_seconds < round_.min_duration_seconds,
        "fast_answers": entry.attempt_id in found.fast,
        "burst_registration": entry.user_id in found.burst,
        "same_answers": entry.attempt_id in found.same,
    }
    entry.flags = [code for code in CODES if codes[code]]


# --- the flags ---------------------------------------------------------------------------------
def _fast_answers(session: Session, round_: Round, attempt_ids) -> set[int]:
    """Among `attempt_ids` (a list or a subquery): only the flagged ids come back from the database."""
    per_question = round_.min_seconds_per_question
    if per_question <= 0:
        return set()
    position = func.row_number().over(partition_by=Answer.attempt_id, order_by=Answer.saved_at)
    timeline = (
        select(Answer.attempt_id, position.label("k"),
               _elapsed_ms(session, Answer.saved_at, Attempt.started_at).label("elapsed"))
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Answer.attempt_id.in_(attempt_ids))
        .subquery("timeline")
    )
    return set(session.scalars(
        select(timeline.c.attempt_id).distinct()
        .where(timeline.c.k >= FAST_ANSWERS_FROM, timeline.c.elapsed < timeline.c.k * (per_question * 1000))
    ))


def _elapsed_ms(session: Session, later, earlier):
    """Whole milliseconds between two naive-UTC columns, in the engine's own dialect (rounded:
    SQLite's julianday() is a float, and 90 s must not come out as 89.999)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.round(extract("epoch", later - earlier) * 1000)
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86_400_000.0)


def _burst_registrations(session: Session, user_ids) -> set[int]:
    """The accounts among `user_ids` (a set, or a subquery) registered within a burst from their address."""
    registered = AuditLog.action == "registered"
    addresses = select(AuditLog.ip).where(registered, AuditLog.user_id.in_(user_ids), AuditLog.ip.is_not(None))
    rows = session.execute(
        select(AuditLog.user_id, AuditLog.ip, AuditLog.at).where(registered, AuditLog.ip.in_(addresses))
    ).all()
    times = defaultdict(list)
    for _user, ip, at in rows:
        times[ip].append(at)
    for series in times.values():
        series.sort()
    return {user_id for user_id, ip, at in rows if user_id is not None and _in_burst(times[ip], at)}


def _in_burst(series: list, at) -> bool:
    """Whether some BURST_WINDOW containing `at` holds BURST_ACCOUNTS registrations of `series`."""
    first = bisect_left(series, at - BURST_WINDOW)
    last = bisect_right(series, at)
    return any(bisect_right(series, series[i] + BURST_WINDOW) - i >= BURST_ACCOUNTS for i in range(first, last))


def _same_answers(session: Session, round_: Round, fingerprint: tuple | None) -> frozenset[int]:
    """Attempt ids of the round whose answers another account's attempt repeats exactly
    (see the module's doc); kept per process while the round's finished attempts stay the same."""
    if fingerprint is None:
        return _compute_same_answers(session, round_)
    key = FingerprintCache.key(session, round_)
    found = _same_cache.get(key, fingerprint)
    if found is None:
        found = _compute_same_answers(session, round_)
        _same_cache.put(key, fingerprint, found)
    return found


# Each answer as a number, then per attempt: how many, their sum, the sum of their squares
# (residues keep every value inside 64 bits on both engines). Equal answer sets give equal
# triples; the few attempts whose triple repeats are then compared exactly.
_P1, _P2 = 2_147_483_647, 2_147_483_629


def _compute_same_answers(session: Session, round_: Round) -> frozenset[int]:
    code = (cast(Answer.question_id, BigInteger) * 1_000_003 + Answer.choice_id) % _P1
    signature = (
        select(Answer.attempt_id, Attempt.user_id, func.count().label("n"), func.sum(code).label("s1"),
               func.sum((code * code) % _P2).label("s2"))
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.round_id == round_.id, Attempt.finished_at.is_not(None))
        .group_by(Answer.attempt_id, Attempt.user_id)
        .having(func.count() >= SAME_MIN_ANSWERED)
        .subquery("signature")
    )
    repeated = (
        select(signature.c.n, signature.c.s1, signature.c.s2)
        .group_by(signature.c.n, signature.c.s1, signature.c.s2)
        .having(func.count(func.distinct(signature.c.user_id)) > 1)
        .subquery("repeated")
    )
    candidates = select(signature.c.attempt_id).join(
        repeated, (repeated.c.n == signature.c.n) & (repeated.c.s1 == signature.c.s1) & (repeated.c.s2 == signature.c.s2)
    )
    answers: dict[int, set] = defaultdict(set)
    users, wrong = {}, defaultdict(int)
    rows = session.execute(
        select(Answer.attempt_id, Attempt.user_id, Answer.question_id, Answer.choice_id, Choice.is_correct)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Choice, Choice.id == Answer.choice_id)
        .where(Answer.attempt_id.in_(candidates))
    )
    for attempt_id, user_id, question_id, choice_id, is_correct in rows:
        answers[attempt_id].add((question_id, choice_id))
        users[attempt_id] = user_id
        wrong[attempt_id] += not is_correct
    groups: dict[frozenset, list[int]] = defaultdict(list)
    for attempt_id, pairs in answers.items():
        if wrong[attempt_id] >= SAME_MIN_WRONG:
            groups[frozenset(pairs)].append(attempt_id)
    return frozenset(
        attempt_id for members in groups.values() if len({users[a] for a in members}) > 1 for attempt_id in members
    )


def clear_cache() -> None:
    _same_cache.clear()
