"""Item analysis of a round: difficulty, discrimination and choice distribution per question.

Upper and lower groups are the top and bottom 27 % of the round's finished attempts by score
(ceil(0.27·N) each, ties broken by attempt id). p of a group is the share of the group's
attempts that drew the question which answered it correctly: questions are drawn at random,
so dividing by the whole group would shrink D by the draw rate. D is None when a group has
no attempt that drew the question.

A question edited while the round ran was drawn in two versions: each version is an item of
its own, shown with the texts those attempts read (question_bank/versions.py). The choices and
the key are the same rows in every version, so a key fixed by a regrade applies to all.

A round may hold 100,000 attempts, so everything is counted by the database: one grouped
query over (question, version, chosen choice) with the groups from a window function, then
the texts of the versions and the key. Rows returned are O(questions × versions × choices).
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from contest.models import Answer, Attempt, AttemptQuestion, Round
from question_bank import versions
from question_bank.importers.validate import LETTERS
from question_bank.models import Choice, Question, Topic

GROUP_PERCENT = 27


@dataclass(frozen=True)
class ChoiceStat:
    choice_id: int
    letter: str
    text: str
    is_correct: bool
    count: int  # finished attempts that chose it
    upper_count: int
    lower_count: int


@dataclass(frozen=True)
class ItemStat:
    question_id: int
    version: int
    text: str
    topic: str | None
    drawn: int
    answered: int
    correct: int
    percent_correct: float  # of drawn
    group_size: int  # attempts in the upper group (and in the lower one)
    upper_drawn: int
    upper_correct: int
    lower_drawn: int
    lower_correct: int
    p_upper: float | None
    p_lower: float | None
    discrimination: float | None
    choices: tuple[ChoiceStat, ...]
    flagged: bool  # a distractor beats the key in the upper group: the key is likely wrong


@dataclass
class _Counts:
    """One row of the grouped query: attempts that drew a question and chose `choice_id` (None: no answer)."""

    count: int = 0
    upper: int = 0
    lower: int = 0


def group_size(n: int) -> int:
    """ceil(0.27·n) in integers (0.27 * 100 is 27.000000000000004 in floats)."""
    return (GROUP_PERCENT * n + 99) // 100


Key = tuple[int, int]  # (question id, version)


def _grouped_counts(session: Session, round_id: int) -> tuple[dict[Key, dict[int | None, _Counts]], int]:
    ranked = (
        select(
            Attempt.id.label("attempt_id"),
            func.row_number().over(order_by=(func.coalesce(Attempt.score, 0).desc(), Attempt.id)).label("rn"),
            func.count().over().label("n"),
        )
        .where(Attempt.round_id == round_id, Attempt.finished_at.is_not(None))
        .subquery("ranked")
    )
    k = (ranked.c.n * GROUP_PERCENT + 99) // 100  # group_size() in SQL: one statement, one snapshot
    stmt = (
        select(
            AttemptQuestion.question_id,
            AttemptQuestion.version,
            Answer.choice_id,
            func.count().label("drawn"),
            func.sum(case((ranked.c.rn <= k, 1), else_=0)).label("upper"),
            func.sum(case((ranked.c.rn > ranked.c.n - k, 1), else_=0)).label("lower"),
            func.max(k).label("k"),
        )
        .select_from(AttemptQuestion)
        .join(ranked, ranked.c.attempt_id == AttemptQuestion.attempt_id)
        .outerjoin(
            Answer,
            and_(Answer.attempt_id == AttemptQuestion.attempt_id, Answer.question_id == AttemptQuestion.question_id),
        )
        .group_by(AttemptQuestion.question_id, AttemptQuestion.version, Answer.choice_id)
    )
    counts: dict[Key, dict[int | None, _Counts]] = defaultdict(dict)
    size = 0
    for question_id, version, choice_id, drawn, upper, lower, k_value in session.execute(stmt):
        counts[question_id, version][choice_id] = _Counts(int(drawn), int(upper), int(lower))
        size = int(k_value)
    return counts, size


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _item(key: Key, text: str, topic: str | None, choices: list[ChoiceStat],
          by_choice: dict[int | None, _Counts], size: int) -> ItemStat:
    """`choices` carry the version's texts and the key; their counts are filled in here."""
    empty = _Counts()
    correct = next((c for c in choices if c.is_correct), None)
    key_counts = by_choice.get(correct.choice_id, empty) if correct else empty
    drawn = sum(c.count for c in by_choice.values())
    upper_drawn = sum(c.upper for c in by_choice.values())
    lower_drawn = sum(c.lower for c in by_choice.values())
    p_upper, p_lower = _share(key_counts.upper, upper_drawn), _share(key_counts.lower, lower_drawn)
    stats = tuple(
        ChoiceStat(c.choice_id, c.letter, c.text, c.is_correct, got.count, got.upper, got.lower)
        for c in choices
        for got in [by_choice.get(c.choice_id, empty)]
    )
    return ItemStat(
        question_id=key[0],
        version=key[1],
        text=text,
        topic=topic,
        drawn=drawn,
        answered=drawn - by_choice.get(None, empty).count,
        correct=key_counts.count,
        percent_correct=100 * key_counts.count / drawn,
        group_size=size,
        upper_drawn=upper_drawn,
        upper_correct=key_counts.upper,
        lower_drawn=lower_drawn,
        lower_correct=key_counts.lower,
        p_upper=p_upper,
        p_lower=p_lower,
        discrimination=p_upper - p_lower if p_upper is not None and p_lower is not None else None,
        choices=stats,
        flagged=any(not c.is_correct and c.upper_count > key_counts.upper for c in stats),
    )


def item_stats(session: Session, round_: Round) -> list[ItemStat]:
    """One entry per question version drawn in the round's finished attempts, by question id
    and version."""
    counts, size = _grouped_counts(session, round_.id)
    if not counts:
        return []
    keys = sorted(counts)
    ids = sorted({qid for qid, _version in keys})
    texts = versions.contents(session, keys)
    topics, correct = {}, set()
    for qid, topic, key in session.execute(  # the current key: a regrade applies to every version
        select(Question.id, Topic.name, Choice.id)
        .outerjoin(Topic, Topic.id == Question.topic_id)
        .outerjoin(Choice, (Choice.question_id == Question.id) & Choice.is_correct)
        .where(Question.id.in_(ids))
    ):
        topics[qid] = topic
        correct.add(key)
    items = []
    for key in keys:
        content = texts[key]
        choices = [ChoiceStat(cid, LETTERS[position], text, cid in correct, 0, 0, 0)
                   for position, (cid, text) in enumerate(content.choices)]
        items.append(_item(key, content.text, topics[key[0]], choices, counts[key], size))
    return items
