"""Versions of a question's texts: what an attempt showed stays what it shows.

The current version lives in the question and choice rows (the bank's search, export and
import read them as before); an edit keeps the texts it replaces as a QuestionVersion and
counts the question's version up. Choice rows, and so the choice ids that answers and scoring
use, never change with a version: a question drawn into an attempt keeps its set of choices
and its key (catalog.check_edit), so only texts differ from one version to the next.
"""
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from core.db import now_utc

from .models import Choice, Question, QuestionVersion, SourceDocument


@dataclass(frozen=True)
class Content:
    """One version of a question as a participant or a reviewer reads it (never the key)."""

    version: int
    text: str
    choices: tuple[tuple[int, str], ...]  # (choice id, text) by position
    explanation: str | None
    source: str | None


def keep(session: Session, question: Question, *, user_id: int | None) -> None:
    """Stores the question's current texts as its version and counts the version up; the
    caller then writes the new texts. Two concurrent edits of one version collide on the
    primary key (question, number): one of them fails, none overwrites the other."""
    session.add(QuestionVersion(
        question_id=question.id,
        number=question.version,
        text=question.text,
        choices=[[choice.id, choice.text] for choice in question.choices],
        explanation=question.explanation,
        source=question.source.title if question.source else None,
        replaced_at=now_utc(),
        replaced_by_id=user_id,
    ))
    question.version += 1


def contents(session: Session, wanted) -> dict[tuple[int, int], Content]:
    """(question id, version number) → that version's content, for each pair asked for.

    One statement for the questions' current versions (question and choices joined: one
    snapshot, never a stem of one version with the choices of another), and one more only
    when some version asked for has been replaced since.
    """
    wanted = set(wanted)
    if not wanted:
        return {}
    rows = session.execute(
        select(Question.id, Question.version, Question.text, Question.explanation, SourceDocument.title,
               Choice.id, Choice.text)
        .join(Choice, Choice.question_id == Question.id)
        .outerjoin(SourceDocument, SourceDocument.id == Question.source_id)
        .where(Question.id.in_({qid for qid, _number in wanted}))
        .order_by(Question.id, Choice.position)
    ).all()
    heads: dict[tuple[int, int], tuple] = {}
    choices: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for qid, version, text, explanation, source, choice_id, choice_text in rows:
        if (qid, version) in wanted:
            heads[qid, version] = (text, explanation, source)
            choices.setdefault((qid, version), []).append((choice_id, choice_text))
    found = {
        key: Content(key[1], text, tuple(choices[key]), explanation, source)
        for key, (text, explanation, source) in heads.items()
    }
    older = sorted(wanted - found.keys())
    if older:
        for past in session.scalars(
            select(QuestionVersion).where(tuple_(QuestionVersion.question_id, QuestionVersion.number).in_(older))
        ):
            found[past.question_id, past.number] = Content(
                past.number, past.text, tuple((int(cid), text) for cid, text in past.choices), past.explanation,
                past.source,
            )
    return found
