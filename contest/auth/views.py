"""Login and logout pages."""
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from contest import ratelimits
from contest.extensions import db, login_manager
from contest.models import User
from contest.services import accounts, audit

from . import login_challenge
from .forms import EmptyForm, LoginForm

bp = Blueprint("auth", __name__)
bp.add_app_template_global(login_challenge.params, "login_challenge")  # templates/auth/login.html

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.localize_callback = str  # the flash in the session must be a plain str, in the request's locale
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The account of a session `<id>:<key>` (User.get_id), while its password is unchanged."""
    user_id, _colon, key = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_key(), key):
        return None
    return user


def _safe_next(target: str | None) -> str | None:
    # Only a path on our own host: never an open redirect.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.login
def login():
    if current_user.is_authenticated:
        return redirect(url_for("quiz.index"))
    form = LoginForm()
    if form.validate_on_submit() and login_challenge.passed(form):  # issue 14: a challenge after failures
        # The slow password hash runs in a plain read transaction, so on SQLite it holds no
        # write lock; the audit entry is then written in a short transaction of its own.
        g.write_transaction = False
        user = accounts.authenticate(db.session, form.username.data, form.password.data)
        db.session.rollback()
        g.write_transaction = True
        if user is None:
            login_challenge.failed()  # issue 14
            audit.record(db.session, "login_failed", target=form.username.data or "", ip=request.remote_addr)
            db.session.commit()
            form.password.errors.append(_("Tên đăng nhập hoặc mật khẩu không đúng."))
        else:
            login_user(user, remember=form.remember.data)
            audit.record(db.session, "login", user_id=user.id, target=user.username, ip=request.remote_addr)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("quiz.index"))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("quiz.index"))
