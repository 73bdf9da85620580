"""Results pages (/results): rankings, charts, prizes, item statistics, settings, downloads."""
from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from . import manage, views  # noqa: E402,F401  (each adds its routes to bp)
