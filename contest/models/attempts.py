"""Attempts (bài thi), the questions drawn for each, and the saved answers."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from core.db import UTCDateTime


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", "number"),  # attempt 1, 2, … per person: limits hold under races
        # A start request carries a key its retries repeat: a stale copy that a worker reaches
        # after the attempt was finished finds it by the key instead of starting another one.
        UniqueConstraint("round_id", "user_id", "start_key"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("deadline > started_at", name="deadline"),
        CheckConstraint("finished_by IS NULL OR finished_by IN ('participant', 'system')", name="finished_by"),
        Index(
            "uq_attempt_open",
            "round_id",
            "user_id",
            unique=True,  # one attempt in progress per person and round
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index("ix_attempt_open_deadline", "deadline", sqlite_where=text("finished_at IS NULL"),
              postgresql_where=text("finished_at IS NULL")),
        Index("ix_attempt_round_finished", "round_id", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the participant submitted; the deadline when the system finalised it (SPEC §6).
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_by: Mapped[str | None] = mapped_column(String(12))
    duration_seconds: Mapped[int | None]
    score: Mapped[int | None]
    max_score: Mapped[int]
    prediction: Mapped[int | None]
    receipt_code: Mapped[str] = mapped_column(String(16), unique=True)
    start_key: Mapped[str | None] = mapped_column(String(64))  # the Idempotency-Key of its start

    round = relationship("Round")
    user = relationship("User")
    questions: Mapped[list["AttemptQuestion"]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class AttemptQuestion(db.Model):
    """A drawn question, its place in the attempt and the order its choices are shown in."""

    __tablename__ = "attempt_question"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_attempt_question_question", "question_id"),
    )

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), primary_key=True)
    # The question's texts as drawn: its current version, or a QuestionVersion after an edit.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    position: Mapped[int]
    choice_order: Mapped[list[int]] = mapped_column(JSON)  # choice ids as shown
    points: Mapped[int] = mapped_column(default=1)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    question = relationship("Question")


class Answer(db.Model):
    """The choice saved for one question of an attempt; a save is an upsert on the primary key."""

    __tablename__ = "answer"
    __table_args__ = (
        # The answered question must belong to the attempt.
        db.ForeignKeyConstraint(
            ["attempt_id", "question_id"],
            ["attempt_question.attempt_id", "attempt_question.question_id"],
            ondelete="CASCADE",
        ),
    )

    attempt_id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(primary_key=True)
    choice_id: Mapped[int] = mapped_column(ForeignKey("choice.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
