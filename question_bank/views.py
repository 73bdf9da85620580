"""Organizer pages for the bank (being written)."""
from flask import Blueprint, render_template

from .db import session
from .services import topic_counts

bp = Blueprint("question_bank", __name__)


@bp.route("/")
def index():
    return render_template("question_bank/index.html", counts=topic_counts(session()))


@bp.route("/import")
def upload():
    return render_template("question_bank/index.html", counts=[])
