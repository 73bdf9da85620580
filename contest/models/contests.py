"""Contests, their rounds and the rules of each round."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_, false, true
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from core.db import UTCDateTime, now_utc

GRADINGS = ("best", "first", "last")
# Keys of the individual tie-break chain (SPEC §6); "id" always ends it so no tie is left.
TIE_BREAK_KEYS = ("score", "prediction", "duration", "submitted_at", "id")
DEFAULT_TIE_BREAK = list(TIE_BREAK_KEYS)
PREDICTION_TARGETS = ("perfect", "participants", "attempts")
UNIT_FORMULAS = ("rate", "mean", "weighted")
OVERALL_MODES = ("sum", "best")
DEFAULT_MIN_SECONDS_PER_QUESTION = 3
DEFAULT_PREDICTION_PROMPT = "Theo bạn, sẽ có bao nhiêu người trả lời đúng tất cả các câu hỏi của đợt thi này?"


class Contest(db.Model):
    __tablename__ = "contest"
    __table_args__ = (
        CheckConstraint("overall_mode IN ('sum', 'best')", name="overall_mode"),
        CheckConstraint("unit_formula IN ('rate', 'mean', 'weighted')", name="unit_formula"),
        CheckConstraint("min_participation_percent BETWEEN 0 AND 100", name="min_participation"),
        CheckConstraint("unit_rate_weight_percent BETWEEN 0 AND 100", name="unit_rate_weight"),
        CheckConstraint("registration_mode IN ('open', 'invitation', 'approval')", name="registration_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # How results are ranked (issue 5): the individual tie-break chain, how rounds add up for
    # the whole contest, and how units are ranked.
    tie_break: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_TIE_BREAK))
    overall_mode: Mapped[str] = mapped_column(String(10), default="sum", server_default="sum")
    min_participation_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    unit_formula: Mapped[str] = mapped_column(String(10), default="rate", server_default="rate")
    unit_rate_weight_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    # Self-registration (/contests/<id>/register): whether it is open, and which of the optional
    # details the form requires (full name, login and password always are).
    registration_open: Mapped[bool] = mapped_column(default=False, server_default=false())
    require_date_of_birth: Mapped[bool] = mapped_column(default=True, server_default=true())
    require_phone: Mapped[bool] = mapped_column(default=True, server_default=true())
    require_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    require_unit: Mapped[bool] = mapped_column(default=True, server_default=true())
    require_id_number: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who may register (issue 14): anyone ("open"), holders of a unit's invitation code, or anyone
    # pending an organizer's approval; and whether self-declared units count before confirmation.
    registration_mode: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    trust_declared_units: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A total shown right after submitting is a key oracle (SPEC §9): this forbids it for every
    # round of the contest, old ones included (checked when a score would be shown).
    forbid_immediate_score: Mapped[bool] = mapped_column(default=False, server_default=false())

    staff: Mapped[list["ContestStaff"]] = relationship(back_populates="contest", cascade="all, delete-orphan")
    rounds: Mapped[list["Round"]] = relationship(
        back_populates="contest", order_by="Round.opens_at", cascade="all, delete-orphan"
    )


class ContestStaff(db.Model):
    """An organizer or judge limited to some contests; staff with no row work on every contest."""

    __tablename__ = "contest_staff"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)

    contest: Mapped[Contest] = relationship(back_populates="staff")
    user = relationship("User")


class Round(db.Model):
    """A round (đợt thi): a window, a duration, attempt rules and a draw blueprint."""

    __tablename__ = "round"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("duration_seconds > 0", name="duration"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts"),
        CheckConstraint("grading IN ('best', 'first', 'last')", name="grading"),
        CheckConstraint("question_count >= 1", name="question_count"),
        CheckConstraint("points_per_question >= 1", name="points"),
        CheckConstraint("prediction_target IN ('perfect', 'participants', 'attempts')", name="prediction_target"),
        CheckConstraint("min_seconds_per_question BETWEEN 0 AND 600", name="min_seconds"),
        Index("ix_round_window", "opens_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    rules: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int]
    max_attempts: Mapped[int | None]  # None: unlimited (no Python default: None must stay None)
    grading: Mapped[str] = mapped_column(String(10), default="best")
    show_score: Mapped[bool] = mapped_column(default=False)  # at once, or only after the round closes
    question_count: Mapped[int]
    points_per_question: Mapped[int] = mapped_column(default=1)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    prediction_prompt: Mapped[str | None] = mapped_column(Text)  # None: no prediction question
    # What the prediction is compared with: people with a perfect score, participants, attempts.
    prediction_target: Mapped[str] = mapped_column(String(15), default="perfect", server_default="perfect")
    is_published: Mapped[bool] = mapped_column(default=False)
    results_public: Mapped[bool] = mapped_column(default=False, server_default=false())  # public results page on
    # Below (this × question_count) seconds an attempt is implausible: flagged `too_fast`, and
    # ranked as if it had taken that long (SPEC §9). 0 turns both off.
    min_seconds_per_question: Mapped[int] = mapped_column(default=DEFAULT_MIN_SECONDS_PER_QUESTION,
                                                          server_default=str(DEFAULT_MIN_SECONDS_PER_QUESTION))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    contest: Mapped[Contest] = relationship(back_populates="rounds")
    draw_rules: Mapped[list["DrawRule"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="DrawRule.id"
    )
    eligible_units = relationship("Unit", secondary="round_unit")

    @property
    def score_at_once(self) -> bool:
        """The round shows the total right after submitting and its contest does not forbid it
        (services/quiz/score_release.py adds the per-attempt condition)."""
        return self.show_score and not self.contest.forbid_immediate_score

    @property
    def min_duration_seconds(self) -> int:
        """The least time a person needs for the whole attempt (SPEC §9), never past the time allowed."""
        return min(self.min_seconds_per_question * self.question_count, self.duration_seconds)

    @property
    def draws_by_topic(self) -> bool:
        return bool(self.draw_rules)

    def status(self, now: datetime) -> str:
        """"upcoming", "open" or "closed": where `now` falls in the window, published or not."""
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    @hybrid_method
    def in_window(self, now: datetime) -> bool:
        return self.status(now) == "open"

    @in_window.expression
    def in_window(cls, now: datetime):  # the same window in SQL, for queries over many rounds
        return and_(cls.opens_at <= now, cls.closes_at > now)

    def is_open(self, now: datetime) -> bool:
        """Participants may start an attempt: published and inside its window."""
        return self.is_published and self.in_window(now)


class DrawRule(db.Model):
    """Draw `count` questions of a topic (and difficulty, when given) per attempt."""

    __tablename__ = "draw_rule"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count"),
        CheckConstraint("difficulty IS NULL OR difficulty IN ('easy', 'medium', 'hard')", name="difficulty"),
        UniqueConstraint("round_id", "topic_id", "difficulty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))  # None: any topic
    difficulty: Mapped[str | None] = mapped_column(String(10))
    count: Mapped[int]

    round: Mapped[Round] = relationship(back_populates="draw_rules")
    topic = relationship("Topic")


class RoundUnit(db.Model):
    """Units whose members (and members of their sub-units) may take a round; none listed: everyone."""

    __tablename__ = "round_unit"

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)


