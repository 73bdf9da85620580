"""Setting up contests and rounds, and which rounds a participant sees."""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.errors import BankTooSmall, ValidationFailed
from contest.models import (
    DEFAULT_MIN_SECONDS_PER_QUESTION,
    DEFAULT_PREDICTION_PROMPT,
    GRADINGS,
    Attempt,
    Contest,
    DrawRule,
    Round,
    Unit,
)
from contest.services.quiz import draw
from core.db import now_utc
from core.text import clean_text
from question_bank.importers.validate import parse_difficulty
from question_bank.models import DIFFICULTIES, Question, Topic


@dataclass
class RoundSpec:
    """What an organizer (page or CLI) asks for; validated by `create_round` / `update_round`."""

    title: str
    question_count: int
    duration_seconds: int
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    max_attempts: int | None = 1
    grading: str = "best"
    show_score: bool = False
    points_per_question: int = 1
    shuffle_choices: bool = True
    prediction_prompt: str | None = DEFAULT_PREDICTION_PROMPT
    rules: str = ""
    # (topic, difficulty, count); topic None: any topic (the organizer pages offer it)
    topic_mix: list[tuple[str | None, str | None, int]] = field(default_factory=list)
    unit_codes: list[str] = field(default_factory=list)
    publish: bool = True
    min_seconds_per_question: int = DEFAULT_MIN_SECONDS_PER_QUESTION


MAX_MIN_SECONDS_PER_QUESTION = 600
_MIX_ITEM = re.compile(r"^\s*(?P<topic>[^:]+?)\s*:\s*(?P<count>\d+)\s*$")


def _split_difficulty(topic: str) -> tuple[str, str | None]:
    """"Chủ đề B/khó" → ("Chủ đề B", "hard"); a "/" that names no difficulty stays in the
    topic ("Nghị quyết 76/NQ-CP"). Digits are not read as levels here ("Phần 1/2")."""
    head, slash, tail = topic.rpartition("/")
    if not slash or not head.strip() or tail.strip().isdigit():
        return topic, None
    try:
        difficulty = parse_difficulty(tail)
    except ValueError:
        return topic, None
    return (head, difficulty) if difficulty else (topic, None)


def parse_topic_mix(text: str) -> list[tuple[str, str | None, int]]:
    """"Topic A:5, Topic B/hard:3" → [("Topic A", None, 5), ("Topic B", "hard", 3)];
    the level may be written as SPEC §4 accepts it (Dễ/Trung bình/Khó, easy/medium/hard)."""
    mix = []
    for number, item in enumerate(filter(None, (part.strip() for part in text.split(","))), start=1):
        match = _MIX_ITEM.match(item)
        if not match or int(match["count"]) < 1:
            raise ValidationFailed(
                _("Mục %(number)d của cơ cấu đề “%(item)s” không hợp lệ; dùng dạng “Chủ đề:số câu”.",
                  number=number, item=item),
                field="topic_mix",
            )
        topic, difficulty = _split_difficulty(match["topic"])
        mix.append((clean_text(topic), difficulty, int(match["count"])))
    return mix


def get_or_create_contest(session: Session, name: str) -> Contest:
    name = clean_text(name)
    if not name:
        raise ValidationFailed(_("Tên cuộc thi không được để trống."), field="contest")
    contest = session.scalar(select(Contest).where(Contest.name == name))
    if contest is None:
        contest = Contest(name=name)
        session.add(contest)
        session.flush()
    return contest


def _validate(spec: RoundSpec) -> None:
    title = clean_text(spec.title)
    if not title or len(title) > 300:
        raise ValidationFailed(_("Tên đợt thi phải có từ 1 đến 300 ký tự."), field="title")
    if not 1 <= spec.question_count <= 200:
        raise ValidationFailed(_("Số câu hỏi phải từ 1 đến 200."), field="question_count")
    if not 60 <= spec.duration_seconds <= 6 * 3600:
        raise ValidationFailed(_("Thời gian làm bài phải từ 1 phút đến 6 giờ."), field="duration_seconds")
    if spec.max_attempts is not None and spec.max_attempts < 1:
        raise ValidationFailed(_("Số lượt thi phải từ 1 trở lên (để trống: không giới hạn)."), field="max_attempts")
    if spec.grading not in GRADINGS:
        raise ValidationFailed(_("Cách tính lượt thi phải là best, first hoặc last."), field="grading")
    if spec.points_per_question < 1:
        raise ValidationFailed(_("Điểm mỗi câu phải từ 1 trở lên."), field="points_per_question")
    if not 0 <= spec.min_seconds_per_question <= MAX_MIN_SECONDS_PER_QUESTION:
        raise ValidationFailed(_("Thời gian tối thiểu mỗi câu phải từ 0 đến %(max)d giây.",
                                 max=MAX_MIN_SECONDS_PER_QUESTION), field="min_seconds_per_question")
    for aware in (spec.opens_at, spec.closes_at):
        if aware is not None and aware.tzinfo is None:
            raise ValidationFailed(_("Thời gian phải có múi giờ."), field="opens_at")
    if spec.opens_at and spec.closes_at and spec.closes_at <= spec.opens_at:
        raise ValidationFailed(_("Thời điểm đóng phải sau thời điểm mở."), field="closes_at")
    if spec.topic_mix and sum(count for _, _, count in spec.topic_mix) != spec.question_count:
        total = sum(count for _, _, count in spec.topic_mix)
        raise ValidationFailed(
            _("Cơ cấu đề có tổng %(total)s câu, khác số câu hỏi của đợt (%(count)s).",
              total=total, count=spec.question_count),
            field="topic_mix",
        )
    seen = set()
    for topic, difficulty, _count in spec.topic_mix:
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise ValidationFailed(_("Mức độ “%(level)s” không hợp lệ.", level=difficulty), field="topic_mix")
        key = (clean_text(topic) if topic else None, difficulty)
        if key in seen:  # two rules for the same pool would draw it twice over
            raise ValidationFailed(
                _("Cơ cấu đề có hai dòng cùng chủ đề “%(topic)s” và cùng mức độ; hãy gộp lại.",
                  topic=topic or _("mọi chủ đề")),
                field="topic_mix",
            )
        seen.add(key)


def _apply(session: Session, round_: Round, spec: RoundSpec) -> None:
    now = now_utc()
    round_.title = clean_text(spec.title)
    round_.rules = spec.rules.strip()
    round_.opens_at = spec.opens_at or round_.opens_at or now
    round_.closes_at = spec.closes_at or round_.closes_at or round_.opens_at + timedelta(days=7)
    if round_.closes_at <= round_.opens_at:
        raise ValidationFailed(_("Thời điểm đóng phải sau thời điểm mở."), field="closes_at")
    round_.duration_seconds = spec.duration_seconds
    round_.max_attempts = spec.max_attempts
    round_.grading = spec.grading
    round_.show_score = spec.show_score
    round_.min_seconds_per_question = spec.min_seconds_per_question
    round_.question_count = spec.question_count
    round_.points_per_question = spec.points_per_question
    round_.shuffle_choices = spec.shuffle_choices
    round_.prediction_prompt = clean_text(spec.prediction_prompt) or None if spec.prediction_prompt else None
    # Rules kept from before are updated in place: deleting and re-inserting the same
    # (round, topic, difficulty) in one flush would trip the unique constraint.
    existing = {(rule.topic_id, rule.difficulty): rule for rule in round_.draw_rules}
    rules = []
    for topic_name, difficulty, count in spec.topic_mix:
        topic = None
        if topic_name is not None:  # None: any topic (the organizer pages offer it)
            topic = session.scalar(select(Topic).where(Topic.name == clean_text(topic_name)))
            if topic is None:
                raise ValidationFailed(_("Không có chủ đề “%(topic)s” trong ngân hàng câu hỏi.", topic=topic_name),
                                       field="topic_mix")
        rule = existing.pop((topic.id if topic else None, difficulty), None)
        rule = rule or DrawRule(topic=topic, difficulty=difficulty)
        rule.count = count
        rules.append(rule)
    round_.draw_rules = rules
    units = []
    for code in spec.unit_codes:
        unit = session.scalar(select(Unit).where(Unit.code == clean_text(code)))
        if unit is None:
            raise ValidationFailed(_("Không có đơn vị mã “%(code)s”.", code=code), field="units")
        units.append(unit)
    round_.eligible_units = units


def _check_score_policy(contest: Contest, spec: RoundSpec) -> None:
    if spec.show_score and contest.forbid_immediate_score:
        raise ValidationFailed(
            _("Cuộc thi này không cho hiện điểm ngay sau khi nộp bài (chống dò đáp án); "
              "hãy chọn “Sau khi đợt thi đóng”."),
            field="show_score",
        )


def create_round(session: Session, contest: Contest, spec: RoundSpec) -> Round:
    _validate(spec)
    _check_score_policy(contest, spec)
    round_ = Round()
    with session.no_autoflush:  # _apply looks things up before the round is complete
        _apply(session, round_, spec)
    round_.contest = contest
    session.add(round_)
    session.flush()
    if spec.publish:
        publish(session, round_)
    return round_


def update_round(session: Session, round_: Round, spec: RoundSpec) -> Round:
    _validate(spec)
    _check_score_policy(round_.contest, spec)
    if session.scalar(select(func.count()).select_from(Attempt).where(Attempt.round_id == round_.id)):
        _check_frozen(round_, spec)
    with session.no_autoflush:
        _apply(session, round_, spec)
    session.flush()
    if spec.publish:
        publish(session, round_)
    else:
        round_.is_published = False
    return round_


def _mix_of(round_: Round) -> list[tuple[str | None, str | None, int]]:
    return [(rule.topic.name if rule.topic else None, rule.difficulty, rule.count) for rule in round_.draw_rules]


def _mix_key(mix) -> list[tuple[str, str, int]]:
    return sorted((clean_text(topic) if topic else "", difficulty or "", count) for topic, difficulty, count in mix)


def _check_frozen(round_: Round, spec: RoundSpec) -> None:
    """Once someone has started, what shapes an attempt stays; the window may only grow later."""
    if spec.question_count != round_.question_count:
        raise ValidationFailed(_("Đợt thi đã có người làm bài: không thể đổi số câu hỏi."), field="question_count")
    if _mix_key(spec.topic_mix) != _mix_key(_mix_of(round_)):
        raise ValidationFailed(_("Đợt thi đã có người làm bài: không thể đổi cơ cấu đề."), field="topic_mix")
    if spec.duration_seconds != round_.duration_seconds:
        raise ValidationFailed(_("Đợt thi đã có người làm bài: không thể đổi thời gian làm bài."),
                               field="duration_seconds")
    if spec.points_per_question != round_.points_per_question:
        raise ValidationFailed(_("Đợt thi đã có người làm bài: không thể đổi điểm mỗi câu."),
                               field="points_per_question")
    if spec.opens_at is not None and spec.opens_at != round_.opens_at:
        raise ValidationFailed(_("Đợt thi đã có người làm bài: không thể đổi thời điểm mở."), field="opens_at")
    if spec.closes_at is not None and spec.closes_at < round_.closes_at:
        raise ValidationFailed(_("Đợt thi đã có người làm bài: chỉ có thể lùi thời điểm đóng về sau, "
                                 "không thể đóng sớm hơn."), field="closes_at")


def publish(session: Session, round_: Round) -> None:
    """A round opens only when the bank can satisfy its draw."""
    problems = draw.shortages(session, round_)
    if problems:
        raise BankTooSmall(_("Ngân hàng câu hỏi chưa đủ để mở đợt thi: %(problems)s", problems=" ".join(problems)))
    round_.is_published = True


def unpublish(round_: Round) -> None:
    """Hide a round from participants again; attempts already made are kept."""
    round_.is_published = False


@dataclass(frozen=True)
class RuleCheck:
    """One draw rule against the bank: `available` counts active questions not already
    reserved by earlier rules, the same greedy order `publish` checks with."""

    label: str
    needed: int
    available: int

    @property
    def short(self) -> bool:
        return self.available < self.needed


@dataclass
class BlueprintCheck:
    rules: list[RuleCheck]
    problems: list[str]  # whole-blueprint problems (total differs from the question count)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(rule.short for rule in self.rules)


_LEVELS = {"easy": _l("dễ"), "medium": _l("trung bình"), "hard": _l("khó")}


def _label(topic_name: str | None, difficulty: str | None) -> str:
    if difficulty:
        level = str(_LEVELS.get(difficulty, difficulty))
        if topic_name:
            return _("Chủ đề “%(topic)s”, mức %(level)s", topic=topic_name, level=level)
        return _("Mọi chủ đề, mức %(level)s", level=level)
    if topic_name:
        return _("Chủ đề “%(topic)s”, mọi mức độ", topic=topic_name)
    return _("Mọi chủ đề, mọi mức độ")


def _rules(session: Session, round_or_spec: Round | RoundSpec) -> list[tuple[str, int, draw.Rule | None]]:
    """(label, count, rule) per draw rule; the rule is None for a topic the bank does not have."""
    if isinstance(round_or_spec, Round):
        rules = draw.rules_of(round_or_spec)
        names = [rule.topic.name if rule.topic else None for rule in round_or_spec.draw_rules] or [None]
        return [(_label(name, rule.difficulty), rule.count, rule) for name, rule in zip(names, rules)]
    if not round_or_spec.topic_mix:
        count = round_or_spec.question_count
        return [(_label(None, None), count, draw.Rule(None, None, count))]
    found = []
    for topic_name, difficulty, count in round_or_spec.topic_mix:
        topic_id = None
        if topic_name is not None:
            topic_id = session.scalar(select(Topic.id).where(Topic.name == clean_text(topic_name)))
            if topic_id is None:
                label = _("%(rule)s (không có trong ngân hàng)", rule=_label(topic_name, difficulty))
                found.append((label, count, None))
                continue
        found.append((_label(topic_name, difficulty), count, draw.Rule(topic_id, difficulty, count)))
    return found


def check_blueprint(session: Session, round_or_spec: Round | RoundSpec) -> BlueprintCheck:
    """Per draw rule, how many questions the bank has for it against how many it needs."""
    used: set[int] = set()
    entries = list(enumerate(_rules(session, round_or_spec)))
    found: dict[int, RuleCheck] = {}
    # Narrow rules first, as the draw takes them; shown in the organizer's order.
    for index, (label, count, rule) in sorted(entries, key=lambda entry: draw.specificity(entry[1][2])):
        available = [] if rule is None else [qid for qid in draw.pool(session, rule, fresh=True) if qid not in used]
        used.update(available[:count])
        found[index] = RuleCheck(label, count, len(available))
    checks = [found[index] for index, _ in entries]
    problems = []
    total = sum(check.needed for check in checks)
    if total != round_or_spec.question_count:
        problems.append(_("Cơ cấu đề có tổng %(total)s câu, khác số câu hỏi của đợt (%(count)s).",
                          total=total, count=round_or_spec.question_count))
    return BlueprintCheck(checks, problems)


def sample_draw(session: Session, round_or_spec: Round | RoundSpec, *, tries: int = 5) -> list[str]:
    """The texts of one random draw, as an attempt would get it; empty when none was found."""
    rules = [rule for _, _, rule in _rules(session, round_or_spec)]
    if None in rules:
        return []
    for _try in range(tries):
        chosen = draw.pick(session, rules, fresh=True)
        if chosen is not None:
            # Read fresh, not from the draw's cache: the organizer may have just edited a text.
            texts = dict(session.execute(select(Question.id, Question.text).where(Question.id.in_(chosen))).all())
            return [texts[qid] for qid in chosen]
    return []


def visible_rounds(session: Session, *, now: datetime | None = None, horizon_days: int = 60) -> list[Round]:
    """Published rounds open now or opening within the horizon, soonest first."""
    now = now or now_utc()
    return session.scalars(
        select(Round)
        .where(Round.is_published, Round.closes_at > now, Round.opens_at < now + timedelta(days=horizon_days))
        .order_by(Round.opens_at, Round.id)
    ).all()
