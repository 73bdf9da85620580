"""Setting up contests and rounds, and which rounds a participant sees."""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contest.errors import BankTooSmall, ValidationFailed
from contest.models import DEFAULT_PREDICTION_PROMPT, GRADINGS, Attempt, Contest, DrawRule, Round, Unit
from contest.services import draw
from question_bank.db import now_utc
from question_bank.models import DIFFICULTIES, Topic
from question_bank.normalize import clean_text


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
    topic_mix: list[tuple[str, str | None, int]] = field(default_factory=list)  # (topic, difficulty, count)
    unit_codes: list[str] = field(default_factory=list)
    publish: bool = True


_MIX_ITEM = re.compile(r"^\s*(?P<topic>[^:]+?)\s*(?:/\s*(?P<difficulty>easy|medium|hard)\s*)?:\s*(?P<count>\d+)\s*$")


def parse_topic_mix(text: str) -> list[tuple[str, str | None, int]]:
    """"Topic A:5, Topic B/hard:3" → [("Topic A", None, 5), ("Topic B", "hard", 3)]."""
    mix = []
    for number, item in enumerate(filter(None, (part.strip() for part in text.split(","))), start=1):
        match = _MIX_ITEM.match(item)
        if not match or int(match["count"]) < 1:
            raise ValidationFailed(
                f"Mục {number} của cơ cấu đề “{item}” không hợp lệ; dùng dạng “Chủ đề:số câu”.", field="topic_mix"
            )
        mix.append((clean_text(match["topic"]), match["difficulty"], int(match["count"])))
    return mix


def get_or_create_contest(session: Session, name: str) -> Contest:
    name = clean_text(name)
    if not name:
        raise ValidationFailed("Tên cuộc thi không được để trống.", field="contest")
    contest = session.scalar(select(Contest).where(Contest.name == name))
    if contest is None:
        contest = Contest(name=name)
        session.add(contest)
        session.flush()
    return contest


def _validate(spec: RoundSpec) -> None:
    title = clean_text(spec.title)
    if not title or len(title) > 300:
        raise ValidationFailed("Tên đợt thi phải có từ 1 đến 300 ký tự.", field="title")
    if not 1 <= spec.question_count <= 200:
        raise ValidationFailed("Số câu hỏi phải từ 1 đến 200.", field="question_count")
    if not 60 <= spec.duration_seconds <= 6 * 3600:
        raise ValidationFailed("Thời gian làm bài phải từ 1 phút đến 6 giờ.", field="duration_seconds")
    if spec.max_attempts is not None and spec.max_attempts < 1:
        raise ValidationFailed("Số lượt thi phải từ 1 trở lên (để trống: không giới hạn).", field="max_attempts")
    if spec.grading not in GRADINGS:
        raise ValidationFailed("Cách tính lượt thi phải là best, first hoặc last.", field="grading")
    if spec.points_per_question < 1:
        raise ValidationFailed("Điểm mỗi câu phải từ 1 trở lên.", field="points_per_question")
    for aware in (spec.opens_at, spec.closes_at):
        if aware is not None and aware.tzinfo is None:
            raise ValidationFailed("Thời gian phải có múi giờ.", field="opens_at")
    if spec.opens_at and spec.closes_at and spec.closes_at <= spec.opens_at:
        raise ValidationFailed("Thời điểm đóng phải sau thời điểm mở.", field="closes_at")
    if spec.topic_mix and sum(count for _, _, count in spec.topic_mix) != spec.question_count:
        total = sum(count for _, _, count in spec.topic_mix)
        raise ValidationFailed(
            f"Cơ cấu đề có tổng {total} câu, khác số câu hỏi của đợt ({spec.question_count}).", field="topic_mix"
        )
    for _, difficulty, _ in spec.topic_mix:
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise ValidationFailed(f"Mức độ “{difficulty}” không hợp lệ.", field="topic_mix")


def _apply(session: Session, round_: Round, spec: RoundSpec) -> None:
    now = now_utc()
    round_.title = clean_text(spec.title)
    round_.rules = spec.rules.strip()
    round_.opens_at = spec.opens_at or round_.opens_at or now
    round_.closes_at = spec.closes_at or round_.closes_at or round_.opens_at + timedelta(days=7)
    if round_.closes_at <= round_.opens_at:
        raise ValidationFailed("Thời điểm đóng phải sau thời điểm mở.", field="closes_at")
    round_.duration_seconds = spec.duration_seconds
    round_.max_attempts = spec.max_attempts
    round_.grading = spec.grading
    round_.show_score = spec.show_score
    round_.question_count = spec.question_count
    round_.points_per_question = spec.points_per_question
    round_.shuffle_choices = spec.shuffle_choices
    round_.prediction_prompt = clean_text(spec.prediction_prompt) or None if spec.prediction_prompt else None
    round_.draw_rules = []
    for topic_name, difficulty, count in spec.topic_mix:
        topic = session.scalar(select(Topic).where(Topic.name == topic_name))
        if topic is None:
            raise ValidationFailed(f"Không có chủ đề “{topic_name}” trong ngân hàng câu hỏi.", field="topic_mix")
        round_.draw_rules.append(DrawRule(topic=topic, difficulty=difficulty, count=count))
    units = []
    for code in spec.unit_codes:
        unit = session.scalar(select(Unit).where(Unit.code == clean_text(code)))
        if unit is None:
            raise ValidationFailed(f"Không có đơn vị mã “{code}”.", field="units")
        units.append(unit)
    round_.eligible_units = units


def create_round(session: Session, contest: Contest, spec: RoundSpec) -> Round:
    _validate(spec)
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
    if session.scalar(select(func.count()).select_from(Attempt).where(Attempt.round_id == round_.id)):
        # Rules that shape attempts are frozen once someone has started.
        frozen = (spec.question_count, spec.duration_seconds, spec.points_per_question)
        current = (round_.question_count, round_.duration_seconds, round_.points_per_question)
        if frozen != current:
            raise ValidationFailed(
                "Đợt thi đã có người làm bài: không thể đổi số câu, thời gian làm bài hay điểm mỗi câu.",
                field="question_count",
            )
    with session.no_autoflush:
        _apply(session, round_, spec)
    session.flush()
    if spec.publish:
        publish(session, round_)
    else:
        round_.is_published = False
    return round_


def publish(session: Session, round_: Round) -> None:
    """A round opens only when the bank can satisfy its draw."""
    problems = draw.shortages(session, round_)
    if problems:
        raise BankTooSmall("Ngân hàng câu hỏi chưa đủ để mở đợt thi: " + " ".join(problems))
    round_.is_published = True


def visible_rounds(session: Session, *, now: datetime | None = None, horizon_days: int = 60) -> list[Round]:
    """Published rounds open now or opening within the horizon, soonest first."""
    now = now or now_utc()
    return session.scalars(
        select(Round)
        .where(Round.is_published, Round.closes_at > now, Round.opens_at < now + timedelta(days=horizon_days))
        .order_by(Round.opens_at, Round.id)
    ).all()
