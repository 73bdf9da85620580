"""Shaping API bodies: ISO 8601 times with their UTC offset, ids as the SPEC names them."""
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.models import Attempt, Round, User
from contest.services.quiz import attempts, score_release


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_item(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "unit_code": user.unit.code if user.unit else None,
    }


def round_items(session: Session, rounds: list[Round], user: User) -> list[dict]:
    used = dict(
        session.execute(
            select(Attempt.round_id, func.count())
            .where(Attempt.user_id == user.id, Attempt.round_id.in_([r.id for r in rounds]))
            .group_by(Attempt.round_id)
        ).all()
    ) if rounds else {}
    return [
        {
            "id": r.id,
            "contest": {"id": r.contest_id, "name": r.contest.name},
            "title": r.title,
            "opens_at": iso(r.opens_at),
            "closes_at": iso(r.closes_at),
            "duration_seconds": r.duration_seconds,
            "question_count": r.question_count,
            "attempts_used": used.get(r.id, 0),
            "attempts_allowed": r.max_attempts,
        }
        for r in rounds
    ]


def attempt_body(session: Session, attempt: Attempt, drawn: attempts.Drawn | None = None) -> dict:
    body = attempts.state(session, attempt, drawn)
    for key in ("started_at", "deadline", "server_now"):
        body[key] = iso(body[key])
    return body


def receipt_body(session: Session, attempt: Attempt) -> dict:
    """The total only, and only when score_release allows it: never which question was right."""
    body = {
        "status": "submitted",
        "submitted_at": iso(attempt.submitted_at),
        "duration_seconds": attempt.duration_seconds,
        "receipt_code": attempt.receipt_code,
    }
    if attempt.id in score_release.shown_ids(session, [attempt]):
        body["score"] = attempt.score
        body["max_score"] = attempt.max_score
    return body


def ranking_row(entry) -> dict:
    return {
        "rank": entry.rank, "attempt_id": entry.attempt_id, "username": entry.username,
        "full_name": entry.full_name, "unit_code": entry.unit_code, "unit_name": entry.unit_name,
        "score": entry.score, "max_score": entry.max_score, "prediction": entry.prediction,
        "duration_seconds": entry.duration_seconds, "submitted_at": iso(entry.submitted_at),
        "flags": list(entry.flags),
    }
