"""The JSON API (/api/v1, SPEC §5) and its OpenAPI document."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import views  # noqa: E402,F401  (each adds its routes to bp)
