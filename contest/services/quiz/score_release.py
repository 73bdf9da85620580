"""Whether a participant sees their score right after submitting (SPEC §9).

Only the total is ever shown before the round closes, never which question was right. Even a
total is a key oracle: an attempt that answers one question and reads 0/1 or 1/1 learns that
answer. So the total is shown at once only when the round says so, its contest does not forbid
it, and the attempt answered every one of its questions; otherwise it waits for the results.
A total over every question still leaks something to a determined prober with many attempts
or many accounts (each attempt changes some answers and compares), which is why the round form
warns about it and a contest can forbid it (`forbid_immediate_score`).
"""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.models import Answer, Attempt, AttemptQuestion


def shown(attempt: Attempt, answered: int, drawn: int) -> bool:
    return attempt.is_finished and attempt.round.score_at_once and drawn > 0 and answered >= drawn


def counts(session: Session, attempt_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(answered, drawn) per attempt, in one query."""
    if not attempt_ids:
        return {}
    rows = session.execute(
        select(AttemptQuestion.attempt_id, func.count(Answer.question_id), func.count())
        .outerjoin(Answer, (Answer.attempt_id == AttemptQuestion.attempt_id)
                   & (Answer.question_id == AttemptQuestion.question_id))
        .where(AttemptQuestion.attempt_id.in_(attempt_ids))
        .group_by(AttemptQuestion.attempt_id)
    )
    return {attempt_id: (answered, drawn) for attempt_id, answered, drawn in rows}


def shown_ids(session: Session, attempts: list[Attempt]) -> set[int]:
    """The ids among `attempts` whose score may be shown now (no query when none could be)."""
    candidates = [attempt for attempt in attempts if attempt.is_finished and attempt.round.score_at_once]
    found = counts(session, [attempt.id for attempt in candidates])
    return {attempt.id for attempt in candidates if shown(attempt, *found.get(attempt.id, (0, 0)))}
