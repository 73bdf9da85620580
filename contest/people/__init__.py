"""Units and participants (/people): the unit tree, imports, registrations to approve."""
from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

from . import registrations, views  # noqa: E402,F401  (each adds its routes to bp)
