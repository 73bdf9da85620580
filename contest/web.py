"""App-wide web plumbing: security headers, body size and rate limits, error pages, template helpers."""
from flask import abort, current_app, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from contest import form_input, malformed, ratelimits
from contest.api import errors as api_errors
from contest.db import mark_request
from contest.auth import login_challenge
from contest.auth.forms import EmptyForm
from contest.extensions import db
from contest.services import audit

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

_TITLES = {
    400: _l("Yêu cầu không hợp lệ"),
    403: _l("Không có quyền truy cập"),
    404: _l("Không tìm thấy trang"),
    405: _l("Phương thức không được phép"),
    413: _l("Tệp quá lớn"),
    415: _l("Kiểu dữ liệu không được hỗ trợ"),
    429: _l("Quá nhiều yêu cầu"),
    500: _l("Lỗi máy chủ"),
}
_MESSAGES = {
    400: _l("Yêu cầu gửi lên không hợp lệ. Vui lòng thử lại."),
    403: _l("Tài khoản của bạn không được phép xem trang này."),
    404: _l("Trang bạn tìm không tồn tại hoặc đã bị xoá."),
    405: _l("Thao tác này không được hỗ trợ."),
    429: _l("Bạn thao tác quá nhanh. Vui lòng đợi một chút rồi thử lại."),
    500: _l("Đã có lỗi xảy ra phía máy chủ. Dữ liệu của bạn không bị mất; vui lòng thử lại sau."),
}


def init_app(app) -> None:
    """Call last in create_app: the rate limits wrap the views every blueprint has registered."""
    if app.config.get("PROXY_COUNT"):
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # First of all before_request functions: CSRFProtect's would otherwise read the body first;
    # then malformed input, named precisely even where the CSRF token is missing too.
    app.before_request_funcs.setdefault(None, [])[0:0] = [_limit_body, _refuse_malformed]
    app.url_value_preprocessor(_check_url_values)
    app.before_request(mark_request)  # SQLite: requests that change state take the write lock
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    form_input.init_app(app)
    ratelimits.init_app(app)
    # formdata=None: never reads the request body (on a 413 page reading it raises again).
    app.context_processor(lambda: {"logout_form": EmptyForm(formdata=None)})


def _limit_body():
    # 413 from the Content-Length header, before anything parses (or even reads) the body;
    # werkzeug enforces the same limit while reading a body sent without a length.
    if request.path.startswith("/api/"):
        request.max_content_length = current_app.config["API_MAX_CONTENT_LENGTH"]
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413)


def _check_url_values(_endpoint, values):
    # Ids are bounded by the `int` converter (malformed.py); a path text may still hold a NUL.
    if any(isinstance(value, str) and "\x00" in value for value in (values or {}).values()):
        abort(404)


def _refuse_malformed():
    problem = malformed.request_problem()
    if problem is None:
        return None
    if request.path.startswith("/api/"):
        return api_errors.error_response(problem.status, problem.code, problem.message)
    return render_error(problem.status, problem.message)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if current_app.config.get("FORCE_HTTPS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api/v1/"):
        # An attempt's questions and a ranking are private: no shared cache keeps them.
        headers.setdefault("Cache-Control", "no-store")
    return response


def render_error(status: int, message: str | None = None):
    db.session.rollback()
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=str(_TITLES.get(status, _l("Lỗi"))),
            message=message or str(_MESSAGES.get(status, _l("Đã có lỗi xảy ra."))),
        ),
        status,
    )


def _http_error(error: HTTPException):
    if request.path.startswith("/api/"):  # no API route matched: still the API's JSON shape
        return api_errors.http_error(error)
    if error.code == 413:  # the limit in force, as configured
        megabytes = (request.max_content_length or 0) // (1024 * 1024)
        return render_error(413, _("Tệp tải lên vượt quá giới hạn %(size)s MB.", size=megabytes))
    return render_error(error.code or 500)


def _rate_limited(error: RateLimitExceeded):
    seconds = ratelimits.retry_after()
    message = ratelimits.message(error, seconds)
    if request.path.startswith("/api/"):
        db.session.rollback()
        refusal = login_challenge.api_refusal(None) if getattr(error.limit, "scope", None) == "login_address" else None
        if refusal is not None:  # past the address ceiling a login needs a challenge, it is not banned
            return api_errors.error_response(428, **refusal)
        response = api_errors.error_response(429, "rate_limited", message)
    else:
        body, status = render_error(429, message)
        response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(seconds)
    return response


def _csrf_error(error: CSRFError):
    return render_error(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại."))


def audit_request(action: str, target: str = "", **details) -> None:
    """An audit entry for what the current user does in this request, from their address."""
    audit.record(db.session, action, user_id=current_user.id if current_user.is_authenticated else None,
                 target=target, details=details, ip=request.remote_addr)


def audit_bank_change(session, *, action: str, target: str = "", details: dict | None = None,
                      user_id: int | None = None) -> None:
    """Receiver of question_bank.signals.bank_changed: the bank reports, the contest logs."""
    ip = request.remote_addr if has_request_context() else None
    audit.record(session, action, user_id=user_id, target=target, details=details, ip=ip)
