"""The interface language: Vietnamese by default, English on request, remembered in a cookie.

The catalogs live in contest/translations (msgids are the Vietnamese text; `make install`
compiles them, `make i18n` extracts new strings and updates the English catalog).
"""
from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import get_locale

from contest.auth.forms import EmptyForm
from contest.auth.views import _safe_next

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}  # each named in its own language: never translated
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("language", __name__)


def select_locale() -> str:
    """Flask-Babel's locale selector (request context only; see contest.create_app)."""
    lang = request.cookies.get(COOKIE)
    return lang if lang in LANGUAGES else "vi"


@bp.app_context_processor
def _language_switch() -> dict:
    current = str(get_locale() or "vi")
    return {"current_locale": current, "other_languages": [(code, name) for code, name in LANGUAGES.items() if code != current]}


@bp.route("/language", methods=["POST"])
def switch():
    if not EmptyForm().validate_on_submit():
        abort(400)
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        abort(400)
    response = redirect(_safe_next(request.form.get("next")) or url_for("quiz.index"))
    response.set_cookie(COOKIE, lang, max_age=ONE_YEAR, samesite="Lax", secure=request.is_secure, httponly=True)
    return response
