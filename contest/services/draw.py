"""Drawing an attempt's questions without scanning the bank on every start.

The pool of eligible question ids per draw rule is cached per process for a short time: at a
contest's opening thousands start within a minute and the pools do not change meanwhile.
A question retired in that window is caught when the drawn questions are loaded.
"""
import random
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contest.errors import BankTooSmall
from contest.models import Round
from question_bank.models import Question

POOL_TTL_SECONDS = 60
_rng = random.SystemRandom()
_cache: dict[tuple, tuple[float, list[int]]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Rule:
    topic_id: int | None
    difficulty: str | None
    count: int
    label: str


def rules_of(round_: Round) -> list[Rule]:
    if not round_.draw_rules:
        return [Rule(None, None, round_.question_count, "toàn bộ ngân hàng")]
    return [
        Rule(r.topic_id, r.difficulty, r.count, " – ".join(filter(None, [r.topic.name if r.topic else None, r.difficulty])) or "toàn bộ ngân hàng")
        for r in round_.draw_rules
    ]


def _pool_statement(rule: Rule):
    stmt = select(Question.id).where(Question.status == "active")
    if rule.topic_id is not None:
        stmt = stmt.where(Question.topic_id == rule.topic_id)
    if rule.difficulty is not None:
        stmt = stmt.where(Question.difficulty == rule.difficulty)
    return stmt.order_by(Question.id)


def pool(session: Session, rule: Rule, *, fresh: bool = False) -> list[int]:
    key = (session.get_bind().url.render_as_string(), rule.topic_id, rule.difficulty)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached and not fresh and cached[0] > now:
        return cached[1]
    ids = list(session.scalars(_pool_statement(rule)))
    with _lock:
        _cache[key] = (now + POOL_TTL_SECONDS, ids)
    return ids


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def shortages(session: Session, round_: Round) -> list[str]:
    """Vietnamese descriptions of every rule the bank cannot satisfy (empty: the round can open)."""
    problems = []
    used: set[int] = set()
    for rule in rules_of(round_):
        available = [qid for qid in pool(session, rule, fresh=True) if qid not in used]
        if len(available) < rule.count:
            problems.append(f"“{rule.label}”: cần {rule.count} câu, ngân hàng chỉ có {len(available)} câu đang dùng.")
        used.update(available[: rule.count])
    return problems


def draw(session: Session, round_: Round) -> list[Question]:
    """Questions for one attempt, in a random order, each with its choices loaded."""
    for fresh in (False, True):
        chosen: list[int] = []
        for rule in rules_of(round_):
            candidates = [qid for qid in pool(session, rule, fresh=fresh) if qid not in chosen]
            if len(candidates) < rule.count:
                break
            chosen.extend(_rng.sample(candidates, rule.count))
        else:
            questions = session.scalars(
                select(Question)
                .where(Question.id.in_(chosen), Question.status == "active")
                .options(selectinload(Question.choices))
            ).all()
            if len(questions) == len(chosen):
                _rng.shuffle(questions)
                return questions
    raise BankTooSmall()


def choice_order(question: Question, shuffle: bool) -> list[int]:
    ids = [choice.id for choice in question.choices]
    if shuffle:
        _rng.shuffle(ids)
    return ids
