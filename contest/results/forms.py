"""Forms of the results pages. Every message is Vietnamese and names its field."""
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import (
    IntegerField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from contest.form_input import BaseForm
from contest.lazy_text import lazy_text
from contest.models import PRIZES
from contest.services.results.prizes import MAX_QUOTA, PRIZE_LABELS
from contest.services.results.result_settings import CHAIN_KEYS, KEY_LABELS

CHAIN_POSITIONS = len(CHAIN_KEYS)
OVERALL_LABELS = {
    "sum": _l("Cộng điểm các đợt thi"),
    "best": _l("Lấy đợt thi có kết quả tốt nhất"),
}
FORMULA_LABELS = {
    "rate": _l("Tỷ lệ tham gia"),
    "mean": _l("Điểm trung bình (so với điểm tối đa)"),
    "weighted": _l("Kết hợp tỷ lệ tham gia và điểm trung bình theo trọng số"),
}
TARGET_LABELS = {
    "perfect": _l("Số người đạt điểm tối đa"),
    "participants": _l("Số người dự thi"),
    "attempts": _l("Số lượt thi"),
}


class FilterForm(BaseForm):
    """The ranking filters: a GET form, so no CSRF token (nothing changes)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Đơn vị (gồm cả đơn vị trực thuộc)"), choices=[], validate_choice=False)
    group = SelectField(_l("Khối thi"), choices=[], validate_choice=False)
    q = SearchField(_l("Tìm theo họ tên hoặc tên đăng nhập"), validators=[Length(max=100)])

    def __init__(self, *args, units=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice("", _l("Tất cả đơn vị"))] + [
            SelectChoice(str(unit_id), "\u2003" * depth + name) for unit_id, name, depth in units
        ]
        self.group.choices = [SelectChoice("", _l("Tất cả khối"))] + [SelectChoice(g, g) for g in groups]
        known_units = {str(unit_id) for unit_id, _n, _d in units}
        if self.unit.data not in known_units:
            self.unit.data = ""
        if self.group.data not in groups:
            self.group.data = ""

    def filters(self) -> dict:
        return {"unit_id": int(self.unit.data) if self.unit.data else None, "group": self.group.data or None,
                "search": (self.q.data or "").strip()[:100] or None}

    def args(self) -> dict:
        """The filters as query-string arguments (for paging links and downloads)."""
        return {key: value for key, value in (("unit", self.unit.data), ("group", self.group.data),
                                              ("q", (self.q.data or "").strip())) if value}


def _quota(prize: str) -> IntegerField:
    label = PRIZE_LABELS[prize]
    return IntegerField(
        label,
        [Optional(), NumberRange(min=0, max=MAX_QUOTA, message=lazy_text(
            _l("%(prize)s: số lượng phải từ 0 đến %(max)d."), prize=label, max=MAX_QUOTA))],
        invalid_value_message=lazy_text(_l("%(prize)s: số lượng phải là số nguyên."), prize=label),
        render_kw={"min": 0, "max": MAX_QUOTA, "inputmode": "numeric"},
    )


class QuotaForm(BaseForm):
    """How many prizes of each kind, for people or for units (used with a prefix per scope)."""

    first = _quota("first")
    second = _quota("second")
    third = _quota("third")
    consolation = _quota("consolation")
    submit = SubmitField(_l("Lưu số lượng giải"))

    def counts(self) -> dict[str, int]:
        return {prize: getattr(self, prize).data or 0 for prize in PRIZES}


class ExcludeForm(BaseForm):
    kind = RadioField(
        _l("Loại khỏi danh sách giải"),
        choices=[SelectChoice("user", _l("Một người dự thi (tên đăng nhập)")),
                 SelectChoice("unit", _l("Một đơn vị (mã đơn vị)"))],
        default="user",
        validators=[InputRequired(_l("Hãy chọn loại: người dự thi hoặc đơn vị."))],
        invalid_choice_message=_l("Hãy chọn loại: người dự thi hoặc đơn vị."),
    )
    identifier = StringField(
        _l("Tên đăng nhập hoặc mã đơn vị"),
        validators=[DataRequired(_l("Hãy nhập tên đăng nhập hoặc mã đơn vị.")),
                    Length(max=100, message=_l("Tên đăng nhập hoặc mã đơn vị dài tối đa 100 ký tự."))],
    )
    reason = TextAreaField(
        _l("Lý do"),
        validators=[DataRequired(_l("Hãy ghi lý do loại khỏi danh sách giải.")),
                    Length(max=2000, message=_l("Lý do dài tối đa 2000 ký tự."))],
        description=_l("Bắt buộc; được ghi vào nhật ký cùng tên người quyết định."),
    )
    submit = SubmitField(_l("Loại khỏi danh sách giải"))


class RegradeForm(BaseForm):
    """Step 1 (review) picks the new key; step 2 (confirm) applies it and rescores."""

    choice_id = SelectField(_l("Đáp án đúng"), coerce=int, choices=[],
                            invalid_choice_message=_l("Phương án được chọn không thuộc câu hỏi này."))
    review = SubmitField(_l("Đổi đáp án…"))
    confirm = SubmitField(_l("Xác nhận đổi đáp án và chấm lại"))

    def __init__(self, *args, choices=(), **kwargs):
        """`choices`: (choice id, letter, text) of the question, in order."""
        super().__init__(*args, **kwargs)
        self.choice_id.choices = [
            SelectChoice(choice_id, f"{letter}. {text}"[:120]) for choice_id, letter, text in choices
        ]


class SettingsForm(BaseForm):
    """The contest's ranking rules; `settings_form` adds one prediction-target field per round."""

    overall_mode = RadioField(
        _l("Xếp hạng toàn cuộc thi"), choices=[SelectChoice(k, v) for k, v in OVERALL_LABELS.items()],
        invalid_choice_message=_l("Hãy chọn cách xếp hạng toàn cuộc thi."),
        validators=[InputRequired(_l("Hãy chọn cách xếp hạng toàn cuộc thi."))],
    )
    unit_formula = RadioField(
        _l("Công thức xếp hạng đơn vị"), choices=[SelectChoice(k, v) for k, v in FORMULA_LABELS.items()],
        invalid_choice_message=_l("Hãy chọn công thức xếp hạng đơn vị."),
        validators=[InputRequired(_l("Hãy chọn công thức xếp hạng đơn vị."))],
    )
    unit_rate_weight_percent = IntegerField(
        _l("Trọng số của tỷ lệ tham gia (%)"),
        [InputRequired(_l("Hãy nhập trọng số của tỷ lệ tham gia.")),
         NumberRange(min=0, max=100, message=_l("Trọng số của tỷ lệ tham gia phải từ 0 đến 100."))],
        invalid_value_message=_l("Trọng số của tỷ lệ tham gia phải là số nguyên từ 0 đến 100."),
        description=_l("Chỉ dùng với công thức kết hợp; phần còn lại là trọng số của điểm trung bình."),
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    min_participation_percent = IntegerField(
        _l("Tỷ lệ tham gia tối thiểu để được xếp hạng (%)"),
        [InputRequired(_l("Hãy nhập tỷ lệ tham gia tối thiểu.")),
         NumberRange(min=0, max=100, message=_l("Tỷ lệ tham gia tối thiểu phải từ 0 đến 100."))],
        invalid_value_message=_l("Tỷ lệ tham gia tối thiểu phải là số nguyên từ 0 đến 100."),
        description=_l("Đơn vị có tỷ lệ thấp hơn vẫn được liệt kê nhưng không xếp hạng."),
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Lưu cách xếp hạng"))

    round_fields: list[tuple[int, str]] = []  # (round id, field name), set by settings_form

    def chain_fields(self) -> list:
        return [getattr(self, f"tie_break_{n}") for n in range(1, CHAIN_POSITIONS + 1)]

    def chain(self) -> list[str]:
        return [field.data or "" for field in self.chain_fields()]

    def targets(self) -> dict[int, str]:
        return {round_id: getattr(self, name).data for round_id, name in self.round_fields}

    def target_fields(self) -> list:
        return [getattr(self, name) for _id, name in self.round_fields]


_chain_choices = [SelectChoice("", _l("(không dùng)"))] + [SelectChoice(key, KEY_LABELS[key]) for key in CHAIN_KEYS]
for _position in range(1, CHAIN_POSITIONS + 1):
    setattr(SettingsForm, f"tie_break_{_position}", SelectField(
        lazy_text(_l("Tiêu chí thứ %(n)d"), n=_position), choices=_chain_choices,
        invalid_choice_message=lazy_text(_l("Tiêu chí thứ %(n)d không hợp lệ."), n=_position),
    ))
del _position


def settings_form(rounds, **kwargs) -> SettingsForm:
    """The settings form of a contest: one select of the prediction target per round."""

    class ContestSettingsForm(SettingsForm):
        pass

    names = []
    for round_ in rounds:
        name = f"target_{round_.id}"
        names.append((round_.id, name))
        setattr(ContestSettingsForm, name, SelectField(
            _("Đợt “%(title)s”: câu dự đoán so với", title=round_.title),
            choices=[SelectChoice(k, v) for k, v in TARGET_LABELS.items()],
            invalid_choice_message=_("Đợt “%(title)s”: giá trị so sánh của câu dự đoán không hợp lệ.",
                                     title=round_.title),
        ))
    ContestSettingsForm.round_fields = names
    return ContestSettingsForm(**kwargs)
