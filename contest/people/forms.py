"""Forms of the units and participants pages; every message is Vietnamese and names its field."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SearchField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from contest.auth.registration_forms import DetailsForm
from contest.form_input import BaseForm
from contest.lazy_text import lazy_text
from contest.services.people.unit_import import MAX_CODE, MAX_GROUP, MAX_HEADCOUNT, MAX_NAME

# What the file picker offers; the server detects the format from the content.
ACCEPTED_FILES = ".xlsx,.xls,.csv"


def _parent_id(value):
    return int(value) if value not in (None, "", "None") else None


class UnitForm(BaseForm):
    code = StringField(
        _l("Mã đơn vị"),
        validators=[DataRequired(_l("Hãy nhập mã đơn vị.")),
                    Length(max=MAX_CODE, message=lazy_text(_l("Mã đơn vị dài tối đa %(n)d ký tự."), n=MAX_CODE))],
        description=_l("Mã ngắn, không trùng, ví dụ SNV; dùng trong tệp thí sinh."),
    )
    name = StringField(
        _l("Tên đơn vị"),
        validators=[DataRequired(_l("Hãy nhập tên đơn vị.")),
                    Length(max=MAX_NAME, message=lazy_text(_l("Tên đơn vị dài tối đa %(n)d ký tự."), n=MAX_NAME))],
    )
    parent = SelectField(
        _l("Đơn vị cấp trên"), coerce=_parent_id, validate_choice=True,
        invalid_choice_message=_l("Đơn vị cấp trên không có trong danh sách."),
    )
    headcount = IntegerField(
        _l("Biên chế (số người)"),
        validators=[InputRequired(_l("Hãy nhập biên chế (có thể là 0).")),
                    NumberRange(min=0, max=MAX_HEADCOUNT,
                                message=lazy_text(_l("Biên chế phải từ 0 đến %(n)d."), n=MAX_HEADCOUNT))],
        invalid_value_message=_l("Biên chế phải là số nguyên."),
        default=0,
    )
    group = StringField(
        _l("Khối thi (không bắt buộc)"),
        validators=[Optional(), Length(max=MAX_GROUP, message=lazy_text(_l("Tên khối dài tối đa %(n)d ký tự."), n=MAX_GROUP))],
        description=_l("Ví dụ: Sở, ban, ngành; Huyện, thành phố; Trường học."),
    )
    submit = SubmitField(_l("Lưu đơn vị"))

    def set_parents(self, choices: list[tuple[int, str]]) -> None:
        self.parent.choices = [(None, _l("(Không có — đơn vị cấp cao nhất)")), *choices]


class UploadForm(BaseForm):
    file = FileField(
        _l("Tệp Excel (.xlsx) hoặc CSV"),
        validators=[FileRequired(_l("Hãy chọn tệp để tải lên."))],
        description=_l("Tối đa 20 MB; dòng tiêu đề có thể nằm dưới vài dòng tên bảng."),
    )


class ParticipantFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form

    q = SearchField(_l("Tìm theo tên, tên đăng nhập, điện thoại, email"), validators=[Optional(), Length(max=100)])
    unit = SelectField(_l("Đơn vị (gồm cả đơn vị trực thuộc)"), coerce=_parent_id, validate_choice=False)

    def set_units(self, choices: list[tuple[int, str]]) -> None:
        self.unit.choices = [(None, _l("Tất cả đơn vị")), *choices]


class ParticipantForm(DetailsForm):
    """An organizer's edit of a participant's details (the same rules as registration)."""

    submit = SubmitField(_l("Lưu thông tin thí sinh"))
