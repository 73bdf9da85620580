"""Login and logout pages; the session loader every request goes through."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from contest import ratelimits
from contest.extensions import db, login_manager
from contest.models import User
from contest.services.users import user_sessions

from . import login_challenge
from .forms import EmptyForm, LoginForm
from .sessions import check_credentials, end_session, record_failure, start_session
from . import bp

bp.add_app_template_global(login_challenge.params, "login_challenge")  # templates/auth/login.html

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.localize_callback = str  # the flash in the session must be a plain str, in the request's locale
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """The account of a session `<id>:<secret>` (User.get_id) while its row lives (user_sessions.py)."""
    return user_sessions.load(db.session, login_id)


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
    if form.validate_on_submit() and login_challenge.passed(form):  # a challenge after failures
        user = check_credentials(form.username.data, form.password.data)
        if user is None:
            record_failure(form.username.data)
            form.password.errors.append(_("Tên đăng nhập hoặc mật khẩu không đúng."))
        else:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("quiz.index"))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        end_session()
        db.session.commit()
        flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("quiz.index"))
