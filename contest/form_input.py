"""What every form shares: one base class, WTForms' own messages in Vietnamese, and dates within bounds.

WTForms ships no Vietnamese catalog, so a bad number, date or choice was answered in English
("Not a valid integer value."). Flask-WTF asks `request.wtforms_translations` for these messages
(flask_wtf/i18n.py); `init_app` puts ours there, one `_l` per message so English follows the
interface language. Forms may still pass their own, more precise messages, which win.
"""
from typing import ClassVar

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from contest.errors import DomainError

MIN_YEAR, MAX_YEAR = 1900, 2100

_MESSAGES = {
    "Field must be equal to %(other_name)s.": _l("Phải trùng với trường %(other_name)s."),
    "Field must be at least %(min)d character long.": _l("Phải có ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": _l("Không được dài quá %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": _l("Phải có đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Phải có từ %(min)d đến %(max)d ký tự."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số không được lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải từ %(min)s đến %(max)s."),
    "Date must be at least %(min)s.": _l("Ngày phải từ %(min)s trở đi."),
    "Date must be at most %(max)s.": _l("Ngày không được sau %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Ngày phải từ %(min)s đến %(max)s."),
    "This field is required.": _l("Trường này là bắt buộc."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Invalid email address.": _l("Địa chỉ email không hợp lệ."),
    "Invalid value, must be one of: %(values)s.": _l("Giá trị không hợp lệ; phải là một trong: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Giá trị không hợp lệ; không được là: %(values)s."),
    "This field cannot be edited.": _l("Trường này không được sửa."),
    "This field is disabled and cannot have a value.": _l("Trường này đã bị khoá, không nhận giá trị."),
    "Invalid CSRF Token.": _l("Mã bảo vệ biểu mẫu (CSRF) không hợp lệ; hãy tải lại trang."),
    "CSRF token missing.": _l("Thiếu mã bảo vệ biểu mẫu (CSRF); hãy tải lại trang."),
    "CSRF failed.": _l("Kiểm tra mã bảo vệ biểu mẫu (CSRF) không thành công; hãy tải lại trang."),
    "CSRF token expired.": _l("Mã bảo vệ biểu mẫu (CSRF) đã hết hạn; hãy tải lại trang."),
    "Invalid Choice: could not coerce.": _l("Lựa chọn không hợp lệ."),
    "Choices cannot be None.": _l("Chưa có danh sách lựa chọn."),
    "Not a valid choice.": _l("Lựa chọn không có trong danh sách."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Có lựa chọn không hợp lệ."),
    "'%(value)s' is not a valid choice for this field.": _l("“%(value)s” không có trong danh sách lựa chọn."),
    "Not a valid datetime value.": _l("Không phải là ngày giờ hợp lệ."),
    "Not a valid date value.": _l("Không phải là ngày hợp lệ."),
    "Not a valid time value.": _l("Không phải là giờ hợp lệ."),
    "Not a valid week value.": _l("Không phải là tuần hợp lệ."),
    "Not a valid integer value.": _l("Phải là một số nguyên (chỉ gồm chữ số 0–9)."),
    "Not a valid decimal value.": _l("Phải là một số."),
    "Not a valid float value.": _l("Phải là một số."),
}
# The plural forms name the same message: Vietnamese has one form.
_PLURALS = {
    "Field must be at least %(min)d characters long.": "Field must be at least %(min)d character long.",
    "Field cannot be longer than %(max)d characters.": "Field cannot be longer than %(max)d character.",
    "Field must be exactly %(max)d characters long.": "Field must be exactly %(max)d character long.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' is not a valid choice for this field.",
}


class _WTFormsMessages:
    """The `ugettext`/`ungettext` pair Flask-WTF calls for WTForms' built-in messages."""

    def ugettext(self, string: str) -> str:
        message = _MESSAGES.get(_PLURALS.get(string, string))
        return string if message is None else str(message)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self.ugettext(singular if n == 1 else plural)


MESSAGES = _WTFormsMessages()


def _use_our_messages() -> None:
    request.wtforms_translations = MESSAGES


def init_app(app) -> None:
    app.before_request(_use_our_messages)


class BaseForm(FlaskForm):
    """Every contest form: a service's refusal shows under the field it names, else above the form."""

    # A service's field name → this form's, where they differ (a round's seconds are typed as minutes).
    domain_fields: ClassVar[dict[str, str]] = {}

    def add_domain_error(self, exc: DomainError) -> None:
        # Some refusals carry several (field, message) pairs (registration's DetailsInvalid).
        for name, message in getattr(exc, "errors", None) or [(exc.field, exc.message)]:
            field = self._fields.get(self.domain_fields.get(name, name)) if name else None
            (field.errors if field is not None else self.form_errors).append(message)


class CheckedDate:
    """Mixin for a WTForms date or datetime field: a value that is not a date, or whose year is
    outside MIN_YEAR…MAX_YEAR, is refused with a message naming the field and what was typed.
    Python takes years 1 to 9999, but moving year 1 or 9999 to another timezone overflows (a 500)
    and nobody means either."""

    def process_formdata(self, valuelist):
        typed = " ".join(valuelist or [])[:40]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            if getattr(self, "invalid_value_message", None):
                raise
            raise ValueError(_("%(label)s “%(value)s” không phải là ngày hợp lệ (ngày/tháng/năm).",
                               label=self.label.text, value=typed)) from None
        if self.data is not None and not MIN_YEAR <= self.data.year <= MAX_YEAR:
            self.data = None
            raise ValueError(_("%(label)s “%(value)s”: chỉ nhận ngày từ năm %(low)d đến năm %(high)d.",
                               label=self.label.text, value=typed, low=MIN_YEAR, high=MAX_YEAR))
