"""Contests and who works on them; rounds and their rules come with the contest engine."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from question_bank.db import UTCDateTime, now_utc


class Contest(db.Model):
    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    staff: Mapped[list["ContestStaff"]] = relationship(back_populates="contest", cascade="all, delete-orphan")


class ContestStaff(db.Model):
    """An organizer or judge limited to some contests; staff with no row work on every contest."""

    __tablename__ = "contest_staff"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)

    contest: Mapped[Contest] = relationship(back_populates="staff")
    user = relationship("User")
