"""Configuration from the environment and instance/ (SPEC §2); no literal fallback secret."""
import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """Generated once and kept in instance/secret_key so every worker and restart shares it."""
    path = instance_path / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


def from_environment(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    timezone = os.environ.get("CONTEST_TIMEZONE", "Asia/Ho_Chi_Minh")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'contest.db'}",
        "CONTEST_TIMEZONE": timezone,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "SUBMIT_GRACE_SECONDS": int(os.environ.get("SUBMIT_GRACE_SECONDS", "30")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
    }


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
