"""Accounts in the browser: login, logout, activation links, registration, the account page."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import account, activation, registration, views  # noqa: E402,F401  (each adds its routes to bp)
