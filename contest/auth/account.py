"""`/account`: anyone logged in sees their details (locked after registration: only an organizer
changes them), changes their password, which ends their other sessions, and may log out
everywhere (every session of the account ends, this one too)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from contest import ratelimits
from contest.errors import DomainError
from contest.extensions import db
from contest.services import audit
from contest.services.users import registration, user_sessions

from . import passwords
from .sessions import login_id
from .forms import EmptyForm
from .registration_forms import PasswordChangeForm
from . import bp


def _page(form: PasswordChangeForm):
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/account.html", form=form, user=current_user, everywhere=EmptyForm()), status


@bp.route("/account")
@login_required
def account():
    return _page(PasswordChangeForm(formdata=None))


@bp.route("/account/password", methods=["POST"])
@ratelimits.password_change
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
        registration.set_password_hash(db.session, user, old_hash, new_hash, keep_session=login_id())
    except DomainError as exc:
        db.session.rollback()
        if getattr(exc, "wrong_password", False):
            ratelimits.count_failure()
        form.add_domain_error(exc)
        return _page(form)
    audit.record(db.session, "password_changed", user_id=user.id, target=user.username, ip=request.remote_addr)
    db.session.commit()
    flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã bị đăng xuất."), "success")
    return redirect(url_for(".account"))


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for(".account"))
    user_id, username = current_user.id, current_user.username
    ended = user_sessions.end_all(db.session, user_id)
    logout_user()
    audit.record(db.session, "logout_everywhere", user_id=user_id, target=username, ip=request.remote_addr,
                 details={"sessions": ended})
    db.session.commit()
    flash(_("Đã đăng xuất khỏi mọi thiết bị. Hãy đăng nhập lại."), "info")
    return redirect(url_for("quiz.index"))  # where logout goes too
