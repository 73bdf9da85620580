"""What operators watch: `/healthz` for the load balancer and one latency line per request.

Every request logs, on the `contest.request` logger at INFO, one line

    method=PUT path=/api/v1/attempts/<int:attempt_id>/answers/<int:question_id> status=200 ms=4.1

with the route's template, never the raw path: ids and search words stay out of the logs and
the lines group by route. Under gunicorn they go to its error log at its level (`--log-level
warning` silences them); elsewhere they propagate to whatever logging the host configured. The
bench's floor endpoint (bench/load_bench.py) is added only when BENCH_FLOOR=1 is set.
"""
import logging
import os
import time

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from contest.extensions import csrf, db
from contest.services.quiz import answers
from core.db import now_utc

logger = logging.getLogger("contest.request")
STARTED = "contest.request_started"
bp = Blueprint("observability", __name__)
floor_bp = Blueprint("bench_floor", __name__)


def init_app(app: Flask) -> None:
    served_by = logging.getLogger("gunicorn.error")
    if served_by.handlers and not logger.handlers:
        logger.handlers[:] = served_by.handlers
        logger.setLevel(served_by.level)
        logger.propagate = False
    app.wsgi_app = _Timer(app.wsgi_app)
    app.after_request(_log_request)
    app.register_blueprint(bp)
    if app.config.get("BENCH_FLOOR", os.environ.get("BENCH_FLOOR") == "1"):
        app.register_blueprint(floor_bp)


class _Timer:
    """Stamps the request on arrival, before any Flask work, so the line counts all of it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ[STARTED] = time.perf_counter()
        return self.wsgi_app(environ, start_response)


def _log_request(response):
    if logger.isEnabledFor(logging.INFO):
        started = request.environ.get(STARTED)
        elapsed = (time.perf_counter() - started) * 1000 if started is not None else -1.0
        path = request.url_rule.rule if request.url_rule is not None else "-"
        logger.info("method=%s path=%s status=%d ms=%.1f", request.method, path, response.status_code, elapsed)
    return response


@bp.get("/healthz")
def healthz():
    """200 while the database answers SELECT 1; 503 otherwise (take this server out of rotation)."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError as exc:
        current_app.logger.warning("healthz: database unavailable: %s", exc.__class__.__name__)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        response = jsonify({"status": "unavailable"})
        response.status_code = 503
    else:
        response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


@floor_bp.post("/_bench/floor")
@csrf.exempt
def floor():
    """The load bench's floor: the save's own upsert and a commit, with no session, lookup or check."""
    data = request.get_json(force=True)
    row = {key: data[key] for key in ("attempt_id", "question_id", "choice_id")}
    db.session.execute(answers.UPSERT, [{**row, "saved_at": now_utc()}])
    db.session.commit()
    return jsonify({"status": "ok"})
