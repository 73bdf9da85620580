"""One function per model: valid, unique defaults plus overrides. They flush, never commit."""
import itertools
from datetime import datetime, timedelta, timezone

from werkzeug.security import generate_password_hash

from contest.extensions import db
from contest.models import Attempt, Unit, User
from question_bank.importers.result import ParsedQuestion
from question_bank.services import get_or_create_source, get_or_create_topic, new_question

_seq = itertools.count(1)
PASSWORD = "Matkhau@123"
# Every user made here without a password of its own shares this one hash of PASSWORD, made once
# and cheaply (scrypt at n=1024): scrypt at its real cost, hashed ~700 times and checked at every
# login, was over a third of the suite's time. A test of hashing itself passes `password=`.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def make_unit(**overrides) -> Unit:
    n = next(_seq)
    unit = Unit(**{"code": f"DV{n}", "name": f"Đơn vị {n}", "headcount": 10, **overrides})
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(role: str = "participant", password: str | None = None, **overrides) -> User:
    """Logs in with PASSWORD; `password=` hashes the given one as the app does (slowly, salted)."""
    n = next(_seq)
    user = User(**{"username": f"user{n}", "full_name": f"Người dùng {n}", "role": role,
                   "password_hash": PASSWORD_HASH, **overrides})
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_question(text: str | None = None, choices=None, correct: int = 0, topic: str | None = "Chủ đề chung",
                  source: str | None = None, **overrides):
    n = next(_seq)
    parsed = ParsedQuestion(
        where=f"Câu {n}",
        text=text or f"Câu hỏi số {n} về cải cách hành chính?",
        choices=choices or [f"Phương án {n}-{i}" for i in range(4)],
        correct=[correct],
        topic=topic,
        source=source,
    )
    question = new_question(parsed, get_or_create_topic(db.session, topic), get_or_create_source(db.session, source))
    for key, value in overrides.items():
        setattr(question, key, value)
    db.session.add(question)
    db.session.flush()
    return question


def make_contest(**overrides):
    from contest.models import Contest

    n = next(_seq)
    contest = Contest(**{"name": f"Cuộc thi {n}", **overrides})
    db.session.add(contest)
    db.session.flush()
    return contest


def make_bank(count: int, topic: str = "Chủ đề chung", **overrides) -> list:
    return [make_question(topic=topic, **overrides) for _ in range(count)]


def make_round(contest=None, *, questions: int = 3, publish: bool = True, **overrides):
    """A round open from now for a week, drawing `questions` from whatever the bank holds."""
    from contest.services import rounds

    spec = rounds.RoundSpec(
        **{"title": f"Đợt {next(_seq)}", "question_count": questions, "duration_seconds": 600, "publish": publish,
           **overrides}
    )
    return rounds.create_round(db.session, contest or make_contest(), spec)


# --- finished attempts with chosen figures (rankings, exports) ---------------------------------
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
_receipts = itertools.count(1)


def finish(round_, user, score, *, number=1, prediction=None, duration=300, submitted=0, max_score=10):
    """A finished attempt with the given figures; `submitted` is minutes after T0."""
    started = T0 + timedelta(minutes=submitted) - timedelta(seconds=duration)
    attempt = Attempt(
        round_id=round_.id, user_id=user.id, number=number, started_at=started,
        deadline=started + timedelta(minutes=30), finished_at=T0 + timedelta(minutes=submitted),
        submitted_at=T0 + timedelta(minutes=submitted), finished_by="participant", duration_seconds=duration,
        score=score, max_score=max_score, prediction=prediction, receipt_code=f"R{next(_receipts):08d}",
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt
