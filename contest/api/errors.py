"""The API's one error shape: {"error": {"code", "message"}} with a fitting status."""
from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.errors import DomainError
from contest.extensions import db

_CODES = {
    400: ("bad_request", _l("Yêu cầu không hợp lệ.")),
    401: ("unauthorized", _l("Bạn cần đăng nhập.")),
    403: ("forbidden", _l("Bạn không có quyền thực hiện thao tác này.")),
    404: ("not_found", _l("Không tìm thấy.")),
    405: ("method_not_allowed", _l("Phương thức không được hỗ trợ.")),
    409: ("conflict", _l("Xung đột dữ liệu.")),
    413: ("payload_too_large", _l("Dữ liệu gửi lên quá lớn.")),
    415: ("unsupported_media_type", _l("Dữ liệu phải ở dạng JSON.")),
    422: ("validation_failed", _l("Dữ liệu không hợp lệ.")),
    429: ("rate_limited", _l("Quá nhiều yêu cầu; vui lòng thử lại sau.")),
    500: ("server_error", _l("Lỗi máy chủ; vui lòng thử lại.")),
}


def error_response(status: int, code: str | None = None, message: str | None = None, **details):
    """`details` add fields to the error object (e.g. `challenge` of challenge_required)."""
    default_code, default_message = _CODES.get(status, ("error", _l("Đã có lỗi xảy ra.")))
    response = jsonify({"error": {"code": code or default_code, "message": str(message or default_message),
                                  **details}})
    response.status_code = status
    return response


def domain_error(error: DomainError):
    # Nothing a refused request did is kept (a finalisation on its way was committed before).
    db.session.rollback()
    return error_response(error.status, error.code, error.message)


def http_error(error: HTTPException):
    db.session.rollback()
    return error_response(error.code or 500)


def csrf_error(error: CSRFError):
    db.session.rollback()
    return error_response(400, "csrf_failed", _("Thiếu hoặc sai mã CSRF (tiêu đề X-CSRFToken)."))


def register(bp) -> None:
    bp.register_error_handler(DomainError, domain_error)
    bp.register_error_handler(CSRFError, csrf_error)
    bp.register_error_handler(HTTPException, http_error)
