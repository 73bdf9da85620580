"""Fixing a question's answer key after the fact, and rescoring the attempts that drew it.

Scores are recomputed by one set-based UPDATE, whatever the number of attempts; rankings are
computed from `attempt.score`, so they follow. Unfinished attempts are left alone: they are
scored, with the key of that moment, when they finish.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from contest.errors import NotFound, ValidationFailed
from contest.models import Answer, Attempt, AttemptQuestion
from contest.services import audit
from core.db import now_utc
from question_bank.models import Choice, Question

ACTION = "question_regraded"


@dataclass(frozen=True)
class RegradeReport:
    question_id: int
    changed: bool  # False: the choice already was the key, nothing was touched
    before_choice_id: int | None
    after_choice_id: int
    attempts_affected: int  # finished attempts that drew the question
    scores_changed: int


def _describe(choice: Choice | None) -> dict | None:
    if choice is None:
        return None
    return {"choice_id": choice.id, "letter": choice.letter, "text": choice.text}


def _new_score():
    """The score of the outer attempt from the keys as they are now (correlated to the UPDATE's row)."""
    return (
        select(func.coalesce(func.sum(AttemptQuestion.points), 0))
        .join(
            Answer,
            and_(Answer.attempt_id == AttemptQuestion.attempt_id, Answer.question_id == AttemptQuestion.question_id),
        )
        .join(Choice, and_(Choice.id == Answer.choice_id, Choice.is_correct))
        .where(AttemptQuestion.attempt_id == Attempt.id)
        .scalar_subquery()
    )


def _rescore(session: Session, question_id: int) -> tuple[int, int]:
    """(finished attempts that drew the question, how many of their scores changed)."""
    drew = select(AttemptQuestion.attempt_id).where(AttemptQuestion.question_id == question_id)
    finished = and_(Attempt.finished_at.is_not(None), Attempt.id.in_(drew))
    affected = session.scalar(select(func.count()).select_from(Attempt).where(finished))
    new_score = _new_score()
    changed = session.execute(
        update(Attempt)
        .where(finished, Attempt.score.is_distinct_from(new_score))
        .values(score=new_score)
        .execution_options(synchronize_session=False)
    ).rowcount
    for obj in list(session.identity_map.values()):  # loaded attempts must not keep the old score
        if isinstance(obj, Attempt):
            session.expire(obj, ["score"])
    return affected, changed


def set_correct_choice(session: Session, question_id: int, choice_id: int, actor_id: int | None,
                       ip: str | None = None) -> RegradeReport:
    """Makes `choice_id` the key of the question, rescores, audits. Flushes; the caller commits."""
    # The row lock serialises two organizers fixing the same key (PostgreSQL; SQLite has one writer).
    question = session.scalar(select(Question).where(Question.id == question_id).with_for_update())
    if question is None:
        raise NotFound(_("Không tìm thấy câu hỏi số %(question)s.", question=question_id))
    new = session.get(Choice, choice_id)
    if new is None:
        raise NotFound(_("Không tìm thấy phương án số %(choice)s.", choice=choice_id), field="choice_id")
    if new.question_id != question.id:
        raise ValidationFailed(
            _("Phương án số %(choice)s không thuộc câu hỏi số %(question)s; "
              "hãy chọn một phương án của câu hỏi này.", choice=choice_id, question=question_id),
            field="choice_id",
        )
    old = session.scalar(select(Choice).where(Choice.question_id == question.id, Choice.is_correct))
    if old is not None and old.id == new.id:
        return RegradeReport(question.id, False, old.id, new.id, 0, 0)
    if old is not None:  # one correct choice per question (partial unique index): unset first
        old.is_correct = False
        session.flush()
    new.is_correct = True
    question.updated_at = now_utc()
    session.flush()
    affected, changed = _rescore(session, question.id)
    audit.record(
        session,
        ACTION,
        user_id=actor_id,
        target=f"Câu hỏi #{question.id}",
        details={
            "question_id": question.id,
            "before": _describe(old),
            "after": _describe(new),
            "attempts_affected": affected,
            "scores_changed": changed,
        },
        ip=ip,
    )
    session.flush()
    return RegradeReport(question.id, True, old.id if old else None, new.id, affected, changed)
