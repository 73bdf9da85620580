"""App-wide web plumbing: security headers, error pages, template helpers."""
from flask import g, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.api import errors as api_errors
from contest.auth.forms import EmptyForm
from contest.extensions import db
from contest.services import audit

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Phương thức không được phép",
    413: "Tệp quá lớn",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi máy chủ",
}
_MESSAGES = {
    400: "Yêu cầu gửi lên không hợp lệ. Vui lòng thử lại.",
    403: "Tài khoản của bạn không được phép xem trang này.",
    404: "Trang bạn tìm không tồn tại hoặc đã bị xoá.",
    405: "Thao tác này không được hỗ trợ.",
    413: "Tệp tải lên vượt quá giới hạn 20 MB.",
    429: "Bạn thao tác quá nhanh. Vui lòng đợi một chút rồi thử lại.",
    500: "Đã có lỗi xảy ra phía máy chủ. Dữ liệu của bạn không bị mất; vui lòng thử lại sau.",
}


def init_app(app) -> None:
    app.before_request(_mark_writes)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    # formdata=None: never reads the request body (on a 413 page reading it raises again).
    app.context_processor(lambda: {"logout_form": EmptyForm(formdata=None)})


def _mark_writes():
    # SQLite: requests that change state begin their transactions IMMEDIATE (extensions.py).
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        g.write_transaction = True


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _render_error(status: int, message: str | None = None):
    db.session.rollback()
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=_(_TITLES.get(status, "Lỗi")),
            message=message or _(_MESSAGES.get(status, "Đã có lỗi xảy ra.")),
        ),
        status,
    )


def _http_error(error: HTTPException):
    if request.path.startswith("/api/"):  # no API route matched: still the API's JSON shape
        return api_errors.http_error(error)
    return _render_error(error.code or 500)


def _csrf_error(error: CSRFError):
    return _render_error(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại."))


def audit_request(action: str, target: str = "", **details) -> None:
    """An audit entry for what the current user does in this request, from their address."""
    audit.record(db.session, action, user_id=current_user.id if current_user.is_authenticated else None,
                 target=target, details=details, ip=request.remote_addr)


def audit_bank_change(session, *, action: str, target: str = "", details: dict | None = None,
                      user_id: int | None = None) -> None:
    """Receiver of question_bank.signals.bank_changed: the bank reports, the contest logs."""
    ip = request.remote_addr if has_request_context() else None
    audit.record(session, action, user_id=user_id, target=target, details=details, ip=ip)
