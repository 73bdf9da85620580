"""Forms of the bank's pages; labels are lazy because forms are built at import time."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FieldList, HiddenField, RadioField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from .importers.validate import LETTERS
from .models import MAX_CHOICES

DIFFICULTY_LABELS = {"easy": _l("Dễ"), "medium": _l("Trung bình"), "hard": _l("Khó")}
STATUS_LABELS = {"active": _l("Đang dùng"), "retired": _l("Ngừng dùng")}
FORMAT_LABELS = {
    "docx": _l("Word (.docx)"),
    "xlsx": _l("Excel (.xlsx)"),
    "csv": _l("CSV"),
    "aiken": _l("Aiken"),
    "gift": _l("GIFT"),
}
# What the file picker offers; the server detects the format from the content, not the name.
ACCEPTED_FILES = ".docx,.doc,.xlsx,.xls,.csv,.txt,.gift"


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class EmptyForm(FlaskForm):
    """Only a CSRF token: for POST-only buttons (confirm, discard)."""


class StatusForm(FlaskForm):
    """Retire or reactivate one question, then go back to the list the organizer was reading."""

    next = HiddenField()


class UploadForm(FlaskForm):
    file = FileField(
        _l("Tệp câu hỏi"),
        validators=[FileRequired(_l("Hãy chọn tệp câu hỏi để tải lên."))],
        description=_l("Word (.docx, .doc), Excel (.xlsx, .xls), CSV, Aiken (.txt) hoặc GIFT; tối đa 20 MB."),
    )
    topic = StringField(
        _l("Chủ đề mặc định (không bắt buộc)"),
        validators=[Optional(), Length(max=200, message=_l("Chủ đề dài tối đa 200 ký tự."))],
        description=_l("Dùng cho các câu hỏi mà tệp không ghi chủ đề."),
    )


class FilterForm(FlaskForm):
    """The browse filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Tìm theo nội dung"), description=_l("Gõ có dấu hoặc không dấu; tìm trong câu hỏi và các phương án.")
    )
    topic = SelectField(_l("Chủ đề"), choices=[], default="")
    difficulty = SelectField(_l("Mức độ"), choices=[], default="")
    source = SelectField(_l("Văn bản nguồn"), choices=[], default="")
    status = SelectField(_l("Trạng thái"), choices=[], default="")

    def set_choices(self, topics, sources) -> None:
        """topics: (id, name); sources: (id, title)."""
        anything = ("", _l("Tất cả"))
        self.topic.choices = _options([anything, ("none", _l("(Chưa có chủ đề)"))] + [(str(i), n) for i, n in topics])
        self.difficulty.choices = _options([anything, *DIFFICULTY_LABELS.items()])
        self.source.choices = _options(
            [anything, ("none", _l("(Không ghi nguồn)"))] + [(str(i), t) for i, t in sources]
        )
        self.status.choices = _options([anything, *STATUS_LABELS.items()])


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Nội dung câu hỏi"),
        validators=[
            DataRequired(_l("Hãy nhập nội dung câu hỏi.")),
            Length(max=5000, message=_l("Nội dung câu hỏi dài tối đa 5000 ký tự.")),
        ],
    )
    choices = FieldList(
        StringField(_l("Phương án"), validators=[Length(max=2000, message=_l("Phương án dài tối đa 2000 ký tự."))]),
        min_entries=MAX_CHOICES,
        max_entries=MAX_CHOICES,
    )
    # Checked by catalog.update_question (a letter past the last choice is a named error).
    correct = RadioField(
        _l("Đáp án đúng"), choices=_options((letter, letter) for letter in LETTERS), validate_choice=False
    )
    topic = StringField(_l("Chủ đề"), validators=[Length(max=200, message=_l("Chủ đề dài tối đa 200 ký tự."))])
    difficulty = SelectField(_l("Mức độ"), choices=_options(DIFFICULTY_LABELS.items()))
    source = StringField(
        _l("Văn bản nguồn"), validators=[Length(max=300, message=_l("Tên văn bản dài tối đa 300 ký tự."))]
    )
    explanation = TextAreaField(
        _l("Giải thích (không bắt buộc)"),
        validators=[Length(max=5000, message=_l("Giải thích dài tối đa 5000 ký tự."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for letter, entry in zip(LETTERS, self.choices.entries):
            entry.label.text = _("Phương án %(letter)s", letter=letter)

    def correct_index(self) -> int | None:
        value = (self.correct.data or "").strip().upper()
        return LETTERS.index(value) if len(value) == 1 and value in LETTERS else None

    def choice_texts(self) -> list[str]:
        """The typed choices without the empty slots after the last one filled in."""
        texts = [value or "" for value in self.choices.data]
        while texts and not texts[-1].strip():
            texts.pop()
        return texts
