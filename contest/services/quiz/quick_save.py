"""The save's fast path: one statement that checks the session, the attempt, its deadline and
the choice, and upserts the answer (bench/load_bench.py: saves are most of a contest's requests).

The ordinary path loads the account (Flask-Login), then the attempt under a share lock, then
the question's choice order, then upserts: up to four round trips and two ORM objects. Here a
single INSERT … SELECT writes the answer only if the session's row still exists and has not
expired (user_sessions.py: logout and password changes delete it), the account is active, the attempt is this person's, unfinished and within its
deadline plus grace, and the choice is one its question shows in this attempt. It needs no
per-process cache, so it holds on whichever worker the request lands. On PostgreSQL the SELECT
takes the same share lock on the attempt row as the ordinary path, so a submit in flight either
waits for this save or makes it find the attempt finished. When anything does not hold nothing
is written and the caller takes the ordinary path, which gives the precise answer: not logged
in, not found, closed, not a choice of the question.
"""
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from contest.digests import digest
from contest.services.quiz import answers
from contest.services.quiz.attempts import grace
from core.db import UTCDateTime, now_utc

_SQL = f"""
{answers.INSERT}
SELECT a.id, aq.question_id, :choice_id, :saved_at
FROM attempt a
JOIN "user" u ON u.id = a.user_id
JOIN user_session s ON s.user_id = a.user_id AND s.secret_hash = :secret_hash
JOIN attempt_question aq ON aq.attempt_id = a.id AND aq.question_id = :question_id
WHERE a.id = :attempt_id AND a.user_id = :user_id AND a.finished_at IS NULL AND a.deadline >= :cutoff
  AND u.is_active_account AND s.expires_at > :saved_at AND {{shown}}
{{lock}}
{answers.ON_CONFLICT}
RETURNING attempt_id
"""
_DIALECTS = {
    "postgresql": {
        "shown": "CAST(aq.choice_order AS jsonb) @> jsonb_build_array(CAST(:choice_id AS integer))",
        "lock": "FOR SHARE OF a",
    },
    "sqlite": {  # writers are serialised by BEGIN IMMEDIATE
        "shown": "EXISTS (SELECT 1 FROM json_each(aq.choice_order) AS c WHERE c.value = :choice_id)",
        "lock": "",
    },
}
_STATEMENTS = {
    name: text(_SQL.format(**parts)).bindparams(
        bindparam("saved_at", type_=UTCDateTime()), bindparam("cutoff", type_=UTCDateTime()))
    for name, parts in _DIALECTS.items()
}


def try_save(session: Session, principal: tuple[int, str], attempt_id: int, question_id: int, choice_id: int,
             *, grace_seconds: int) -> datetime | None:
    """The time the answer was saved, or None when the ordinary path must decide."""
    statement = _STATEMENTS.get(session.get_bind().dialect.name)
    if statement is None:
        return None
    now = now_utc()
    user_id, secret = principal
    saved = session.execute(statement, {
        "attempt_id": attempt_id, "question_id": question_id, "choice_id": choice_id, "saved_at": now,
        "user_id": user_id, "cutoff": now - grace(grace_seconds), "secret_hash": digest(secret),
    }).first()
    return now if saved is not None else None
