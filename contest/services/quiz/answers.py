"""Storing an attempt's answers: one check of the choices and one upsert, for one answer or many.

An answer is one row per (attempt, question) and the latest choice wins: the upsert's ON CONFLICT
clause is written here once and quick_save.py builds its checked INSERT … SELECT from it.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from contest.errors import InvalidChoice, NotFound
from contest.models import Attempt
from contest.services.quiz import choice_orders
from core.db import UTCDateTime

INSERT = "INSERT INTO answer (attempt_id, question_id, choice_id, saved_at)"
# PostgreSQL and SQLite (3.24+) read the same ON CONFLICT clause.
ON_CONFLICT = ("ON CONFLICT (attempt_id, question_id) "
               "DO UPDATE SET choice_id = excluded.choice_id, saved_at = excluded.saved_at")

# Spelled out as text: SQLAlchemy cannot cache the compiled form of on_conflict_do_update(), so
# building and compiling it cost a quarter of each save's CPU (py-spy under bench/load_bench.py).
UPSERT = text(
    f"{INSERT} VALUES (:attempt_id, :question_id, :choice_id, :saved_at) {ON_CONFLICT}"
).bindparams(bindparam("saved_at", type_=UTCDateTime()))


def check(session: Session, attempt: Attempt, answers: dict[int, int]) -> None:
    """Each question must be the attempt's and each choice one it shows (at most one query)."""
    orders = choice_orders.of(session, attempt)
    for question_id, choice_id in answers.items():
        if question_id not in orders:
            raise NotFound(_("Câu hỏi không thuộc bài thi này."))
        if choice_id not in orders[question_id]:
            raise InvalidChoice()


def upsert(session: Session, attempt_id: int, answers: dict[int, int], now: datetime) -> None:
    """Writes the answers, unchecked, in one statement (one executemany for many)."""
    if answers:
        session.execute(UPSERT, [{"attempt_id": attempt_id, "question_id": q, "choice_id": c, "saved_at": now}
                                 for q, c in answers.items()])


def store(session: Session, attempt: Attempt, answers: dict[int, int], now: datetime) -> None:
    """Checks every answer, then writes them all: a refused one leaves nothing written."""
    if not answers:  # nothing to check: not even the choice orders are read
        return
    check(session, attempt, answers)
    upsert(session, attempt.id, answers, now)
