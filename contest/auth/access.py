"""Who may see what: one decorator for views, one guard for whole blueprints."""
from functools import wraps

from flask import abort, request
from flask_login import current_user

from contest.extensions import login_manager


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
