"""Forms of registration, the account page and the organizer's edit of a participant.

They carry the CSRF token and bound the input; the rules themselves live in
services/users/registration.py, which reports every problem at once with its field.
"""
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import Length

from contest.form_input import BaseForm
from contest.lazy_text import lazy_text
from contest.services.users import identity


def _max(label: str, n: int):
    return Length(max=n, message=lazy_text(_l("%(label)s dài tối đa %(n)d ký tự."), label=label, n=n))


class DetailsForm(BaseForm):
    """A person's details, as registration asks them and an organizer edits them."""

    full_name = StringField(_l("Họ và tên"), validators=[_max(_l("Họ và tên"), identity.MAX_NAME)])
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[_max(_l("Tên đăng nhập"), identity.MAX_USERNAME)],
        description=_l("Chữ không dấu, chữ số và . _ - , không có dấu cách."),
    )
    date_of_birth = StringField(
        _l("Ngày sinh"), validators=[_max(_l("Ngày sinh"), 40)], description=_l("Ví dụ 15/03/1985."),
    )
    phone = TelField(
        _l("Số điện thoại di động"), validators=[_max(_l("Số điện thoại"), 40)],
        description=_l("10 chữ số, ví dụ 0912 345 678; dùng được để đăng nhập."),
    )
    email = EmailField(
        _l("Email"), validators=[_max(_l("Email"), identity.MAX_EMAIL)],
        description=_l("Ví dụ ten@donvi.gov.vn; dùng được để đăng nhập."),
    )
    unit_id = SelectField(_l("Đơn vị công tác"), choices=[], validate_choice=False)
    id_number = StringField(
        _l("Số CCCD/CMND"), validators=[_max(_l("Số CCCD/CMND"), 40)],
        description=_l("Căn cước công dân 12 chữ số hoặc chứng minh nhân dân 9 chữ số."),
    )

    DETAIL_FIELDS = ("full_name", "username", "date_of_birth", "phone", "email", "unit_id", "id_number")

    def set_units(self, choices: list[tuple[int, str]]) -> None:
        self.unit_id.choices = [("", _("— Chọn đơn vị —")), *((str(value), label) for value, label in choices)]

    def mark_optional(self, optional: set[str]) -> None:
        """Labels say which details may be left empty; the others render `required`."""
        for name in self.DETAIL_FIELDS:
            field = self[name]
            if name in optional:
                field.label.text = _("%(label)s (không bắt buộc)", label=field.label.text)
            else:
                field.flags.required = True

    def details(self) -> dict:
        return {name: self[name].data for name in self.DETAIL_FIELDS}


class RegistrationForm(DetailsForm):
    password = PasswordField(
        _l("Mật khẩu"), validators=[_max(_l("Mật khẩu"), identity.MAX_PASSWORD)],
        description=lazy_text(_l("Ít nhất %(n)d ký tự, không chỉ gồm chữ số, khác tên đăng nhập."),
                              n=identity.MIN_PASSWORD),
    )
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[_max(_l("Mật khẩu"), identity.MAX_PASSWORD)])
    invitation_code = StringField(
        _l("Mã mời của đơn vị"), validators=[_max(_l("Mã mời"), 40)],
        description=_l("Mã do ban tổ chức cấp cho đơn vị của bạn; mã cho biết bạn thuộc đơn vị nào."),
    )
    challenge = HiddenField()  # the proof-of-work solution, filled in by static/js/challenge.js
    submit = SubmitField(_l("Đăng ký"))

    def details(self) -> dict:
        return {**super().details(), "invitation_code": self.invitation_code.data}


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        _l("Mật khẩu hiện tại"), validators=[_max(_l("Mật khẩu"), identity.MAX_PASSWORD)],
    )
    new_password = PasswordField(
        _l("Mật khẩu mới"), validators=[_max(_l("Mật khẩu"), identity.MAX_PASSWORD)],
        description=lazy_text(_l("Ít nhất %(n)d ký tự, không chỉ gồm chữ số, khác tên đăng nhập."),
                              n=identity.MIN_PASSWORD),
    )
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[_max(_l("Mật khẩu"), identity.MAX_PASSWORD)])
    submit = SubmitField(_l("Đổi mật khẩu"))


class RegistrationSettingsForm(BaseForm):
    registration_open = BooleanField(_l("Mở đăng ký tài khoản cho cuộc thi này"))
    registration_mode = SelectField(_l("Ai được đăng ký"), choices=[
        SelectChoice("open", _l("Mọi người (tài khoản dùng được ngay)")),
        SelectChoice("invitation", _l("Người có mã mời của đơn vị (mã cho biết đơn vị)")),
        SelectChoice("approval", _l("Mọi người, nhưng tài khoản chỉ dùng được sau khi ban tổ chức duyệt")),
    ], default="open", validate_choice=False)
    trust_declared_units = BooleanField(
        _l("Tin đơn vị thí sinh tự khai"),
        description=_l("Khi không chọn, đơn vị tự khai chỉ được tính (xếp hạng đơn vị, đợt thi dành cho đơn vị) "
                       "sau khi ban tổ chức xác nhận tại trang Thí sinh tự đăng ký."),
    )
    require_date_of_birth = BooleanField(_l("Bắt buộc ngày sinh"))
    require_phone = BooleanField(_l("Bắt buộc số điện thoại"))
    require_email = BooleanField(_l("Bắt buộc email"))
    require_unit = BooleanField(_l("Bắt buộc chọn đơn vị công tác"))
    require_id_number = BooleanField(_l("Bắt buộc số CCCD/CMND"))
    submit = SubmitField(_l("Lưu cài đặt đăng ký"))

    def required(self) -> set[str]:
        flags = {"date_of_birth": self.require_date_of_birth, "phone": self.require_phone,
                 "email": self.require_email, "unit_id": self.require_unit, "id_number": self.require_id_number}
        return {name for name, field in flags.items() if field.data}


class InvitationForm(BaseForm):
    unit_id = SelectField(_l("Đơn vị"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Tạo mã mời"))

    def set_units(self, choices: list[tuple[int, str]]) -> None:
        self.unit_id.choices = [SelectChoice("", _("— Mọi đơn vị chưa có mã —")),
                                *(SelectChoice(str(value), label) for value, label in choices)]
