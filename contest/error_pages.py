"""Error pages: one template for every status, the API's JSON shape under /api/, 429 with Retry-After."""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest import ratelimits
from contest.api import errors as api_errors
from contest.auth import login_challenge
from contest.extensions import db

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
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)


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
