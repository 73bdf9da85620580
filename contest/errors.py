"""Domain errors: raised by services, shown on forms by HTML views and as JSON by the API."""


class DomainError(Exception):
    code = "invalid"
    status = 400
    message = "Yêu cầu không hợp lệ."

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
