"""Organizers' pages (/admin): contests, rounds, draw preview, publish; the audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit, bank_examples, views  # noqa: E402,F401  (each adds its routes to bp)
