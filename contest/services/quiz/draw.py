"""Drawing an attempt's questions without scanning the bank on every start.

At a contest's opening thousands start within a minute, and neither the pools of eligible
question ids nor the questions' texts change meanwhile. Both are cached per process, bounded
(core/cache.py). A pool is kept 60 s, and dropped on this worker as soon as a bank change
commits (question_bank/signals.py); another worker's pool may miss a question imported since or
hold one retired since, and the one thing re-checked on every draw, with a single indexed query,
is that the drawn questions are still active (so a retired question is never drawn) and which
version of their texts is current. Texts are cached by (question, version) with no time limit:
a version never changes once written (question_bank/versions.py), so no worker can show a stale
or a newer text than the attempt drew, whatever the cache's age.
"""
import random
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.errors import BankTooSmall
from contest.models import Round
from core.cache import BoundedCache
from question_bank import versions
from question_bank.models import Question, Topic

TTL_SECONDS = 60
# (database, topic, level) → active ids. A bank of 50 topics has 200 such rules at most.
MAX_POOLS = 256
# (database, question, version) → its texts, about 1 KB: 20 MB at most, a bank of 20,000 questions.
MAX_PAYLOADS = 20_000
_LEVELS = {"easy": _l("dễ"), "medium": _l("trung bình"), "hard": _l("khó")}
_rng = random.SystemRandom()
_pools = BoundedCache(MAX_POOLS, ttl=TTL_SECONDS)
_payloads = BoundedCache(MAX_PAYLOADS)


@dataclass(frozen=True)
class Rule:
    topic_id: int | None
    difficulty: str | None
    count: int


@dataclass(frozen=True)
class Payload:
    """What a participant sees of one version of a question: its text and its choices (never the key)."""

    version: int
    text: str
    choices: tuple[tuple[int, str], ...]


def rules_of(round_: Round) -> list[Rule]:
    if not round_.draw_rules:
        return [Rule(None, None, round_.question_count)]
    return [Rule(r.topic_id, r.difficulty, r.count) for r in round_.draw_rules]


def _engine_key(session: Session) -> str:
    return session.get_bind().url.render_as_string()


def pool(session: Session, rule: Rule, *, fresh: bool = False) -> list[int]:
    key = (_engine_key(session), rule.topic_id, rule.difficulty)
    ids = None if fresh else _pools.get(key)
    if ids is None:
        stmt = select(Question.id).where(Question.status == "active")
        if rule.topic_id is not None:
            stmt = stmt.where(Question.topic_id == rule.topic_id)
        if rule.difficulty is not None:
            stmt = stmt.where(Question.difficulty == rule.difficulty)
        ids = list(session.scalars(stmt.order_by(Question.id)))
        _pools.put(key, ids)
    return ids


def payloads(session: Session, wanted: dict[int, int]) -> dict[int, Payload]:
    """question id → the texts of the version asked for (question id → version number):
    from the cache, the misses in one query (two when some version was replaced since)."""
    engine = _engine_key(session)
    found = {}
    for qid, version in wanted.items():
        payload = _payloads.get((engine, qid, version))
        if payload is not None:
            found[qid] = payload
    missing = {qid: version for qid, version in wanted.items() if qid not in found}
    for (qid, version), content in versions.contents(session, missing.items()).items():
        payload = Payload(version, content.text, content.choices)
        found[qid] = payload
        _payloads.put((engine, qid, version), payload)
    return found


def clear_cache() -> None:
    _pools.clear()
    _payloads.clear()


def _describe(session: Session, rule: Rule) -> str:
    parts = []
    if rule.topic_id is not None:
        topic = session.get(Topic, rule.topic_id)
        parts.append(topic.name if topic else _("chủ đề %(id)s", id=rule.topic_id))
    if rule.difficulty:
        parts.append(str(_LEVELS[rule.difficulty]))
    return " – ".join(parts) or _("toàn bộ ngân hàng")


def specificity(rule: Rule | None) -> tuple[bool, bool]:
    """Sort key: narrow rules (a topic and a level) take their questions before broad ones, so an
    "any topic" rule never uses up the questions a topic rule needs."""
    if rule is None:
        return (True, True)
    return (rule.topic_id is None, rule.difficulty is None)


def pick(session: Session, rules: list[Rule], *, fresh: bool = False) -> list[int] | None:
    """One random draw satisfying every rule, shuffled; None when the pools are too small."""
    chosen: list[int] = []
    taken: set[int] = set()
    for rule in sorted(rules, key=specificity):
        candidates = [qid for qid in pool(session, rule, fresh=fresh) if qid not in taken]
        if len(candidates) < rule.count:
            return None
        sample = _rng.sample(candidates, rule.count)
        chosen.extend(sample)
        taken.update(sample)
    _rng.shuffle(chosen)
    return chosen


def shortages(session: Session, round_: Round) -> list[str]:
    """Vietnamese descriptions of every rule the bank cannot satisfy (empty: the round can open)."""
    problems = []
    used: set[int] = set()
    for rule in sorted(rules_of(round_), key=specificity):
        available = [qid for qid in pool(session, rule, fresh=True) if qid not in used]
        if len(available) < rule.count:
            problems.append(_("“%(rule)s”: cần %(needed)d câu, ngân hàng chỉ có %(available)d câu đang dùng.",
                              rule=_describe(session, rule), needed=rule.count, available=len(available)))
        used.update(available[: rule.count])
    return problems


def draw(session: Session, round_: Round) -> dict[int, int]:
    """Question ids for one attempt, in a random order, each with its current version; all
    active at this moment."""
    rules = rules_of(round_)
    for fresh in (False, True):
        chosen = pick(session, rules, fresh=fresh)
        if chosen is not None:
            active = dict(session.execute(
                select(Question.id, Question.version).where(Question.id.in_(chosen), Question.status == "active")
            ).all())
            if len(active) == len(chosen):
                return {qid: active[qid] for qid in chosen}
    raise BankTooSmall()


def choice_order(payload: Payload, shuffle: bool) -> list[int]:
    ids = [choice_id for choice_id, _ in payload.choices]
    if shuffle:
        _rng.shuffle(ids)
    return ids
