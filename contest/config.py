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


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def from_environment(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    timezone = os.environ.get("CONTEST_TIMEZONE", "Asia/Ho_Chi_Minh")
    https = _flag("FORCE_HTTPS") or os.environ.get("PREFERRED_URL_SCHEME", "").lower() == "https"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'contest.db'}",
        "CONTEST_TIMEZONE": timezone,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "SUBMIT_GRACE_SECONDS": int(os.environ.get("SUBMIT_GRACE_SECONDS", "30")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # The quiz API's bodies are a few kilobytes (a submit with 500 answers is ~15 KB).
        "API_MAX_CONTENT_LENGTH": 64 * 1024,
        # Behind a TLS-terminating proxy: cookies only over HTTPS, HSTS, https:// external URLs.
        "FORCE_HTTPS": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How long "Ghi nhớ đăng nhập" keeps one logged in, and the longest any session lives on
        # the server (user_session.expires_at); create_app sets REMEMBER_COOKIE_DURATION from it.
        "REMEMBER_DAYS": int(os.environ.get("REMEMBER_DAYS") or 14),
        # How many reverse proxies set X-Forwarded-For/-Proto in front of the app (0: none, trust no header).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "WTF_CSRF_TIME_LIMIT": None,
        # Flask-Limiter (contest/ratelimits.py). Memory counts per process; with several workers
        # or servers give them one Redis: RATELIMIT_STORAGE_URI=redis://host:6379/0.
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", default=True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": "cchc",
        # If Redis goes away mid-contest, count in this process's memory instead of failing logins.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN") or "10 per minute",
        # Failed logins from one address, whatever the accounts: a guesser walking through many
        # accounts stops here, while an office of a few hundred behind one NAT address, one in
        # five mistyping at the opening minute, stays well under it. Successes never count.
        "RATELIMIT_LOGIN_ADDRESS": os.environ.get("RATELIMIT_LOGIN_ADDRESS") or "100 per 15 minutes",
        # Wrong current passwords on /account/password, per account.
        "RATELIMIT_PASSWORD_CHANGE": os.environ.get("RATELIMIT_PASSWORD_CHANGE") or "5 per 15 minutes",
        "RATELIMIT_START": os.environ.get("RATELIMIT_START") or "60 per minute",
        "RATELIMIT_REGISTRATION": os.environ.get("RATELIMIT_REGISTRATION") or "5 per minute",
        # Accounts created from one address (an office NAT fits, a farm does not): issue 14.
        "RATELIMIT_REGISTRATION_ADDRESS": os.environ.get("RATELIMIT_REGISTRATION_ADDRESS") or "30 per hour",
        # The proof-of-work of registration and of a login after failures (contest/auth/challenge.py):
        # a browser tries on average half of CHALLENGE_MAX_NUMBER hashes (~1-3 s on a phone).
        "CHALLENGE_MAX_NUMBER": int(os.environ.get("CHALLENGE_MAX_NUMBER") or 50_000),
        "CHALLENGE_TTL_SECONDS": int(os.environ.get("CHALLENGE_TTL_SECONDS") or 1800),
        "LOGIN_CHALLENGE_AFTER": int(os.environ.get("LOGIN_CHALLENGE_AFTER") or 3),
    }


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # One connection per request thread: gunicorn.conf.py sets DB_POOL_SIZE to its thread count,
    # so workers × (pool + overflow) stays under PostgreSQL's max_connections (docs/deploy.md).
    pool_size = int(os.environ.get("DB_POOL_SIZE") or 10)
    return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW") or 5),
            "pool_timeout": 10, "pool_recycle": 1800, "connect_args": {"connect_timeout": 5}}
