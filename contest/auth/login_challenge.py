"""The proof-of-work on login after failures (issue 14): once LOGIN_CHALLENGE_AFTER logins have
failed within 15 minutes for one account (named as the login limit folds it) or from one address,
the next login from there needs a solved challenge: the page shows it, the API answers 428
`challenge_required` with its parameters until one comes back solved.

The failures are counted in the rate-limit storage (memory, or the Redis every worker shares);
with rate limits switched off (RATELIMIT_ENABLED=0) no challenge is ever asked. A storage that
does not answer fails closed: every login is asked for the challenge (a solved one still logs
in), with a warning in the log, never an error page. Flask-Limiter moves to its in-memory
fallback once its own check on a login fails, and the failures are counted there from then on.
"""
from flask import current_app
from flask_babel import gettext as _
from limits import parse

from contest import ratelimits
from contest.extensions import db

from . import challenge

WINDOW = "15 minutes"


def _keys() -> list[str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    keys = [f"{prefix}/login_challenge/address/{ratelimits.address()}"]
    if (account := ratelimits.account()) != "-":
        keys.append(f"{prefix}/login_challenge/account/{account}")
    return keys


def _ceiling_key() -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}/login_challenge/ceiling/{ratelimits.address()}"


def _limit():
    return parse(f"{current_app.config['LOGIN_CHALLENGE_AFTER']} per {WINDOW}")


def _unreachable(exc: Exception, consequence: str) -> None:
    current_app.logger.warning("login challenge: rate-limit storage unreachable (%s: %s); %s",
                               exc.__class__.__name__, exc, consequence)


def required() -> bool:
    """After a few failures for the account or from the address, and always once the address has
    passed its failure ceiling (RATELIMIT_LOGIN_ADDRESS, whose rule then lets only logins carrying a
    solution through), whatever the two windows are configured to. Fails closed: while the storage
    is unreachable the challenge is asked."""
    limiter = current_app.extensions[ratelimits.EXTENSION]
    if not limiter.enabled:
        return False
    ceiling = parse(current_app.config["RATELIMIT_LOGIN_ADDRESS"])
    try:
        return (any(not limiter.limiter.test(_limit(), key) for key in _keys())
                or not limiter.limiter.test(ceiling, _ceiling_key()))
    except limiter.storage.base_exceptions as exc:
        _unreachable(exc, "the challenge is asked")
        return True


def failed() -> None:
    """Counts a failed login for its account and address (and towards the address ceiling)."""
    limiter = current_app.extensions[ratelimits.EXTENSION]
    if not limiter.enabled:
        return
    try:
        for key in _keys():
            limiter.limiter.hit(_limit(), key)
        limiter.limiter.hit(parse(current_app.config["RATELIMIT_LOGIN_ADDRESS"]), _ceiling_key())
    except limiter.storage.base_exceptions as exc:
        _unreachable(exc, "this failure is not counted")


def params() -> dict | None:
    """The challenge to show on the login page, when one is needed (a Jinja global)."""
    return challenge.issue("login") if required() else None


def _spend(payload) -> str | None:
    """None once a solution is verified and spent (committed: it is used even if the password is
    wrong), else the Vietnamese reason."""
    try:
        challenge.verify(db.session, payload, "login")
    except challenge.ChallengeFailed as exc:
        db.session.rollback()
        return exc.message
    db.session.commit()
    return None


def passed(form) -> bool:
    """The login page: True unless a challenge is needed and the form's solution is not good
    (the reason is then the form's `challenge` error)."""
    if not required():
        return True
    problem = _spend(form.challenge.data)
    if problem:
        form.challenge.errors.append(problem)
    return problem is None


def api_refusal(payload) -> dict | None:
    """The API login: None, or the error body's fields for 428 `challenge_required`."""
    if not required():
        return None
    problem = _spend(payload)
    if problem is None:
        return None
    if not payload:
        problem = _("Đã có nhiều lần đăng nhập sai; hãy giải bước xác minh (trường “challenge”) rồi gửi lại.")
    return {"code": "challenge_required", "message": problem, "challenge": challenge.issue("login")}
