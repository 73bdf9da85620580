"""What self-registration keeps besides accounts: units' invitation codes and spent challenges."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from core.db import UTCDateTime, now_utc

REGISTRATION_MODES = ("open", "invitation", "approval")


class UnitInvitation(db.Model):
    """A contest's invitation code for one unit: typing it registers the person in that unit."""

    __tablename__ = "unit_invitation"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    unit = relationship("Unit")


class SpentChallenge(db.Model):
    """A solved proof-of-work challenge, kept until it expires so it cannot be used twice
    (the primary key settles two workers accepting the same solution at once)."""

    __tablename__ = "spent_challenge"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
