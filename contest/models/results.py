"""Prizes: quotas per round and the judges' exclusions; the allocation itself is computed."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from core.db import UTCDateTime, now_utc

PRIZES = ("first", "second", "third", "consolation")  # Nhất, Nhì, Ba, Khuyến khích
SCOPES = ("individual", "unit")


class PrizeQuota(db.Model):
    """How many prizes of one kind a round gives to people or to units."""

    __tablename__ = "prize_quota"
    __table_args__ = (
        UniqueConstraint("round_id", "scope", "prize"),
        CheckConstraint("scope IN ('individual', 'unit')", name="scope"),
        CheckConstraint("prize IN ('first', 'second', 'third', 'consolation')", name="prize"),
        CheckConstraint("count >= 0", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(12))
    prize: Mapped[str] = mapped_column(String(12))
    count: Mapped[int]


class PrizeExclusion(db.Model):
    """A judge's decision that a person or unit gets no prize in a round, with the reason."""

    __tablename__ = "prize_exclusion"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        UniqueConstraint("round_id", "unit_id"),
        CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_target"),
        CheckConstraint("length(reason) > 0", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    user = relationship("User", foreign_keys=[user_id])
    unit = relationship("Unit")
