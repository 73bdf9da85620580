"""`/contests/<id>/register`: a participant creates their own account for a contest; the contest's
organizers choose whether it is open and which details it requires.

The POST reads and checks first, hashes the password with no write lock held, then writes once
(auth/passwords.py). A rate limit, when added, wraps `register` alone.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest import ratelimits
from contest.errors import DomainError
from contest.extensions import db
from contest.models import Contest
from contest.services import audit, contests, registration

from . import passwords
from .access import roles_required
from .registration_forms import RegistrationForm, RegistrationSettingsForm
from .sessions import log_in
from .views import bp


def _page(form, contest: Contest, status: int | None = None):
    if status is None:
        status = 400 if form is not None and (form.errors or form.form_errors) else 200
    return render_template("auth/register.html", form=form, contest=contest), status


@bp.route("/contests/<int:contest_id>/register", methods=["GET", "POST"])
@ratelimits.registration
def register(contest_id: int):
    passwords.read_first()
    contest = db.session.get(Contest, contest_id) or abort(404)
    if current_user.is_authenticated:
        flash(_("Bạn đang đăng nhập với tài khoản %(username)s; không cần đăng ký thêm.",
                username=current_user.username), "info")
        return redirect(url_for("quiz.index"))
    if not contest.registration_open:
        return _page(None, contest, 403)
    form = RegistrationForm()
    form.set_units(registration.unit_choices(db.session))
    form.mark_optional({"username"} | set(registration.OPTIONAL_FIELDS) - registration.required_fields(contest))
    form.username.description = _("Để trống thì số điện thoại là tên đăng nhập. Chữ không dấu, chữ số và . _ -")
    if form.validate_on_submit():
        try:
            details = registration.check_application(db.session, contest, form.details(), form.password.data or "",
                                                     form.confirm.data or "")
            password_hash = passwords.hash_then_write(form.password.data)
            user = registration.register(db.session, contest, details, password_hash)
        except DomainError as exc:
            db.session.rollback()
            if exc.status == 403:  # closed while the form was being filled in
                return _page(None, contest, 403)
            form.add_domain_error(exc)
        else:
            log_in(user, remember=False)  # a server-side session like any login (sessions.py)
            audit.record(db.session, "registered", user_id=user.id, target=user.username,
                         details={"contest_id": contest.id}, ip=request.remote_addr)
            message = _("Đã tạo tài khoản %(username)s cho cuộc thi “%(contest)s”. Bạn đã được đăng nhập.",
                        username=user.username, contest=contest.name)
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("quiz.index"))
    return _page(form, contest)


@bp.route("/contests/<int:contest_id>/registration", methods=["GET", "POST"])
@roles_required("admin", "organizer")
def registration_settings(contest_id: int):
    contest = db.session.get(Contest, contest_id) or abort(404)
    if not contests.can_manage(db.session, current_user, contest):
        abort(403)
    form = RegistrationSettingsForm(obj=contest)
    if form.validate_on_submit():
        registration.update_settings(contest, is_open=form.registration_open.data, required=form.required())
        audit.record(db.session, "registration_settings_updated", user_id=current_user.id, target=contest.name,
                     details={"contest_id": contest.id, "open": contest.registration_open,
                              "required": sorted(form.required())}, ip=request.remote_addr)
        db.session.commit()
        flash(_("Đã lưu cài đặt đăng ký của cuộc thi “%(name)s”.", name=contest.name), "success")
        return redirect(url_for(".registration_settings", contest_id=contest.id))
    return render_template("auth/registration_settings.html", form=form, contest=contest,
                           register_url=url_for(".register", contest_id=contest.id, _external=True))
