"""Where an uploaded file waits between its preview and the uploader's confirmation.

In the database (`staged_upload`), so whichever app server and worker receives the confirm can
read it: no shared disk is needed. Each row knows its kind (`bank`, `units`, `participants`, as
the caller names it) and its owner; a load asks for both, so an upload is usable only through
the pages of its own kind and only by the person who sent it (anything else reads as "none").
The id is 256 random bits. After an hour an upload is expired: the owner is told to send it
again, and the next upload (by anyone) deletes every expired row.

Services here flush and never commit: the upload view commits the new row, the confirm commits
the import together with the row's deletion. A preview (GET) writes nothing, not even the
deletion of an expired row.
"""
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, now_utc
from .text import clean_text

TTL = timedelta(hours=1)
_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class StagedUpload(Base):
    __tablename__ = "staged_upload"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # A string reference (core imports no model): the account table is the contest's.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the uploader's pages worked out from `data` once, at upload (the bank keeps its parse
    # and plan here, compressed), so a preview reads it instead of parsing again. Opaque to core.
    plan: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StagingExpired(Exception):
    """The uploader's own file of this kind, past its hour."""


@dataclass(frozen=True)
class Staged:
    token: str
    kind: str
    user_id: int
    filename: str
    created_at: datetime
    expires_at: datetime
    data: bytes = b""
    options: dict = field(default_factory=dict)
    plan: bytes | None = None

    @property
    def topic(self) -> str | None:
        """A bank upload's default topic (the one option any kind has today)."""
        return self.options.get("topic")


def stage(session: Session, data: bytes, *, kind: str, user_id: int, filename: str = "",
          options: dict | None = None, plan: bytes | None = None) -> Staged:
    purge_expired(session)
    now = now_utc()
    row = StagedUpload(
        id=secrets.token_urlsafe(32),
        kind=kind,
        user_id=user_id,
        # Shown on the preview and used as a format hint; never part of a path.
        filename=clean_text((filename or "").replace("\\", "/").rsplit("/", 1)[-1])[:200],
        data=data,
        plan=plan,
        options={name: clean_text(value)[:200] for name, value in (options or {}).items() if clean_text(value)},
        created_at=now,
        expires_at=now + TTL,
    )
    session.add(row)
    session.flush()
    return _staged(row)


def load(session: Session, token: str, *, kind: str, user_id: int) -> Staged | None:
    """The staged upload, or None when this user has none of this kind under that id (someone
    else's id, or one of another kind, reads the same as a made-up one).

    Raises StagingExpired when it is the user's own, of this kind, but past its hour."""
    if not _ID.fullmatch(token or ""):
        return None
    row = session.scalar(select(StagedUpload).where(
        StagedUpload.id == token, StagedUpload.kind == kind, StagedUpload.user_id == user_id))
    if row is None:
        return None
    if now_utc() >= row.expires_at:
        raise StagingExpired()
    return _staged(row)


def keep_plan(session: Session, token: str, plan: bytes) -> bool:
    """Stores what was worked out from an upload after it was staged (a background plan);
    False when the row is gone (discarded or purged meanwhile)."""
    return bool(session.execute(update(StagedUpload).where(StagedUpload.id == token).values(plan=plan)).rowcount)


def discard(session: Session, token: str) -> None:
    session.execute(delete(StagedUpload).where(StagedUpload.id == token))


def purge_expired(session: Session) -> int:
    """Deletes every staged upload past its hour; returns how many."""
    return session.execute(delete(StagedUpload).where(StagedUpload.expires_at <= now_utc())).rowcount


def _staged(row: StagedUpload) -> Staged:
    return Staged(row.id, row.kind, row.user_id, row.filename, row.created_at, row.expires_at, row.data,
                  dict(row.options or {}), row.plan)
