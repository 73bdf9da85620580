"""Where an uploaded bank waits between its preview and the organizer's confirmation.

The bytes go to `instance/imports/<token>.upload`, beside `<token>.json` naming the uploader and
the time. Files (not the session cookie, not one worker's memory) so any worker can serve the
confirm; the token is 256 random bits and only its uploader can use it; after an hour it is gone.
"""
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from core.db import now_utc
from core.text import clean_text

TTL = timedelta(hours=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class StagingExpired(Exception):
    """The uploader's own file, past its hour."""


@dataclass
class Staged:
    token: str
    user_id: int
    filename: str
    topic: str | None
    created_at: datetime
    data: bytes = b""

    @property
    def expires_at(self) -> datetime:
        return self.created_at + TTL


def folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _paths(token: str) -> tuple[Path, Path]:
    base = folder()
    return base / f"{token}.upload", base / f"{token}.json"


def _write(path: Path, content: bytes) -> None:
    """Written beside and renamed, so a reader never sees half a file."""
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(partial, path)


def stage(data: bytes, *, user_id: int, filename: str = "", topic: str | None = None) -> Staged:
    purge_expired()
    folder().mkdir(mode=0o700, parents=True, exist_ok=True)
    staged = Staged(
        token=secrets.token_urlsafe(32),
        user_id=user_id,
        # Shown on the preview and used as a format hint; never part of a path.
        filename=clean_text(os.path.basename((filename or "").replace("\\", "/")))[:200],
        topic=clean_text(topic)[:200] or None,
        created_at=now_utc(),
        data=data,
    )
    upload, meta = _paths(staged.token)
    _write(upload, data)
    _write(
        meta,
        json.dumps(
            {
                "user_id": user_id,
                "filename": staged.filename,
                "topic": staged.topic,
                "created_at": staged.created_at.isoformat(),
            }
        ).encode(),
    )
    return staged


def _read_meta(token: str) -> dict | None:
    if not _TOKEN.fullmatch(token or ""):
        return None
    try:
        return json.loads(_paths(token)[1].read_bytes())
    except (OSError, ValueError):
        return None


def load(token: str, user_id: int) -> Staged | None:
    """The staged upload, or None when there is none for this user (someone else's token too).

    Raises StagingExpired when it is the user's own but older than an hour.
    """
    meta = _read_meta(token)
    if meta is None or meta.get("user_id") != user_id:
        return None
    created_at = datetime.fromisoformat(meta["created_at"])
    if now_utc() >= created_at + TTL:
        discard(token)
        raise StagingExpired()
    try:
        data = _paths(token)[0].read_bytes()
    except OSError:
        return None
    return Staged(token, user_id, meta.get("filename") or "", meta.get("topic"), created_at, data)


def discard(token: str) -> None:
    if not _TOKEN.fullmatch(token or ""):
        return
    for path in _paths(token):
        path.unlink(missing_ok=True)


def purge_expired() -> int:
    """Removes every staged upload past its hour (and leftovers without metadata); returns how many."""
    base = folder()
    if not base.is_dir():
        return 0
    removed, now = 0, now_utc()
    for meta_path in base.glob("*.json"):
        token = meta_path.stem
        meta = _read_meta(token)
        try:
            expired = meta is None or now >= datetime.fromisoformat(meta["created_at"]) + TTL
        except (KeyError, TypeError, ValueError):
            expired = True
        if expired:
            discard(token)
            meta_path.unlink(missing_ok=True)
            removed += 1
    for leftover in [*base.glob("*.upload"), *base.glob("*.part")]:
        if not leftover.with_suffix(".json").exists() and _is_old(leftover, now):
            leftover.unlink(missing_ok=True)
    return removed


def _is_old(path: Path, now: datetime) -> bool:
    # An upload whose metadata is missing: a crash between the two writes, or one being written
    # right now by another worker; only the former is old.
    try:
        return now.timestamp() - path.stat().st_mtime > TTL.total_seconds()
    except OSError:
        return False
