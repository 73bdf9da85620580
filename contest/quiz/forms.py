"""The quiz form: radio buttons per question (read by `read_answers`) and the prediction."""
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from contest.form_input import BaseForm
from core.numbers import parse_id, parse_int

# The same bound as the API's submit (SPEC §5 allows any non-negative integer the database holds).
MAX_PREDICTION = 10**9


class PredictionField(IntegerField):
    """An optional non-negative integer; phones may type spaces or dots as thousands separators."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        text = "".join(valuelist[0].split()).replace(".", "")
        if not text:
            return
        self.data = parse_int(text, 0, 10**10 - 1)
        if self.data is None:
            raise ValueError(_("Câu hỏi dự đoán: hãy nhập một số nguyên không âm, chỉ gồm chữ số."))


class QuizForm(BaseForm):
    """CSRF and the prediction; the answers are read from `q<question id>` fields by `read_answers`."""

    prediction = PredictionField(
        _l("Câu hỏi dự đoán"),
        validators=[
            Optional(),
            NumberRange(0, MAX_PREDICTION, _l("Câu hỏi dự đoán: số phải từ 0 đến 1.000.000.000.")),
        ],
    )


class SubmitForm(BaseForm):
    """Only a CSRF token: the confirmed submit of a quiz whose answers are already saved."""


def field_name(question_id: int) -> str:
    return f"q{question_id}"


def read_answers(formdata, questions: list[dict]) -> tuple[dict[int, int], dict[int, str]]:
    """({question id: choice id}, {question id: Vietnamese error}) from the posted radio buttons.

    Only choices shown for that question are accepted; a question left blank is simply absent.
    """
    answers, problems = {}, {}
    for number, question in enumerate(questions, start=1):
        raw = (formdata.get(field_name(question["id"])) or "").strip()
        if not raw:
            continue
        allowed = {choice["id"] for choice in question["choices"]}
        if parse_id(raw) not in allowed:
            problems[question["id"]] = _("Câu %(number)d: phương án đã chọn không thuộc câu hỏi này.", number=number)
            continue
        answers[question["id"]] = int(raw)
    return answers, problems
