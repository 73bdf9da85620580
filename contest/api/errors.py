"""The API's one error shape: {"error": {"code", "message"}} with a fitting status."""
from flask import jsonify
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.errors import DomainError
from contest.extensions import db

_CODES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Bạn cần đăng nhập."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    409: ("conflict", "Xung đột dữ liệu."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Dữ liệu phải ở dạng JSON."),
    422: ("validation_failed", "Dữ liệu không hợp lệ."),
    429: ("rate_limited", "Quá nhiều yêu cầu; vui lòng thử lại sau."),
    500: ("server_error", "Lỗi máy chủ; vui lòng thử lại."),
}


def error_response(status: int, code: str | None = None, message: str | None = None):
    default_code, default_message = _CODES.get(status, ("error", "Đã có lỗi xảy ra."))
    response = jsonify({"error": {"code": code or default_code, "message": message or default_message}})
    response.status_code = status
    return response


def domain_error(error: DomainError):
    if error.keep_changes:
        db.session.commit()
    else:
        db.session.rollback()
    return error_response(error.status, error.code, error.message)


def http_error(error: HTTPException):
    db.session.rollback()
    return error_response(error.code or 500)


def csrf_error(error: CSRFError):
    db.session.rollback()
    return error_response(400, "csrf_failed", "Thiếu hoặc sai mã CSRF (tiêu đề X-CSRFToken).")


def register(bp) -> None:
    bp.register_error_handler(DomainError, domain_error)
    bp.register_error_handler(CSRFError, csrf_error)
    bp.register_error_handler(HTTPException, http_error)
