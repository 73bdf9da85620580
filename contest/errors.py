"""Domain errors: raised by services, shown on forms by HTML views and as JSON by the API."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    code = "invalid"
    status = 400
    message = _l("Yêu cầu không hợp lệ.")

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None):
        # A real str in the raiser's language: it goes into JSON, flashes and logs.
        text = str(message or self.message)
        super().__init__(text)
        self.message = text
        self.field = field
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _l("Không tìm thấy.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    message = _l("Bạn không có quyền thực hiện thao tác này.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = _l("Dữ liệu đã tồn tại.")


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    message = _l("Dữ liệu không hợp lệ.")


class RoundNotOpen(DomainError):
    code = "round_not_open"
    status = 409
    message = _l("Đợt thi chưa mở hoặc đã kết thúc.")


class AttemptsExhausted(DomainError):
    code = "attempts_exhausted"
    status = 409
    message = _l("Bạn đã dùng hết số lượt thi của đợt này.")


class NotEligible(DomainError):
    code = "not_eligible"
    status = 403
    message = _l("Đơn vị của bạn không thuộc đối tượng dự thi của đợt này.")


class AttemptClosed(DomainError):
    code = "attempt_closed"
    status = 409
    message = _l("Bài thi đã kết thúc; không thể lưu hoặc nộp thêm.")


class InvalidChoice(DomainError):
    code = "invalid_choice"
    status = 422
    message = _l("Phương án không thuộc câu hỏi này.")


class BankTooSmall(DomainError):
    code = "bank_too_small"
    status = 422
    message = _l("Ngân hàng câu hỏi không đủ câu để rút đề theo cấu hình của đợt thi.")
