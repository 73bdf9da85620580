"""Participant-facing pages."""
from flask import Blueprint, render_template
from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest

bp = Blueprint("quiz", __name__)


@bp.route("/")
def index():
    contests = db.session.scalars(select(Contest).order_by(Contest.created_at.desc())).all()
    return render_template("quiz/index.html", contests=contests)
