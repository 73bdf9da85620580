"""`/activate/<token>`: a bulk-imported (or reset) participant sets a password with a one-time link."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from contest.errors import DomainError
from contest.extensions import db
from contest.form_input import BaseForm
from contest.lazy_text import lazy_text
from contest.services import audit
from contest.services.users import activation
from contest.services.users.accounts import MIN_PASSWORD

from . import bp


class ActivationForm(BaseForm):
    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[
            DataRequired(_l("Hãy nhập mật khẩu mới.")),
            Length(min=MIN_PASSWORD, max=activation.MAX_PASSWORD,
                   message=lazy_text(_l("Mật khẩu phải có từ %(min)d đến %(max)d ký tự."), min=MIN_PASSWORD,
                                        max=activation.MAX_PASSWORD)),
        ],
        description=lazy_text(_l("Ít nhất %(n)d ký tự; nên có cả chữ và số."), n=MIN_PASSWORD),
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"),
        validators=[DataRequired(_l("Hãy nhập lại mật khẩu.")), EqualTo("password", _l("Hai mật khẩu không khớp."))],
    )


def _invalid():
    db.session.rollback()
    return render_template("auth/activate.html", form=None, user=None,
                           message=activation.InvalidActivation.message), 404


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    # Opening the link changes nothing (chat apps fetch links to preview them); only the POST does.
    user = activation.find(db.session, token)
    if user is None:
        return _invalid()
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            activation.activate(db.session, token, form.password.data)
        except DomainError as exc:
            if exc.status == 404:
                return _invalid()
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            audit.record(db.session, "account_activated", user_id=user.id, target=user.username,
                         ip=request.remote_addr)
            db.session.commit()
            flash(_("Đã đặt mật khẩu cho tài khoản %(username)s. Hãy đăng nhập.", username=user.username), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/activate.html", form=form, user=user, message=None), status
