"""A self-hosted proof-of-work (in the manner of ALTCHA) that a browser solves in a second or two
and a farm of scripts pays for on every account.

The server issues `salt` (random, with its purpose and expiry inside) and `challenge =
SHA-256(salt + number)` for a secret random `number` ≤ CHALLENGE_MAX_NUMBER, signed with an HMAC
of SECRET_KEY; the browser (static/js/challenge.js) finds `number` by trying them all and sends
back everything as base64 JSON. The server keeps nothing until a solution is spent: `check`
verifies signature, purpose, expiry and the hash; `spend` stores the digest in `spent_challenge`
in the caller's transaction, whose primary key refuses the same solution twice on any worker.
"""
import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import ValidationFailed
from contest.models import SpentChallenge
from core.db import now_utc

ALGORITHM = "SHA-256"
FIELD = "challenge"
PURPOSES = ("register", "login")
MAX_PAYLOAD = 2048  # a genuine payload is ~400 characters


class ChallengeFailed(ValidationFailed):
    code = "challenge_failed"
    message = _l("Kết quả xác minh không hợp lệ; hãy gửi lại biểu mẫu để trình duyệt xác minh lần nữa.")

    def __init__(self, message=None):
        super().__init__(message, field=FIELD)


MISSING = _l("Chưa hoàn tất bước xác minh bạn không phải máy: hãy bật JavaScript, đợi dòng “Đã xác minh” "
             "rồi gửi lại.")
EXPIRED = _l("Bước xác minh đã hết hạn; trang đã tạo bước xác minh mới, hãy gửi lại.")
SPENT = _l("Kết quả xác minh này đã được dùng; hãy gửi lại biểu mẫu để trình duyệt xác minh lần nữa.")


@dataclass(frozen=True)
class Solution:
    digest: str
    expires_at: datetime


def _sign(challenge: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), challenge.encode(), hashlib.sha256).hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def issue(purpose: str) -> dict:
    """The parameters a browser needs (ALTCHA's shape), valid for CHALLENGE_TTL_SECONDS."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    max_number = current_app.config["CHALLENGE_MAX_NUMBER"]
    expires = int(now_utc().timestamp()) + current_app.config["CHALLENGE_TTL_SECONDS"]
    salt = f"{secrets.token_hex(12)}?purpose={purpose}&expires={expires}"
    challenge = _sha(salt + str(secrets.randbelow(max_number + 1)))
    return {"algorithm": ALGORITHM, "challenge": challenge, "maxnumber": max_number, "salt": salt,
            "signature": _sign(challenge)}


def _decode(payload) -> dict:
    if not isinstance(payload, str) or not payload.strip():
        raise ChallengeFailed(MISSING)
    if len(payload) > MAX_PAYLOAD or not payload.isascii():
        raise ChallengeFailed()
    try:
        data = json.loads(base64.b64decode(payload.strip(), validate=True))
    except (binascii.Error, ValueError):
        raise ChallengeFailed() from None
    if not isinstance(data, dict):
        raise ChallengeFailed()
    return data


def _salt_params(salt: str) -> dict[str, str]:
    _random, _q, query = salt.partition("?")
    return dict(part.partition("=")[::2] for part in query.split("&") if part)


def check(payload, purpose: str) -> Solution:
    """The solution in `payload` if it is genuine, for `purpose` and unexpired; reads nothing."""
    data = _decode(payload)
    salt, challenge, signature, number = (data.get(key) for key in ("salt", "challenge", "signature", "number"))
    if (data.get("algorithm") != ALGORITHM or not all(isinstance(v, str) for v in (salt, challenge, signature))
            or isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 10**9):
        raise ChallengeFailed()
    # The signature vouches for the challenge, the hash ties the salt (purpose, expiry) to it.
    if not hmac.compare_digest(_sign(challenge), signature) or not hmac.compare_digest(
            _sha(salt + str(number)), challenge):
        raise ChallengeFailed()
    params = _salt_params(salt)
    expires = params.get("expires", "")
    if params.get("purpose") != purpose or not (expires.isascii() and expires.isdigit() and len(expires) <= 10):
        raise ChallengeFailed()
    expires_at = datetime.fromtimestamp(int(expires), timezone.utc)
    if now_utc() >= expires_at:
        raise ChallengeFailed(EXPIRED)
    return Solution(challenge, expires_at)


def spend(session: Session, solution: Solution) -> None:
    """Records the solution as used, in the caller's transaction; a second use raises ChallengeFailed."""
    session.execute(delete(SpentChallenge).where(SpentChallenge.expires_at < now_utc() - timedelta(minutes=1)))
    try:
        with session.begin_nested():
            session.add(SpentChallenge(digest=solution.digest, expires_at=solution.expires_at))
    except IntegrityError:
        raise ChallengeFailed(SPENT) from None


def verify(session: Session, payload, purpose: str) -> None:
    """check + spend, for a caller with nothing slow in between."""
    spend(session, check(payload, purpose))

