"""Access at the route: role guards for views and whole blueprints, and one loader per object.

A view loads its contest or round with the rule it needs (`need=`), as the first thing it does:
404 when there is no such object, then 403 when the current user may not (SPEC §3). The rules
themselves are services/permissions.py, pure functions the CLI and services ask too.
"""
from functools import wraps

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from contest.errors import NotFound
from contest.extensions import db, login_manager
from contest.models import Contest, Round
from contest.services import permissions
from contest.services.results import result_settings

# Staff needs, refused with 403. A contest's rule also decides for its rounds.
_CONTEST_NEEDS = {
    "manage": permissions.can_manage,  # organizers of the contest, admins
    "results": permissions.can_view_results,  # judges too
}
# Rounds participants and the public see: one they may not see is one that does not exist.
_ROUND_NEEDS = {
    "published": lambda round_: round_.is_published,
    "public_results": result_settings.is_public,
}


def _allowed(roles: tuple[str, ...]) -> bool:
    return current_user.is_authenticated and current_user.role in roles


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not _allowed(roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def role_guard(*roles: str, public_endpoints: tuple[str, ...] = ()):
    """A before_request function for a whole blueprint: log in first, then one of `roles`."""

    def check():
        if request.endpoint in public_endpoints:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not _allowed(roles):
            abort(403)
        return None

    check.allowed_roles = roles
    return check


def guard_blueprint(app, blueprint_name: str, *roles: str) -> None:
    """Every route of a blueprint the contest does not own (the bank's) gets the same rule."""
    guard = role_guard(*roles)
    app.before_request(lambda: guard() if request.blueprint == blueprint_name else None)


def _refuse(status: int, what: str):
    if request.blueprint == "api":
        # The API tells a client nothing of a round it may not use, not even that it exists.
        raise NotFound(_("Không tìm thấy đợt thi.") if what == "round" else None)
    abort(status)


def _check_contest(contest: Contest, need: str | None, what: str) -> None:
    if need is None:
        return
    user = current_user if current_user.is_authenticated else None
    if not _CONTEST_NEEDS[need](db.session, user, contest):
        _refuse(403, what)


def load_contest(contest_id: int, *, need: str | None) -> Contest:
    """The contest, or 404; then `need` ("manage", "results" or None) or 403."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        _refuse(404, "contest")
    _check_contest(contest, need, "contest")
    return contest


def load_round(round_id: int, *, need: str | None) -> Round:
    """The round, or 404; then `need`: "published" or "public_results" (else 404), or a contest
    need of its contest ("manage", "results"; else 403), or None."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        _refuse(404, "round")
    if need in _ROUND_NEEDS:
        if not _ROUND_NEEDS[need](round_):
            _refuse(404, "round")
    else:
        _check_contest(round_.contest, need, "round")
    return round_
