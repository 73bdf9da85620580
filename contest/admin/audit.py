"""`/admin/audit`: the audit log for organizers and admins — who did what, when, from where.

A route of the admin blueprint, so its guard (admins and organizers) covers it. The log is
province-wide like the units and participants: every organizer reads all of it. Dates in the
filter are days in CONTEST_TIMEZONE (Asia/Ho_Chi_Minh), turned into a UTC range here.
"""
import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from contest.extensions import db
from contest.form_input import BaseForm, CheckedDate
from contest.services import audit
from core.numbers import page_number

from . import bp

# What each action means to an organizer; an action not listed is shown by its code.
ACTION_LABELS = {
    "login": _l("Đăng nhập"),
    "login_failed": _l("Đăng nhập thất bại"),
    "account_activated": _l("Kích hoạt tài khoản"),
    "registered": _l("Tự đăng ký tài khoản"),
    "password_changed": _l("Đổi mật khẩu"),
    "registration_settings_updated": _l("Sửa cài đặt đăng ký"),
    "contest_created": _l("Tạo cuộc thi"),
    "contest_updated": _l("Sửa cuộc thi"),
    "round_created": _l("Tạo đợt thi"),
    "round_updated": _l("Sửa đợt thi"),
    "round_published": _l("Mở đợt thi"),
    "round_unpublished": _l("Ẩn đợt thi"),
    "unit_created": _l("Thêm đơn vị"),
    "unit_updated": _l("Sửa đơn vị"),
    "units_imported": _l("Nhập đơn vị từ tệp"),
    "participants_imported": _l("Nhập thí sinh từ tệp"),
    "participant_reset": _l("Đặt lại mật khẩu thí sinh"),
    "participant_updated": _l("Sửa thông tin thí sinh"),
    "questions_imported": _l("Nhập câu hỏi vào ngân hàng"),
    "question_updated": _l("Sửa câu hỏi"),
    "question_retired": _l("Ngừng dùng câu hỏi"),
    "question_reactivated": _l("Dùng lại câu hỏi"),
    "question_regraded": _l("Đổi đáp án và chấm lại"),
    "prize.quotas": _l("Đặt số lượng giải"),
    "prize.exclude": _l("Loại khỏi danh sách giải"),
    "prize.reinstate": _l("Đưa trở lại danh sách xét giải"),
    "ranking.settings": _l("Sửa cách xếp hạng"),
    "results.publish": _l("Công bố kết quả"),
    "results.unpublish": _l("Thôi công bố kết quả"),
    "results.export": _l("Tải/xuất kết quả"),
}


class LocalDateField(CheckedDate, DateField):
    """A day (yyyy-mm-dd, what <input type=date> sends) with a Vietnamese error naming the field."""


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter

    action = SelectField(_l("Thao tác"), validate_choice=False)
    user = SearchField(_l("Người thực hiện (tên đăng nhập hoặc họ tên)"),
                       validators=[Optional(), Length(max=100, message=_l("Tên tìm kiếm dài tối đa 100 ký tự."))])
    date_from = LocalDateField(_l("Từ ngày"), validators=[Optional()])
    date_to = LocalDateField(_l("Đến ngày"), validators=[Optional()])

    def set_actions(self, codes: list[str]) -> None:
        known = [(code, f"{label} ({code})") for code, label in ACTION_LABELS.items()]
        extra = [(code, code) for code in codes if code not in ACTION_LABELS]
        self.action.choices = [("", _l("Mọi thao tác")), *known, *extra]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("“Đến ngày” phải cùng hoặc sau “Từ ngày”."))


def _utc_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone).astimezone(timezone.utc)


def details_items(details) -> list[tuple[str, str]]:
    """The entry's details as (key, text) pairs: nested values as compact JSON, Vietnamese kept."""
    if not isinstance(details, dict):
        return [("", json.dumps(details, ensure_ascii=False))] if details else []
    items = []
    for key, value in details.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        items.append((str(key), text if len(text) <= 500 else text[:500] + "…"))
    return items


@bp.route("/audit")
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    form.set_actions(audit.actions(db.session))
    valid = form.validate()
    zone = ZoneInfo(current_app.config["CONTEST_TIMEZONE"])
    # A bad field is named on the page and left out of the filter; the others still apply.
    since = _utc_start(form.date_from.data, zone) if form.date_from.data and not form.date_from.errors else None
    until = (_utc_start(form.date_to.data + timedelta(days=1), zone)
             if form.date_to.data and not form.date_to.errors else None)
    who = form.user.data if not form.user.errors else ""
    page = audit.search(db.session, action=form.action.data or None, who=who or "", since=since, until=until,
                        page=request.args.get("page", 1, type=page_number))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/audit.html", form=form, page=page, args=args, labels=ACTION_LABELS,
                           details_items=details_items), 200 if valid else 400
