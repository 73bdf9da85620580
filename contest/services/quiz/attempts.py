"""Attempts, with the server in charge of time, attempt limits and answers.

Races (double clicks, two tabs, fifty start requests at once) are settled by the schema:
the unique (round, user, number) and the one-open-attempt partial index; finishing is a
conditional UPDATE, so only one request finalises an attempt and every other sees it done.
"""
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from contest.errors import (
    AttemptClosed,
    AttemptsExhausted,
    InvalidChoice,
    NotEligible,
    NotFound,
    RoundNotOpen,
    ValidationFailed,
)
from contest.models import Answer, Attempt, AttemptQuestion, Round, User
from contest.services import unit_tree
from contest.services.quiz import choice_orders, draw, scoring
from core.db import UTCDateTime, now_utc


def grace(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def check_eligible(session: Session, round_: Round, user: User) -> None:
    if user.role != "participant":
        raise NotEligible(_("Chỉ tài khoản thí sinh mới làm bài thi."))
    contest = round_.contest
    if (contest.registration_mode != "open" and user.registered_contest_id is not None
            and user.registered_contest_id != contest.id):  # issue 14: the mode is not skirted via an open contest
        raise NotEligible(_("Cuộc thi này chỉ dành cho tài khoản đăng ký qua mã mời hoặc được ban tổ chức duyệt; "
                            "tài khoản bạn tự đăng ký ở cuộc thi khác chưa làm được bài thi này. Hãy đăng ký "
                            "theo hướng dẫn của cuộc thi hoặc liên hệ ban tổ chức."))
    allowed = {unit.id for unit in round_.eligible_units}
    if not allowed:
        return
    if user.unit_unconfirmed and not contest.trust_declared_units:  # issue 14: declared, not confirmed
        raise NotEligible(_("Đơn vị bạn tự khai chưa được ban tổ chức xác nhận, nên bạn chưa làm được đợt thi "
                            "dành cho đơn vị; hãy liên hệ ban tổ chức."))
    if user.unit_id is None or not allowed & unit_tree.ancestor_ids(session, user.unit_id):
        raise NotEligible()  # neither the unit nor any unit above it is listed


def find_open(session: Session, round_id: int, user_id: int) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.round_id == round_id, Attempt.user_id == user_id, Attempt.finished_at.is_(None))
    )


def _attempts_of(session: Session, round_id: int, user_id: int) -> list[Attempt]:
    """All of a person's attempts in a round (a handful at most): the open one and the count in one query."""
    return list(session.scalars(select(Attempt).where(Attempt.round_id == round_id, Attempt.user_id == user_id)))


def start(session: Session, round_: Round, user: User, *, grace_seconds: int,
          key: str | None = None) -> tuple[Attempt, bool]:
    """(attempt, created): a new attempt, or the one in progress. Raises the SPEC §5 errors.

    `key` is the request's idempotency key: a start that repeats it gets the attempt it
    started, even finished, and never a new one (a retried request reached late).
    """
    now = now_utc()
    mine = _attempts_of(session, round_.id, user.id)
    repeated = next((attempt for attempt in mine if key is not None and attempt.start_key == key), None)
    if repeated is not None:
        return repeated, False
    current = next((attempt for attempt in mine if attempt.finished_at is None), None)
    if current is not None:
        if not expire_if_due(session, current, grace_seconds=grace_seconds, now=now):
            return current, False
    if not round_.is_open(now):
        raise RoundNotOpen()
    check_eligible(session, round_, user)
    used = len(mine)
    if round_.max_attempts is not None and used >= round_.max_attempts:
        # Another tab may have started it since we looked: resume that one rather than refuse.
        winner = find_open(session, round_.id, user.id)
        if winner is None:
            raise AttemptsExhausted()
        return winner, False
    drawn = draw.draw(session, round_)
    content = draw.payloads(session, drawn)
    values = {
        "round_id": round_.id,
        "user_id": user.id,
        "number": used + 1,
        "started_at": now,
        "deadline": min(now + timedelta(seconds=round_.duration_seconds), round_.closes_at),
        "max_score": round_.points_per_question * len(drawn),
        "start_key": key,
    }
    items = [(qid, draw.choice_order(content[qid], round_.shuffle_choices)) for qid in drawn]
    drawn_versions = {qid: content[qid].version for qid in drawn}
    attempt = None
    for _try in range(3):  # a new receipt code if one drawn at random was taken (rare)
        attempt = _insert_attempt(session, {**values, "receipt_code": secrets.token_hex(5).upper()})
        if attempt is not None:
            break
        # A second tab or a double click won the race (the schema refused this one): resume its attempt.
        winner = find_open(session, round_.id, user.id) or _started_with(session, round_.id, user.id, key)
        if winner is not None:
            return winner, False
        if round_.max_attempts is not None and len(_attempts_of(session, round_.id, user.id)) >= round_.max_attempts:
            raise AttemptsExhausted()
    if attempt is None:
        raise AttemptsExhausted()
    # The drawn questions in one multi-row INSERT, without an ORM object each (the opening burst
    # is thousands of starts).
    session.execute(insert(AttemptQuestion.__table__), [
        {"attempt_id": attempt.id, "question_id": qid, "version": drawn_versions[qid], "position": position,
         "choice_order": order, "points": round_.points_per_question}
        for position, (qid, order) in enumerate(items)
    ])
    attempt.just_started = (items, drawn_versions)  # state() builds its body from memory: nothing saved yet
    return attempt, True


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert_attempt(session: Session, values: dict) -> Attempt | None:
    """The new attempt, or None when a unique constraint refused it: INSERT … ON CONFLICT DO
    NOTHING RETURNING, one statement where a savepoint around a flush took three."""
    statement = _INSERTS[session.get_bind().dialect.name](Attempt).values(**values)
    return session.scalars(statement.on_conflict_do_nothing().returning(Attempt)).first()


def _started_with(session: Session, round_id: int, user_id: int, key: str | None) -> Attempt | None:
    if key is None:
        return None
    return session.scalar(select(Attempt).where(Attempt.round_id == round_id, Attempt.user_id == user_id,
                                                Attempt.start_key == key))


def get_owned(session: Session, attempt_id: int, user: User, *, lock: str | None = None) -> Attempt:
    """The user's own attempt; anyone else's id is simply not found.

    lock="share" for saves, "update" for submits (PostgreSQL row locks; SQLite is serialised by
    BEGIN IMMEDIATE): a submit waits for saves in flight, and saves after it see it finished.
    """
    stmt = select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
    if lock == "share":
        stmt = stmt.with_for_update(read=True)
    else:  # reads and submits show the round (prompt, score shown): fetched with the attempt
        stmt = stmt.options(joinedload(Attempt.round))
        if lock == "update":
            stmt = stmt.with_for_update(of=Attempt)
    attempt = session.scalar(stmt)
    if attempt is None:
        raise NotFound(_("Không tìm thấy bài thi."))
    return attempt


def accepts_writes_until(attempt: Attempt, grace_seconds: int) -> datetime:
    return attempt.deadline + grace(grace_seconds)


def is_due(attempt: Attempt, grace_seconds: int, now: datetime | None = None) -> bool:
    """Unfinished and past deadline + grace: the next touch finalises it."""
    return attempt.finished_at is None and (now or now_utc()) > accepts_writes_until(attempt, grace_seconds)


def expire_if_due(session: Session, attempt: Attempt, *, grace_seconds: int, now: datetime | None = None) -> bool:
    """Finalises an unsubmitted attempt past deadline + grace (lazily, when touched)."""
    now = now or now_utc()
    if is_due(attempt, grace_seconds, now):
        finish(session, attempt, by="system", now=now)
    return attempt.finished_at is not None


def save_answer(session: Session, attempt: Attempt, question_id: int, choice_id: int, *, grace_seconds: int) -> datetime:
    now = now_utc()
    if expire_if_due(session, attempt, grace_seconds=grace_seconds, now=now):
        raise AttemptClosed()
    _check_choices(session, attempt, {question_id: choice_id})
    _upsert_answers(session, attempt.id, {question_id: choice_id}, now)
    return now


def save_prediction(session: Session, attempt: Attempt, prediction: int | None, *, grace_seconds: int) -> datetime:
    """Keeps the prediction typed so far on the open attempt, so that an attempt the system
    finalises at the deadline still carries it; None clears it."""
    now = now_utc()
    if expire_if_due(session, attempt, grace_seconds=grace_seconds, now=now):
        raise AttemptClosed()
    if not attempt.round.prediction_prompt:
        raise ValidationFailed(_("Đợt thi này không có câu hỏi dự đoán."), field="prediction")
    attempt.prediction = prediction
    session.flush()
    return now


def _check_choices(session: Session, attempt: Attempt, answers: dict[int, int]) -> None:
    """Each question must be the attempt's and each choice one it shows (at most one query)."""
    orders = choice_orders.of(session, attempt)
    for question_id, choice_id in answers.items():
        if question_id not in orders:
            raise NotFound(_("Câu hỏi không thuộc bài thi này."))
        if choice_id not in orders[question_id]:
            raise InvalidChoice()


def _upsert_answers(session: Session, attempt_id: int, answers: dict[int, int], now: datetime) -> None:
    rows = [{"attempt_id": attempt_id, "question_id": q, "choice_id": c, "saved_at": now} for q, c in answers.items()]
    session.execute(UPSERT_ANSWER, rows)


# Spelled out as text: SQLAlchemy cannot cache the compiled form of on_conflict_do_update(), so
# building and compiling it cost a quarter of each save's CPU (py-spy under bench/load_bench.py).
# PostgreSQL and SQLite (3.24+) read the same ON CONFLICT clause.
UPSERT_ANSWER = text(
    "INSERT INTO answer (attempt_id, question_id, choice_id, saved_at) "
    "VALUES (:attempt_id, :question_id, :choice_id, :saved_at) "
    "ON CONFLICT (attempt_id, question_id) DO UPDATE SET choice_id = excluded.choice_id, saved_at = excluded.saved_at"
).bindparams(bindparam("saved_at", type_=UTCDateTime()))


def submit(session: Session, attempt: Attempt, *, prediction: int | None, answers: dict[int, int] | None,
           grace_seconds: int) -> Attempt:
    """Saves the carried answers, then finalises. A second submit changes nothing."""
    if attempt.finished_by == "participant":
        return attempt
    now = now_utc()
    if expire_if_due(session, attempt, grace_seconds=grace_seconds, now=now):
        raise AttemptClosed()
    if answers:
        _check_choices(session, attempt, answers)
        _upsert_answers(session, attempt.id, answers, now)
    finish(session, attempt, by="participant", now=now, prediction=prediction)
    return attempt


_KEEP = object()


def finish(session: Session, attempt: Attempt, *, by: str, now: datetime, prediction=_KEEP) -> bool:
    """Closes and scores the attempt once; False when another request already did.

    The conditional UPDATE comes first: on PostgreSQL it waits for every save holding the
    row FOR SHARE to commit, so the score below counts every acknowledged answer. (The score
    cannot be a subquery of that UPDATE: its snapshot predates the wait.)
    """
    submitted_at = now if by == "participant" else attempt.deadline
    duration = int((min(submitted_at, attempt.deadline) - attempt.started_at).total_seconds())
    values = {"finished_at": now, "submitted_at": submitted_at, "finished_by": by, "duration_seconds": duration,
              "prediction": attempt.prediction if prediction is _KEEP else prediction}
    closed = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.finished_at.is_(None)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not closed:  # another request finished it: show what it stored
        session.refresh(attempt)
        return False
    values["score"] = scoring.scores(session, [attempt.id]).get(attempt.id, 0)
    session.execute(
        update(Attempt).where(Attempt.id == attempt.id).values(score=values["score"])
        .execution_options(synchronize_session=False)
    )
    for name, value in values.items():  # the row as now stored, without reading it back
        set_committed_value(attempt, name, value)
    return True


def close_expired(session: Session, *, grace_seconds: int, batch: int = 500) -> int:
    """Finalises every attempt whose deadline + grace has passed; returns how many."""
    now = now_utc()
    cutoff = now - grace(grace_seconds)
    closed = 0
    while True:
        due = session.scalars(
            select(Attempt).where(Attempt.finished_at.is_(None), Attempt.deadline < cutoff).order_by(Attempt.id).limit(batch)
        ).all()
        if not due:
            return closed
        for attempt in due:
            closed += finish(session, attempt, by="system", now=now)
        session.flush()


def state(session: Session, attempt: Attempt) -> dict:
    """The SPEC §5 attempt body: questions in the attempt's order, never the correct choice."""
    started = attempt.__dict__.pop("just_started", None)
    if started is not None:  # once, right after start(): no answer can exist yet
        (items, drawn_versions), answers = started, {}
    else:
        rows = session.execute(  # the questions with their saved answers: one query
            select(AttemptQuestion.question_id, AttemptQuestion.version, AttemptQuestion.choice_order,
                   Answer.choice_id)
            .outerjoin(Answer, (Answer.attempt_id == AttemptQuestion.attempt_id)
                       & (Answer.question_id == AttemptQuestion.question_id))
            .where(AttemptQuestion.attempt_id == attempt.id)
            .order_by(AttemptQuestion.position)
        ).all()
        items = [(qid, order) for qid, _version, order, _choice in rows]
        drawn_versions = {qid: version for qid, version, _order, _choice in rows}
        answers = {qid: choice for qid, _version, _order, choice in rows if choice is not None}
    choice_orders.remember(attempt, items)  # the saves that follow need not read them again
    content = draw.payloads(session, drawn_versions)  # the texts the attempt drew, whatever was edited since
    questions = []
    for qid, order in items:
        texts = dict(content[qid].choices)
        questions.append(
            {
                "id": qid,
                "text": content[qid].text,
                "choices": [{"id": cid, "text": texts[cid]} for cid in order if cid in texts],
            }
        )
    round_ = attempt.round
    return {
        "attempt_id": attempt.id,
        "round_id": attempt.round_id,
        "status": "in_progress" if attempt.finished_at is None else "finished",
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_now": now_utc(),
        "questions": questions,
        "answers": {str(q): c for q, c in answers.items()},
        "prediction": {"prompt": round_.prediction_prompt} if round_.prediction_prompt else None,
    }
