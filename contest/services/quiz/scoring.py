"""Scores: the points of the attempt's questions whose saved choice is the correct one."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.models import Answer, AttemptQuestion
from question_bank.models import Choice


def scores(session: Session, attempt_ids: list[int]) -> dict[int, int]:
    """One grouped query for any number of attempts; attempts with no correct answer are absent."""
    if not attempt_ids:
        return {}
    rows = session.execute(
        select(AttemptQuestion.attempt_id, func.sum(AttemptQuestion.points))
        .join(
            Answer,
            (Answer.attempt_id == AttemptQuestion.attempt_id) & (Answer.question_id == AttemptQuestion.question_id),
        )
        .join(Choice, (Choice.id == Answer.choice_id) & Choice.is_correct)
        .where(AttemptQuestion.attempt_id.in_(attempt_ids))
        .group_by(AttemptQuestion.attempt_id)
    )
    return {attempt_id: int(total) for attempt_id, total in rows}
