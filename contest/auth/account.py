"""`/account`: anyone logged in sees their details (locked after registration: only an organizer
changes them) and changes their password, which ends their other sessions (User.get_id)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from contest.errors import DomainError
from contest.extensions import db
from contest.services import audit, registration

from . import passwords
from .registration_forms import PasswordChangeForm
from .views import bp

REMEMBER_COOKIE = "remember_token"  # Flask-Login's default name


def _page(form: PasswordChangeForm):
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/account.html", form=form, user=current_user), status


@bp.route("/account")
@login_required
def account():
    return _page(PasswordChangeForm(formdata=None))


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    passwords.read_first()
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _page(form)
    user = current_user._get_current_object()
    try:
        registration.check_password_change(user, form.current_password.data or "", form.new_password.data or "",
                                           form.confirm.data or "")
        old_hash = user.password_hash
        new_hash = passwords.hash_then_write(form.new_password.data)
        registration.set_password_hash(db.session, user, old_hash, new_hash)
    except DomainError as exc:
        db.session.rollback()
        form.add_domain_error(exc)
        return _page(form)
    # This session carries on under the new password; every other one ends.
    login_user(user, remember=REMEMBER_COOKIE in request.cookies)
    audit.record(db.session, "password_changed", user_id=user.id, target=user.username, ip=request.remote_addr)
    db.session.commit()
    flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã bị đăng xuất."), "success")
    return redirect(url_for(".account"))
