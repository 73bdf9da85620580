"""Domain errors: raised by services, shown on forms by HTML views and as JSON by the API."""


class DomainError(Exception):
    code = "invalid"
    status = 400
    message = "Yêu cầu không hợp lệ."
    # True when the work done before the refusal must still be committed (see AttemptClosed).
    keep_changes = False

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.field = field
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = "Không tìm thấy."


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    message = "Bạn không có quyền thực hiện thao tác này."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = "Dữ liệu đã tồn tại."


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    message = "Dữ liệu không hợp lệ."


class RoundNotOpen(DomainError):
    code = "round_not_open"
    status = 409
    message = "Đợt thi chưa mở hoặc đã kết thúc."


class AttemptsExhausted(DomainError):
    code = "attempts_exhausted"
    status = 409
    message = "Bạn đã dùng hết số lượt thi của đợt này."


class NotEligible(DomainError):
    code = "not_eligible"
    status = 403
    message = "Đơn vị của bạn không thuộc đối tượng dự thi của đợt này."


class AttemptClosed(DomainError):
    code = "attempt_closed"
    status = 409
    message = "Bài thi đã kết thúc; không thể lưu hoặc nộp thêm."
    keep_changes = True  # the late request finalised the attempt on its way to refusing


class InvalidChoice(DomainError):
    code = "invalid_choice"
    status = 422
    message = "Phương án không thuộc câu hỏi này."


class BankTooSmall(DomainError):
    code = "bank_too_small"
    status = 422
    message = "Ngân hàng câu hỏi không đủ câu để rút đề theo cấu hình của đợt thi."
