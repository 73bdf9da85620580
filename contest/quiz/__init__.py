"""Participants' pages: rounds, rules, the quiz page, the receipt; a contest's public landing page."""
from flask import Blueprint

bp = Blueprint("quiz", __name__)
landing_bp = Blueprint("landing", __name__)

from . import landing, views  # noqa: E402,F401  (each adds its routes to its blueprint)
