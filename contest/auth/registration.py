"""`/contests/<id>/register`: a participant creates their own account for a contest; the contest's
organizers choose whether it is open and which details it requires.

The POST reads and checks first, hashes the password with no write lock held, then writes once
(auth/passwords.py). A rate limit, when added, wraps `register` alone.
"""
from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest import ratelimits
from contest.access import load_contest, roles_required
from contest.error_pages import render_error
from contest.errors import DomainError
from contest.extensions import db
from contest.models import Contest
from contest.services import audit, permissions
from contest.services.people import registration_review
from contest.services.users import registration, registration_ceiling
from core.db import now_utc
from core.numbers import parse_id

from . import challenge, passwords
from .registration_forms import InvitationForm, RegistrationForm, RegistrationSettingsForm
from .sessions import log_in
from . import bp


def _page(form, contest: Contest, status: int | None = None):
    if status is None:
        status = 400 if form is not None and (form.errors or form.form_errors) else 200
    params = challenge.issue("register") if form is not None else None
    return render_template("auth/register.html", form=form, contest=contest, challenge=params), status


@bp.route("/contests/<int:contest_id>/register", methods=["GET", "POST"])
@ratelimits.registration
def register(contest_id: int):
    passwords.read_first()
    contest = load_contest(contest_id, need=None)
    if current_user.is_authenticated:
        flash(_("Bạn đang đăng nhập với tài khoản %(username)s; không cần đăng ký thêm.",
                username=current_user.username), "info")
        return redirect(url_for("quiz.index"))
    if not contest.registration_open:
        return _page(None, contest, 403)
    form = RegistrationForm()
    form.set_units(registration.unit_choices(db.session))
    form.mark_optional({"username"} | set(registration.OPTIONAL_FIELDS) - registration.required_fields(contest))
    if contest.registration_mode == "invitation":
        form.invitation_code.flags.required = True
    form.username.description = _("Để trống thì số điện thoại là tên đăng nhập. Chữ không dấu, chữ số và . _ -")
    if form.validate_on_submit():
        try:
            # The challenge first: the application's checks say whether a phone or email is taken,
            # which nobody learns without solving one. A refused form spends its solution too (the
            # page shows a fresh one), so each such answer costs a proof-of-work.
            solution = challenge.check(form.challenge.data, "register")
            try:
                details = registration.check_application(db.session, contest, form.details(),
                                                         form.password.data or "", form.confirm.data or "")
            except DomainError:
                db.session.rollback()
                challenge.spend(db.session, solution)  # a replayed solution: its error, not the application's
                db.session.commit()
                raise
            password_hash = passwords.hash_then_write(form.password.data)
            if current_app.config["RATELIMIT_ENABLED"]:  # the ceiling, exact under parallel requests
                registration_ceiling.check(db.session, ratelimits.address(),
                                           current_app.config["RATELIMIT_REGISTRATION_ADDRESS"], now_utc())
            user = registration.register(db.session, contest, details, password_hash)
            challenge.spend(db.session, solution)
        except DomainError as exc:
            db.session.rollback()
            if exc.status == 403:  # closed while the form was being filled in
                return _page(None, contest, 403)
            if isinstance(exc, registration_ceiling.CeilingReached):
                response = current_app.make_response(render_error(429, exc.message))
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
            form.add_domain_error(exc)
        else:
            audit.record(db.session, "registered", user_id=user.id, target=user.username,
                         details={"contest_id": contest.id, "mode": contest.registration_mode,
                                  "unit_id": user.unit_id, "unit_confirmed": not user.unit_unconfirmed},
                         # the address as the limits count it (an IPv6 /64), so the burst flag groups alike
                         ip=ratelimits.address())
            if user.awaiting_approval:
                message = _("Đã ghi nhận đăng ký tài khoản %(username)s cho cuộc thi “%(contest)s”. Tài khoản dùng "
                            "được sau khi ban tổ chức duyệt.", username=user.username, contest=contest.name)
            else:
                log_in(user, remember=False)  # a server-side session like any login (sessions.py)
                message = _("Đã tạo tài khoản %(username)s cho cuộc thi “%(contest)s”. Bạn đã được đăng nhập.",
                            username=user.username, contest=contest.name)
            db.session.commit()
            g.account_created = True  # counted by the per-address limit (ratelimits.py)
            flash(message, "success")
            return redirect(url_for("quiz.index"))
    return _page(form, contest)


@bp.route("/contests/<int:contest_id>/registration", methods=["GET", "POST"])
@roles_required(*permissions.MANAGE_ROLES)
def registration_settings(contest_id: int):
    contest = load_contest(contest_id, need="manage")
    form = RegistrationSettingsForm(obj=contest)
    if form.validate_on_submit():
        try:
            registration.update_settings(contest, is_open=form.registration_open.data, required=form.required(),
                                         mode=form.registration_mode.data,
                                         trust_declared_units=form.trust_declared_units.data)
        except DomainError as exc:
            db.session.rollback()
            form.registration_mode.errors.append(exc.message)
            return _settings_page(form, InvitationForm(formdata=None), contest, 400)
        audit.record(db.session, "registration_settings_updated", user_id=current_user.id, target=contest.name,
                     details={"contest_id": contest.id, "open": contest.registration_open,
                              "required": sorted(form.required()), "mode": contest.registration_mode,
                              "trust_declared_units": contest.trust_declared_units}, ip=request.remote_addr)
        db.session.commit()
        flash(_("Đã lưu cài đặt đăng ký của cuộc thi “%(name)s”.", name=contest.name), "success")
        return redirect(url_for(".registration_settings", contest_id=contest.id))
    return _settings_page(form, InvitationForm(formdata=None), contest)


def _settings_page(form, invitation_form, contest: Contest, status: int = 200):
    invitation_form.set_units(registration.unit_choices(db.session))
    return render_template("auth/registration_settings.html", form=form, invitation_form=invitation_form,
                           contest=contest, invitations=registration_review.invitations(db.session, contest),
                           register_url=url_for(".register", contest_id=contest.id, _external=True)), status


@bp.route("/contests/<int:contest_id>/registration/invitations", methods=["POST"])
@roles_required(*permissions.MANAGE_ROLES)
def invitation_codes(contest_id: int):
    """New invitation codes: for one unit (replacing its code), or for every unit without one."""
    contest = load_contest(contest_id, need="manage")
    form = InvitationForm()
    if not form.validate_on_submit():
        return _settings_page(RegistrationSettingsForm(obj=contest, formdata=None), form, contest, 400)
    value = form.unit_id.data or ""
    if value:
        unit_ids = [unit_id] if (unit_id := parse_id(value)) is not None else []
    else:
        have = {row.unit_id for row in registration_review.invitations(db.session, contest)}
        unit_ids = [unit_id for unit_id, _label in registration.unit_choices(db.session) if unit_id not in have]
    changed = registration_review.generate_codes(db.session, contest, unit_ids)
    if value and not changed:
        form.unit_id.errors.append(_("Đơn vị đã chọn không có trong danh sách; hãy chọn lại."))
        return _settings_page(RegistrationSettingsForm(obj=contest, formdata=None), form, contest, 400)
    audit.record(db.session, "invitation_codes_generated", user_id=current_user.id, target=contest.name,
                 details={"contest_id": contest.id, "units": changed}, ip=request.remote_addr)
    db.session.commit()
    flash(_("Đã tạo %(n)d mã mời.", n=len(changed)), "success")
    return redirect(url_for(".registration_settings", contest_id=contest.id))
