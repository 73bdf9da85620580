"""Topics, source documents, questions and their choices."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, now_utc

DIFFICULTIES = ("easy", "medium", "hard")
STATUSES = ("active", "retired")
MIN_CHOICES, MAX_CHOICES = 2, 8


class Topic(Base):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    def __repr__(self) -> str:
        return f"<Topic {self.name!r}>"


class SourceDocument(Base):
    """A legal or planning document a question is taken from, e.g. "Nghị quyết 76/NQ-CP"."""

    __tablename__ = "source_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint("difficulty IN ('easy', 'medium', 'hard')", name="difficulty"),
        CheckConstraint("status IN ('active', 'retired')", name="status"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_question_status_topic", "status", "topic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source_document.id"))
    difficulty: Mapped[str] = mapped_column(String(10), default="medium")
    explanation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="active")
    # sha256 of normalize.dedup_key: the database refuses a second copy of a question.
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The number of the texts below; each edit of what a participant reads (stem, choices,
    # explanation, source) keeps the texts it replaces as a QuestionVersion and adds one.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    topic: Mapped[Topic | None] = relationship()
    source: Mapped[SourceDocument | None] = relationship()
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question",
        order_by="Choice.position",
        cascade="all, delete-orphan",
    )

    @property
    def correct_choice(self) -> "Choice | None":
        return next((c for c in self.choices if c.is_correct), None)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.text[:30]!r}>"


class Choice(Base):
    __tablename__ = "choice"
    __table_args__ = (
        UniqueConstraint("question_id", "position"),
        CheckConstraint("position >= 0 AND position < 8", name="position"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        # At most one correct choice per question; "at least one" is checked by the service.
        Index(
            "uq_choice_one_correct",
            "question_id",
            unique=True,
            sqlite_where=text("is_correct"),
            postgresql_where=text("is_correct"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[Question] = relationship(back_populates="choices")

    @property
    def letter(self) -> str:
        return "ABCDEFGH"[self.position]


class QuestionVersion(Base):
    """The texts of a question as they were before an edit replaced them (the current version
    lives in question and choice): attempts that drew this version keep showing it."""

    __tablename__ = "question_version"
    __table_args__ = (CheckConstraint("number >= 1", name="number"),)

    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # [[choice id, text], …] by position: the choice rows (and their ids, which answers keep)
    # stay, only their texts change.
    choices: Mapped[list] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)  # the source document's title at the time
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
