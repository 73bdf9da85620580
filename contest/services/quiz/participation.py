"""What a participant's pages need: their rounds, their attempts, and saving the plain quiz form.

The JSON API saves one answer per request; a phone without JavaScript posts the whole form,
so `save_progress` stores every changed answer (and the prediction typed so far) at once.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contest.errors import NotEligible
from contest.models import Answer, Attempt, Round, User
from contest.services import rounds
from contest.services.quiz import answers as stored_answers
from contest.services.quiz import attempts
from core.db import now_utc


@dataclass
class RoundEntry:
    """A round as one person sees it: can they start, resume, or why not."""

    round: Round
    status: str  # "open", "upcoming" or "closed"
    mine: list[Attempt] = field(default_factory=list)  # newest first
    in_progress: Attempt | None = None
    # Why starting is not possible now: "login", "upcoming", "closed", "exhausted", "not_eligible"; None: it is.
    blocked: str | None = None
    blocked_message: str | None = None

    @property
    def attempts_used(self) -> int:
        return len(self.mine)

    @property
    def attempts_left(self) -> int | None:
        if self.round.max_attempts is None:
            return None
        return max(0, self.round.max_attempts - len(self.mine))


def attempts_by_round(session: Session, user_id: int, round_ids: list[int]) -> dict[int, list[Attempt]]:
    """The user's attempts in the given rounds, newest first, in one query."""
    found: dict[int, list[Attempt]] = {round_id: [] for round_id in round_ids}
    if not round_ids:
        return found
    for attempt in session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.round_id.in_(round_ids))
        .order_by(Attempt.round_id, Attempt.number.desc())
    ):
        found[attempt.round_id].append(attempt)
    return found


def _entry(session: Session, round_: Round, user: User | None, mine: list[Attempt], now: datetime,
           grace_seconds: int) -> RoundEntry:
    entry = RoundEntry(round=round_, status=round_.status(now), mine=mine)
    entry.in_progress = next(
        (a for a in mine if a.finished_at is None and not attempts.is_due(a, grace_seconds, now)), None
    )
    if entry.in_progress is not None:
        return entry
    if user is None:
        entry.blocked = "login"
    elif entry.status != "open":
        entry.blocked = entry.status
    elif round_.max_attempts is not None and len(mine) >= round_.max_attempts:
        entry.blocked = "exhausted"
    else:
        try:
            attempts.check_eligible(session, round_, user)
        except NotEligible as error:
            entry.blocked, entry.blocked_message = "not_eligible", error.message
    return entry


def round_entry(session: Session, round_: Round, user: User | None, *, grace_seconds: int,
                now: datetime | None = None) -> RoundEntry:
    now = now or now_utc()
    mine = attempts_by_round(session, user.id, [round_.id])[round_.id] if user else []
    return _entry(session, round_, user, mine, now, grace_seconds)


def open_rounds(session: Session, user: User | None, *, grace_seconds: int,
                now: datetime | None = None) -> list[RoundEntry]:
    """Rounds open now or soon; a participant sees only the ones their unit may take."""
    now = now or now_utc()
    visible = rounds.visible_rounds(session, now=now)
    mine = attempts_by_round(session, user.id, [r.id for r in visible]) if user else {}
    entries = [_entry(session, r, user, mine.get(r.id, []), now, grace_seconds) for r in visible]
    if user is not None and user.role == "participant":
        entries = [e for e in entries if e.blocked != "not_eligible"]
    return entries


def recent_attempts(session: Session, user: User, *, limit: int = 50) -> list[Attempt]:
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user.id)
            .options(selectinload(Attempt.round).selectinload(Round.contest))
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
            .limit(limit)
        )
    )


def save_progress(session: Session, attempt: Attempt, answers: dict[int, int], prediction: int | None, *,
                  grace_seconds: int) -> int:
    """Stores the answers that changed and the prediction so far; returns how many answers were written.

    The prediction is kept on the attempt before submit so that an attempt the system
    finalises at the deadline still carries what the participant typed.
    """
    now = now_utc()
    attempts.refuse_if_closed(session, attempt, grace_seconds=grace_seconds, now=now)
    saved = dict(session.execute(select(Answer.question_id, Answer.choice_id).where(Answer.attempt_id == attempt.id)).all())
    changed = {q: c for q, c in answers.items() if saved.get(q) != c}
    stored_answers.store(session, attempt, changed, now)  # all checked, then one statement
    attempt.prediction = prediction
    session.flush()
    return len(changed)


def unanswered_numbers(body: dict) -> list[int]:
    """1-based positions of the questions with no saved answer, from an `attempts.state` body."""
    answered = body["answers"]
    return [n for n, q in enumerate(body["questions"], start=1) if str(q["id"]) not in answered]
