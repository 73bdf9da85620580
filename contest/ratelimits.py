"""Rate limits (Flask-Limiter): views opt in with a named decorator, each app gets its own limiter.

SPEC §5: limits never key on the address alone, because a whole office behind one NAT address
takes the contest at the same minute. Logins count failures per (account, address), the account
as login reads it (a phone however typed, an email or username in any case: one counter), plus
a generous ceiling on failures per address across all accounts (successes never count there);
starting an attempt counts per user, registration per (account name, address), wrong current
passwords on the password-change form per user. The amounts come from the configuration
(`RATELIMIT_LOGIN`, …); the storage from `RATELIMIT_STORAGE_URI` (memory by default: counts per
process; Redis when several workers or servers must share them, docs/deploy.md).

    @bp.post("/register")
    @ratelimits.registration
    def register(): ...

The decorators only mark the view; `init_app` wraps the marked views of one app, so every app
(tests build many) has its own counters and its own storage.
"""
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user

from contest.services.users.accounts import login_key

MARK = "_contest_rate_limit"
EXTENSION = "contest_limiter"


def address() -> str:
    """The address a limit counts: an IPv4 address as it is, an IPv6 one by its /64, which a home
    or mobile connection owns whole (rotating through it must not give fresh counters)."""
    remote = request.remote_addr or "-"
    try:
        ip = ipaddress.ip_address(remote)
        if ip.version == 6 and ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else remote
    except ValueError:  # not an address (a proxy's odd header): counted as given
        return remote


def account() -> str:
    """The account a login or registration form names, folded as the account lookup folds it."""
    data = request.get_json(silent=True) if request.is_json else request.form
    value = None
    if isinstance(data, dict) or hasattr(data, "getlist"):
        value = next((data.get(name) for name in ("username", "phone", "email") if data.get(name)), None)
    account = login_key(value)[:254] if isinstance(value, str) else ""
    # A lone surrogate cannot go to Redis as a key; the view refuses such a login anyway.
    return account.encode("utf-8", "replace").decode() or "-"


def account_and_address() -> str:
    return f"{account()}|{address()}"


def user_id() -> str:
    return f"user:{current_user.id}"


def _failed(response) -> bool:
    # A login that did not log in: 401 from the API, the form shown again (400) by the page.
    return response.status_code in (400, 401)


def _account_created(_response) -> bool:
    # Successes count, not attempts: an office whose people mistype a field is not penalised,
    # and a failed registration creates nothing (the per-(name, address) rule limits those).
    return bool(g.get("account_created"))


def carries_challenge() -> bool:
    """The login names a proof-of-work solution: past the per-address ceiling it is let through to
    the view, which verifies and spends it (auth/login_challenge.py), instead of refused."""
    from contest.auth import login_challenge  # it counts with this module's storage

    data = request.get_json(silent=True) if request.is_json else request.form
    value = data.get("challenge") if isinstance(data, dict) or hasattr(data, "getlist") else None
    return isinstance(value, str) and bool(value.strip()) and login_challenge.required()


def _anonymous() -> bool:
    return not current_user.is_authenticated


def count_failure() -> None:
    """Called by a view whose limit counts only some failures (a wrong current password)."""
    g.rate_limit_failure = True


def _counted_failure(_response) -> bool:
    return g.get("rate_limit_failure", False)


@dataclass(frozen=True)
class Rule:
    config_key: str
    key: Callable[[], str]
    message: Callable[[int], str]
    methods: tuple[str, ...] | None = None
    deduct_when: Callable | None = None
    exempt_when: Callable[[], bool] | None = None


RULES = {
    "login": Rule(
        "RATELIMIT_LOGIN", account_and_address, methods=("POST",), deduct_when=_failed,
        message=lambda seconds: _(
            "Đăng nhập sai quá nhiều lần với tài khoản này. Vui lòng thử lại sau %(seconds)d giây.",
            seconds=seconds),
    ),
    "login_address": Rule(
        # Past the ceiling a login is not refused but must carry a solved challenge (SPEC §5: the
        # address alone never locks out an office; a guesser pays a proof-of-work per guess).
        "RATELIMIT_LOGIN_ADDRESS", address, methods=("POST",), deduct_when=_failed, exempt_when=carries_challenge,
        message=lambda seconds: _(
            "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này: hãy tải lại trang đăng nhập để trình duyệt giải "
            "bước xác minh (cần JavaScript) rồi đăng nhập lại, hoặc thử lại sau %(seconds)d giây.",
            seconds=seconds),
    ),
    "password_change": Rule(
        "RATELIMIT_PASSWORD_CHANGE", user_id, methods=("POST",), deduct_when=_counted_failure,
        exempt_when=_anonymous,
        message=lambda seconds: _(
            "Bạn đã nhập sai mật khẩu hiện tại quá nhiều lần. Vui lòng thử lại sau %(seconds)d giây.",
            seconds=seconds),
    ),
    "start": Rule(
        "RATELIMIT_START", user_id, exempt_when=_anonymous,
        message=lambda seconds: _(
            "Bạn bấm bắt đầu bài thi quá nhiều lần. Vui lòng đợi %(seconds)d giây rồi thử lại.", seconds=seconds),
    ),
    "registration": Rule(
        "RATELIMIT_REGISTRATION", account_and_address, methods=("POST",),
        message=lambda seconds: _(
            "Bạn gửi đăng ký quá nhiều lần. Vui lòng thử lại sau %(seconds)d giây.", seconds=seconds),
    ),
    "registration_address": Rule(
        "RATELIMIT_REGISTRATION_ADDRESS", address, methods=("POST",), deduct_when=_account_created,
        message=lambda seconds: _(
            "Đã có quá nhiều tài khoản được đăng ký từ địa chỉ mạng này. Vui lòng thử lại sau %(seconds)d giây "
            "hoặc liên hệ ban tổ chức để được cấp tài khoản.", seconds=seconds),
    ),
}
# A marked view gets every rule of its group: one name on the view, several counters.
GROUPS = {"registration": ("registration", "registration_address"), "login": ("login", "login_address")}


def _mark(name: str):
    def decorator(view):
        # Marks the very function object the route holds (functools.wraps copies the mark too),
        # so the decorator works above or below @bp.route and @login_required.
        setattr(view, MARK, name)
        return view

    decorator.__name__ = name
    return decorator


login = _mark("login")
start = _mark("start")
registration = _mark("registration")
password_change = _mark("password_change")


def init_app(app: Flask) -> None:
    """Wrap every marked view of `app`; call after all blueprints are registered."""
    limiter = Limiter(key_func=user_id)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    if not limiter.enabled:
        return
    for endpoint, view in list(app.view_functions.items()):
        name = getattr(view, MARK, None)
        if name is None:
            continue
        wrapped = view
        for scope in GROUPS.get(name, (name,)):
            rule = RULES[scope]
            limit = limiter.shared_limit(
                app.config[rule.config_key], scope=scope, key_func=rule.key, methods=rule.methods,
                deduct_when=rule.deduct_when, exempt_when=rule.exempt_when,
            )
            wrapped = limit(wrapped)
        app.view_functions[endpoint] = wrapped


def limited_endpoints(app: Flask) -> dict[str, str]:
    """endpoint → limit name, for the tests and for anyone wondering what is limited."""
    return {endpoint: getattr(view, MARK) for endpoint, view in app.view_functions.items() if hasattr(view, MARK)}


def retry_after() -> int:
    """Whole seconds until the breached limit lets this key through again (at least 1)."""
    limiter = current_app.extensions[EXTENSION]
    current = limiter.current_limit
    if current is None:
        return 60
    reset_time = current.window[0]  # when the oldest counted hit leaves the window
    return max(1, math.ceil(reset_time - time.time()))


def message(error: RateLimitExceeded, seconds: int) -> str:
    rule = RULES.get(getattr(error.limit, "scope", None))
    if rule is None:
        return _("Bạn thao tác quá nhanh. Vui lòng thử lại sau %(seconds)d giây.", seconds=seconds)
    return rule.message(seconds)
