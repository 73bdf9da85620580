"""Attempts, with the server in charge of time, attempt limits and answers.

Races (double clicks, two tabs, fifty start requests at once) are settled by the schema:
the unique (round, user, number) and the one-open-attempt partial index; finishing is a
conditional UPDATE, so only one request finalises an attempt and every other sees it done.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from contest.db import upgrade_to_write
from contest.errors import AttemptClosed, AttemptsExhausted, NotEligible, NotFound, RoundNotOpen, ValidationFailed
from contest.models import Answer, Attempt, AttemptQuestion, Round, User
from contest.services import unit_tree
from contest.services.quiz import answers as stored_answers
from contest.services.quiz import choice_orders, draw, scoring
from core.db import now_utc


@dataclass(frozen=True)
class Drawn:
    """The questions an attempt shows: (question id, choice order) in its order, and the version
    of each one's texts."""
    items: list[tuple[int, list[int]]]
    versions: dict[int, int]


@dataclass(frozen=True)
class Started:
    """What start() did: the attempt, whether it is new, and for a new one what it drew, from
    which state() builds the first body without reading back what was just written."""
    attempt: Attempt
    created: bool = False
    drawn: Drawn | None = None


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
          key: str | None = None) -> Started:
    """A new attempt, or the one in progress. Raises the SPEC §5 errors.

    `key` is the request's idempotency key: a start that repeats it gets the attempt it
    started, even finished, and never a new one (a retried request reached late).
    """
    now = now_utc()
    mine = _attempts_of(session, round_.id, user.id)
    repeated = next((attempt for attempt in mine if key is not None and attempt.start_key == key), None)
    if repeated is not None:
        return Started(repeated)
    current = next((attempt for attempt in mine if attempt.finished_at is None), None)
    if current is not None and not close_if_due(session, current, grace_seconds=grace_seconds, now=now):
        return Started(current)
    if not round_.is_open(now):
        raise RoundNotOpen()
    check_eligible(session, round_, user)
    used = len(mine)
    if round_.max_attempts is not None and used >= round_.max_attempts:
        # Another tab may have started it since we looked: resume that one rather than refuse.
        winner = find_open(session, round_.id, user.id)
        if winner is None:
            raise AttemptsExhausted()
        return Started(winner)
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
    drew = Drawn(items=[(qid, draw.choice_order(content[qid], round_.shuffle_choices)) for qid in drawn],
                 versions={qid: content[qid].version for qid in drawn})
    attempt = None
    for _try in range(3):  # a new receipt code if one drawn at random was taken (rare)
        attempt = _insert_attempt(session, {**values, "receipt_code": secrets.token_hex(5).upper()})
        if attempt is not None:
            break
        # A second tab or a double click won the race (the schema refused this one): resume its attempt.
        winner = find_open(session, round_.id, user.id) or _started_with(session, round_.id, user.id, key)
        if winner is not None:
            return Started(winner)
        if round_.max_attempts is not None and len(_attempts_of(session, round_.id, user.id)) >= round_.max_attempts:
            raise AttemptsExhausted()
    if attempt is None:
        raise AttemptsExhausted()
    # The drawn questions in one multi-row INSERT, without an ORM object each (the opening burst
    # is thousands of starts).
    session.execute(insert(AttemptQuestion.__table__), [
        {"attempt_id": attempt.id, "question_id": qid, "version": drew.versions[qid], "position": position,
         "choice_order": order, "points": round_.points_per_question}
        for position, (qid, order) in enumerate(drew.items)
    ])
    return Started(attempt, created=True, drawn=drew)


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


def touch(session: Session, attempt_id: int, user: User, *, grace_seconds: int) -> Attempt:
    """The user's own attempt as it stands, for a page or a GET. One past deadline + grace is
    finalised first, and that is committed at once: whatever the request does next (render,
    redirect, fail) cannot undo it, and on SQLite only this rare case takes the write lock."""
    attempt = get_owned(session, attempt_id, user)
    if is_due(attempt, grace_seconds):
        upgrade_to_write(session)  # SQLite: read again under the write lock
        attempt = get_owned(session, attempt_id, user, lock="update")
        close_if_due(session, attempt, grace_seconds=grace_seconds, now=now_utc())
    return attempt


def accepts_writes_until(attempt: Attempt, grace_seconds: int) -> datetime:
    return attempt.deadline + grace(grace_seconds)


def is_due(attempt: Attempt, grace_seconds: int, now: datetime | None = None) -> bool:
    """Unfinished and past deadline + grace: the next touch finalises it."""
    return attempt.finished_at is None and (now or now_utc()) > accepts_writes_until(attempt, grace_seconds)


def close_if_due(session: Session, attempt: Attempt, *, grace_seconds: int, now: datetime) -> bool:
    """True when the attempt is finished. One past deadline + grace is finalised first and that
    is committed at once, so the refusal or the error that may follow cannot undo it."""
    if is_due(attempt, grace_seconds, now):
        finish(session, attempt, by="system", now=now)
        session.commit()
    return attempt.finished_at is not None


def refuse_if_closed(session: Session, attempt: Attempt, *, grace_seconds: int, now: datetime) -> None:
    """Raises AttemptClosed for a write to a finished attempt (finalised first if due: close_if_due)."""
    if close_if_due(session, attempt, grace_seconds=grace_seconds, now=now):
        raise AttemptClosed()


def save_answer(session: Session, attempt: Attempt, question_id: int, choice_id: int, *, grace_seconds: int) -> datetime:
    now = now_utc()
    refuse_if_closed(session, attempt, grace_seconds=grace_seconds, now=now)
    stored_answers.store(session, attempt, {question_id: choice_id}, now)
    return now


def save_prediction(session: Session, attempt: Attempt, prediction: int | None, *, grace_seconds: int) -> datetime:
    """Keeps the prediction typed so far on the open attempt, so that an attempt the system
    finalises at the deadline still carries it; None clears it."""
    now = now_utc()
    refuse_if_closed(session, attempt, grace_seconds=grace_seconds, now=now)
    if not attempt.round.prediction_prompt:
        raise ValidationFailed(_("Đợt thi này không có câu hỏi dự đoán."), field="prediction")
    attempt.prediction = prediction
    session.flush()
    return now


def submit(session: Session, attempt: Attempt, *, prediction: int | None, answers: dict[int, int] | None,
           grace_seconds: int) -> Attempt:
    """Saves the carried answers, then finalises. A second submit changes nothing."""
    if attempt.finished_by == "participant":
        return attempt
    now = now_utc()
    refuse_if_closed(session, attempt, grace_seconds=grace_seconds, now=now)
    stored_answers.store(session, attempt, answers or {}, now)
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


def state(session: Session, attempt: Attempt, drawn: Drawn | None = None) -> dict:
    """The SPEC §5 attempt body: questions in the attempt's order, never the correct choice.
    `drawn`: what start() just drew (Started.drawn), when no answer can exist yet: no query."""
    if drawn is not None:
        items, drawn_versions, answers = drawn.items, drawn.versions, {}
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
