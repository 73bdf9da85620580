"""Organizer forms for contests and rounds. Every message is Vietnamese and names its field."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from contest.errors import DomainError
from contest.form_input import BaseForm, CheckedDate
from contest.models import DEFAULT_MIN_SECONDS_PER_QUESTION, DEFAULT_PREDICTION_PROMPT, Contest, Round
from contest.services.rounds import RoundSpec

DRAW_ROWS = 6  # blank rows offered for the draw blueprint; empty rows are ignored
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(CheckedDate, DateTimeLocalField):
    """A wall-clock time in the contest's timezone; blank is "no value", not "malformed"."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=LOCAL_FORMAT, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


def _int(label, message, validators=(), **kwargs):
    return IntegerField(label, list(validators), invalid_value_message=message, **kwargs)


class ContestForm(BaseForm):
    name = StringField(
        _l("Tên cuộc thi"),
        validators=[
            DataRequired(_l("Hãy nhập tên cuộc thi.")),
            Length(max=300, message=_l("Tên cuộc thi không được dài quá 300 ký tự.")),
        ],
    )
    description = TextAreaField(
        _l("Mô tả"), validators=[Length(max=5000, message=_l("Mô tả không được dài quá 5000 ký tự."))]
    )
    forbid_immediate_score = BooleanField(
        _l("Không cho hiện điểm ngay sau khi nộp bài (chống dò đáp án)"),
        description=_l("Khi chọn, mọi đợt thi của cuộc thi chỉ công bố điểm sau khi đợt thi kết thúc, kể cả các "
                       "đợt đã tạo trước đó. Nên chọn cho cuộc thi có giải thưởng: điểm hiện ngay giúp người "
                       "dùng nhiều tài khoản hoặc nhiều lượt thi dò ra đáp án."),
    )
    submit = SubmitField(_l("Lưu cuộc thi"))


class DrawRuleRow(Form):
    """One line of the blueprint: topic (or any), difficulty (or any), number of questions."""

    topic = SelectField(_l("Chủ đề"), choices=[], invalid_choice_message=_l("Chủ đề không có trong ngân hàng."))
    difficulty = SelectField(
        _l("Mức độ"),
        choices=[SelectChoice("", _l("Mọi mức độ")), SelectChoice("easy", _l("Dễ")),
                 SelectChoice("medium", _l("Trung bình")), SelectChoice("hard", _l("Khó"))],
        invalid_choice_message=_l("Mức độ không hợp lệ."),
    )
    count = _int(
        _l("Số câu"), _l("Số câu phải là số nguyên."),
        [Optional(), NumberRange(min=1, max=200, message=_l("Số câu phải từ 1 đến 200."))],
    )


class RoundForm(BaseForm):
    title = StringField(
        _l("Tên đợt thi"),
        validators=[
            DataRequired(_l("Hãy nhập tên đợt thi.")),
            Length(max=300, message=_l("Tên đợt thi không được dài quá 300 ký tự.")),
        ],
    )
    rules = TextAreaField(
        _l("Thể lệ"), validators=[Length(max=10000, message=_l("Thể lệ không được dài quá 10000 ký tự."))]
    )
    opens_at = LocalDateTimeField(
        _l("Thời điểm mở (giờ Việt Nam)"),
        validators=[InputRequired(_l("Hãy nhập thời điểm mở."))],
        invalid_value_message=_l("Thời điểm mở không hợp lệ; hãy nhập ngày và giờ."),
    )
    closes_at = LocalDateTimeField(
        _l("Thời điểm đóng (giờ Việt Nam)"),
        validators=[InputRequired(_l("Hãy nhập thời điểm đóng."))],
        invalid_value_message=_l("Thời điểm đóng không hợp lệ; hãy nhập ngày và giờ."),
    )
    duration_minutes = _int(
        _l("Thời gian làm bài (phút)"), _l("Thời gian làm bài phải là số phút (số nguyên)."),
        [InputRequired(_l("Hãy nhập thời gian làm bài.")),
         NumberRange(min=1, max=360, message=_l("Thời gian làm bài phải từ 1 đến 360 phút."))],
        default=15,
    )
    question_count = _int(
        _l("Số câu hỏi mỗi lượt"), _l("Số câu hỏi phải là số nguyên."),
        [InputRequired(_l("Hãy nhập số câu hỏi.")),
         NumberRange(min=1, max=200, message=_l("Số câu hỏi phải từ 1 đến 200."))],
        default=10,
    )
    attempts_mode = RadioField(
        _l("Số lượt thi"),
        choices=[SelectChoice("one", _l("Một lượt")), SelectChoice("many", _l("Nhiều lượt (nhập số bên dưới)")),
                 SelectChoice("unlimited", _l("Không giới hạn"))],
        default="one",
        invalid_choice_message=_l("Hãy chọn số lượt thi."),
    )
    max_attempts = _int(
        _l("Số lượt tối đa"), _l("Số lượt tối đa phải là số nguyên."),
        [Optional(), NumberRange(min=2, max=100, message=_l("Số lượt tối đa phải từ 2 đến 100."))],
        description=_l("Chỉ dùng khi chọn “Nhiều lượt”."),
    )
    grading = RadioField(
        _l("Lượt được tính"),
        choices=[SelectChoice("best", _l("Lượt có điểm cao nhất")), SelectChoice("first", _l("Lượt đầu tiên")),
                 SelectChoice("last", _l("Lượt cuối cùng"))],
        default="best",
        invalid_choice_message=_l("Hãy chọn lượt được tính."),
    )
    show_score = RadioField(
        _l("Hiện điểm cho thí sinh"),
        choices=[SelectChoice("now", _l("Ngay sau khi nộp bài (chỉ tổng điểm)")),
                 SelectChoice("after", _l("Sau khi đợt thi đóng"))],
        default="after",
        invalid_choice_message=_l("Hãy chọn thời điểm hiện điểm."),
        description=_l("“Ngay sau khi nộp bài” chỉ hiện tổng điểm, không cho biết câu nào đúng, và chỉ cho bài "
                       "trả lời đủ mọi câu. Dù vậy, nếu đợt thi cho thi nhiều lượt hoặc cuộc thi cho tự đăng ký "
                       "tài khoản, tổng điểm vẫn là cách dò đáp án: mỗi lượt thi đổi vài phương án rồi so điểm. "
                       "Với đợt thi có giải thưởng, hãy chọn “Sau khi đợt thi đóng”."),
    )
    min_seconds_per_question = _int(
        _l("Thời gian tối thiểu hợp lý mỗi câu (giây)"), _l("Thời gian tối thiểu mỗi câu phải là số giây (số nguyên)."),
        [Optional(), NumberRange(min=0, max=600, message=_l("Thời gian tối thiểu mỗi câu phải từ 0 đến 600 giây."))],
        default=DEFAULT_MIN_SECONDS_PER_QUESTION,
        description=_l("Bài làm xong nhanh hơn (số câu × số giây này) được gắn cảnh báo “làm bài nhanh bất "
                       "thường” cho ban giám khảo, và khi xét hạng theo thời gian được tính bằng mức này. "
                       "0: tắt; để trống: 3 giây."),
    )
    points_per_question = _int(
        _l("Điểm mỗi câu"), _l("Điểm mỗi câu phải là số nguyên."),
        [InputRequired(_l("Hãy nhập điểm mỗi câu.")),
         NumberRange(min=1, max=100, message=_l("Điểm mỗi câu phải từ 1 đến 100."))],
        default=1,
    )
    shuffle_choices = BooleanField(_l("Đảo thứ tự phương án trong mỗi lượt thi"), default=True)
    units = SelectMultipleField(
        _l("Đơn vị được dự thi"),
        choices=[],
        description=_l("Không chọn đơn vị nào: mọi người đều được dự thi. "
                       "Chọn một đơn vị là chọn cả các đơn vị trực thuộc."),
        invalid_choice_message=_l("Đơn vị được chọn không tồn tại."),
    )
    ask_prediction = BooleanField(_l("Có câu hỏi dự đoán"), default=True)
    prediction_prompt = TextAreaField(
        _l("Câu hỏi dự đoán"),
        default=DEFAULT_PREDICTION_PROMPT,
        validators=[Length(max=500, message=_l("Câu hỏi dự đoán không được dài quá 500 ký tự."))],
        description=_l("Thí sinh trả lời bằng một số nguyên."),
    )
    draw_rules = FieldList(FormField(DrawRuleRow), min_entries=DRAW_ROWS)

    save = SubmitField(_l("Lưu nháp"))
    save_open = SubmitField(_l("Lưu và mở đợt thi"))
    preview = SubmitField(_l("Xem thử đề"))

    domain_fields = {"duration_seconds": "duration_minutes"}  # services/rounds.py speaks seconds

    def __init__(self, *args, topics=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.draw_errors: list[str] = []
        self.units.choices = [SelectChoice(code, f"{code} – {name}") for code, name in units]
        topic_choices = [SelectChoice("", _l("Mọi chủ đề"))] + [SelectChoice(name, label) for name, label in topics]
        for row in self.draw_rules:
            row.form.topic.choices = topic_choices

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Thời điểm đóng phải sau thời điểm mở."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() stops the chain on a blank field before it runs.
        if self.attempts_mode.data == "many" and self.max_attempts.data is None and not self.max_attempts.errors:
            self.max_attempts.errors.append(_l("Hãy nhập số lượt tối đa khi chọn “Nhiều lượt”."))
            valid = False
        return valid

    def validate_prediction_prompt(self, field):
        if self.ask_prediction.data and not (field.data or "").strip():
            raise ValidationError(_l("Hãy nhập câu hỏi dự đoán, hoặc bỏ chọn “Có câu hỏi dự đoán”."))

    def validate_draw_rules(self, field):
        for number, row in enumerate(field, start=1):
            picked = row.form.topic.data or row.form.difficulty.data
            if picked and row.form.count.data is None and not row.form.count.errors:
                self.draw_errors.append(
                    _("Dòng %(n)d của cơ cấu đề: hãy nhập số câu, hoặc để trống cả dòng.", n=number)
                )
        if self.draw_errors:
            raise ValidationError(self.draw_errors[0])

    def add_domain_error(self, exc: DomainError) -> None:
        if exc.field == "topic_mix":
            self.draw_errors.append(exc.message)
            return
        super().add_domain_error(exc)

    def draw_spec(self) -> RoundSpec:
        """Only what the draw preview reads: the question count and the blueprint."""
        return RoundSpec(title="", question_count=self.question_count.data, duration_seconds=60,
                         topic_mix=self._topic_mix())

    def draw_valid(self) -> bool:
        return not (self.question_count.errors or self.draw_rules.errors or self.draw_errors)

    def _topic_mix(self) -> list[tuple[str | None, str | None, int]]:
        return [
            (row.form.topic.data or None, row.form.difficulty.data or None, row.form.count.data)
            for row in self.draw_rules
            if row.form.count.data is not None
        ]

    def to_spec(self, timezone: str, *, publish: bool, current: Round | None = None) -> RoundSpec:
        zone = ZoneInfo(timezone)
        limit = {"one": 1, "many": self.max_attempts.data, "unlimited": None}[self.attempts_mode.data]
        return RoundSpec(
            title=self.title.data,
            rules=self.rules.data or "",
            question_count=self.question_count.data,
            duration_seconds=_seconds(self.duration_minutes.data, current.duration_seconds if current else None),
            opens_at=_aware(self.opens_at.data, zone, current.opens_at if current else None),
            closes_at=_aware(self.closes_at.data, zone, current.closes_at if current else None),
            max_attempts=limit,
            grading=self.grading.data,
            show_score=self.show_score.data == "now",
            min_seconds_per_question=(DEFAULT_MIN_SECONDS_PER_QUESTION if self.min_seconds_per_question.data is None
                                      else self.min_seconds_per_question.data),
            points_per_question=self.points_per_question.data,
            shuffle_choices=self.shuffle_choices.data,
            prediction_prompt=(self.prediction_prompt.data or "").strip() if self.ask_prediction.data else None,
            topic_mix=self._topic_mix(),
            unit_codes=list(self.units.data or []),
            publish=publish,
        )


def _seconds(minutes: int, stored: int | None) -> int:
    # A duration set in seconds on the command line survives an unchanged form.
    return stored if stored is not None and stored // 60 == minutes else minutes * 60


def _aware(local: datetime, zone: ZoneInfo, stored: datetime | None) -> datetime:
    """The form's minute-precision wall-clock time as an aware instant; an unchanged time keeps
    the stored value (which may carry seconds) so re-saving a form moves nothing."""
    instant = local.replace(tzinfo=zone)
    if stored is not None and stored.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None) == local:
        return stored
    return instant


def new_round_data(contest: Contest, timezone: str, now: datetime) -> dict:
    """A new round's window: weekly rounds are the norm, so it follows the contest's last
    round, or starts tomorrow at 08:00; it lasts a week."""
    zone = ZoneInfo(timezone)
    last = max((round_.closes_at for round_ in contest.rounds), default=None)
    if last is not None and last > now:
        opens = last.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    else:
        opens = (now.astimezone(zone) + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0,
                                                                    tzinfo=None)
    return {"opens_at": opens, "closes_at": opens + timedelta(days=7)}


def round_data(round_: Round, timezone: str) -> dict:
    """The form's initial data for editing a stored round."""
    zone = ZoneInfo(timezone)
    if round_.max_attempts is None:
        mode = "unlimited"
    else:
        mode = "one" if round_.max_attempts == 1 else "many"
    rows = [
        {"topic": rule.topic.name if rule.topic else "", "difficulty": rule.difficulty or "", "count": rule.count}
        for rule in round_.draw_rules
    ]
    rows += [{}] * max(DRAW_ROWS - len(rows), 2)
    return {
        "title": round_.title,
        "rules": round_.rules,
        "opens_at": round_.opens_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0),
        "closes_at": round_.closes_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0),
        "duration_minutes": round_.duration_seconds // 60,
        "question_count": round_.question_count,
        "attempts_mode": mode,
        "max_attempts": round_.max_attempts if mode == "many" else None,
        "grading": round_.grading,
        "show_score": "now" if round_.show_score else "after",
        "min_seconds_per_question": round_.min_seconds_per_question,
        "points_per_question": round_.points_per_question,
        "shuffle_choices": round_.shuffle_choices,
        "units": [unit.code for unit in round_.eligible_units],
        "ask_prediction": round_.prediction_prompt is not None,
        "prediction_prompt": round_.prediction_prompt or DEFAULT_PREDICTION_PROMPT,
        "draw_rules": rows,
    }
