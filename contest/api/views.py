"""JSON API for taking a quiz (SPEC §5). Session cookie + X-CSRFToken on every change but login."""
import re
from functools import wraps

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from contest import ratelimits
from contest.access import load_round
from contest.auth import login_challenge, sessions as logins
from contest.errors import DomainError, ValidationFailed
from contest.extensions import csrf, db
from contest.models import Unit
from contest.services import rounds
from contest.services.quiz import attempts, quick_save
from contest.services.results import pii, ranking
from core.numbers import MAX_ID, parse_int

from . import bp, errors, openapi
from .serialize import attempt_body, ranking_row, receipt_body, round_items, user_item

errors.register(bp)

MAX_PREDICTION = 10**9


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return errors.error_response(401)
        return view(*args, **kwargs)

    return wrapped


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("Nội dung yêu cầu phải là một đối tượng JSON."), code="invalid_json")
    return data


def _int(value, field: str, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationFailed(_("Trường “%(field)s” phải là số nguyên từ %(min)s đến %(max)s.",
                                 field=field, min=minimum, max=maximum), field=field)
    return value


def _answers(value) -> dict[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 500:
        raise ValidationFailed(_("Trường “answers” phải là đối tượng {mã câu hỏi: mã phương án}."), field="answers")
    parsed = {}
    for key, choice in value.items():
        question_id = parse_int(key, 0, MAX_ID)  # an unknown id is then refused as not in the attempt
        if question_id is None:
            raise ValidationFailed(_("Mã câu hỏi “%(key)s” không hợp lệ.", key=key), field="answers")
        parsed[question_id] = _int(choice, "answers")
    return parsed


_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _idempotency_key() -> str | None:
    """The start request's Idempotency-Key header, if sent: its retries repeat it (SPEC §5)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ValidationFailed(_("Tiêu đề Idempotency-Key phải có 1–64 ký tự chữ, số hoặc _ . : -."),
                               field="Idempotency-Key")
    return key


def _grace() -> int:
    return current_app.config["SUBMIT_GRACE_SECONDS"]


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.post("/v1/session")
@csrf.exempt
@ratelimits.login
def create_session():
    data = _body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or len(username) > 254 or len(password) > 200:
        raise ValidationFailed(_("Cần “username” và “password” dạng chuỗi."))
    if (refusal := login_challenge.api_refusal(data.get("challenge"))) is not None:  # a challenge after failures
        return errors.error_response(428, **refusal)
    user = logins.check_credentials(username, password)
    if user is None:
        logins.record_failure(username)
        return errors.error_response(401, "invalid_credentials", _("Tên đăng nhập hoặc mật khẩu không đúng."))
    logins.start_session(user, remember=False)
    body = {"csrf_token": generate_csrf(), "user": user_item(user)}
    db.session.commit()
    return jsonify(body)


@bp.delete("/v1/session")
def delete_session():
    logins.end_session()
    db.session.commit()
    return jsonify({"status": "logged_out"})


@bp.get("/v1/rounds")
@login_required
def list_rounds():
    return jsonify({"rounds": round_items(db.session, rounds.visible_rounds(db.session), current_user)})


@bp.post("/v1/rounds/<int:round_id>/attempts")
@ratelimits.start
@login_required
def start_attempt(round_id: int):
    round_ = load_round(round_id, need="published")
    started = attempts.start(db.session, round_, current_user, grace_seconds=_grace(), key=_idempotency_key())
    body = attempt_body(db.session, started.attempt, started.drawn)
    db.session.commit()
    return jsonify(body), 201 if started.created else 200


@bp.get("/v1/attempts/<int:attempt_id>")
@login_required
def get_attempt(attempt_id: int):
    attempt = attempts.touch(db.session, attempt_id, current_user, grace_seconds=_grace())
    return jsonify(attempt_body(db.session, attempt))


@bp.put("/v1/attempts/<int:attempt_id>/answers/<int:question_id>")
def save_answer(attempt_id: int, question_id: int):
    # Most requests of a contest: one statement when the session and the attempt check out
    # (quick_save.py); otherwise the ordinary path below answers precisely.
    principal = logins.principal()
    if principal is None and not current_user.is_authenticated:
        return errors.error_response(401)
    choice_id = _int(_body().get("choice_id"), "choice_id")
    if principal is not None:
        saved_at = quick_save.try_save(db.session, principal, attempt_id, question_id, choice_id, grace_seconds=_grace())
        if saved_at is not None:
            db.session.commit()
            return jsonify({"saved_at": saved_at.isoformat()})
    if not current_user.is_authenticated:
        return errors.error_response(401)
    attempt = attempts.get_owned(db.session, attempt_id, current_user, lock="share")
    saved_at = attempts.save_answer(db.session, attempt, question_id, choice_id, grace_seconds=_grace())
    db.session.commit()
    return jsonify({"saved_at": saved_at.isoformat()})


@bp.put("/v1/attempts/<int:attempt_id>/prediction")
@login_required
def save_prediction(attempt_id: int):
    data = _body()
    if "prediction" not in data:
        raise ValidationFailed(_("Cần trường “prediction” (số nguyên hoặc null)."), field="prediction")
    prediction = data["prediction"]
    if prediction is not None:
        prediction = _int(prediction, "prediction", maximum=MAX_PREDICTION)
    attempt = attempts.get_owned(db.session, attempt_id, current_user, lock="update")
    saved_at = attempts.save_prediction(db.session, attempt, prediction, grace_seconds=_grace())
    db.session.commit()
    return jsonify({"saved_at": saved_at.isoformat()})


@bp.post("/v1/attempts/<int:attempt_id>/submit")
@login_required
def submit_attempt(attempt_id: int):
    data = _body()
    prediction = data.get("prediction")
    if prediction is not None:
        prediction = _int(prediction, "prediction", maximum=MAX_PREDICTION)
    answers = _answers(data.get("answers"))
    attempt = attempts.get_owned(db.session, attempt_id, current_user, lock="update")
    attempts.submit(db.session, attempt, prediction=prediction, answers=answers, grace_seconds=_grace())
    body = receipt_body(db.session, attempt)
    db.session.commit()
    return jsonify(body)


@bp.get("/v1/rounds/<int:round_id>/ranking")
@login_required
def round_ranking(round_id: int):
    round_ = load_round(round_id, need="results")  # in the API a refusal is a 404: nothing is learnt
    limit = _query_int("limit", default=50, minimum=1, maximum=1000)
    offset = _query_int("offset", default=0, minimum=0, maximum=10**7)
    filters = {}
    if request.args.get("unit"):
        unit = db.session.scalar(select(Unit).where(Unit.code == request.args["unit"][:50]))
        if unit is None:
            raise ValidationFailed(_("Không có đơn vị mã “%(code)s”.", code=request.args["unit"][:50]), field="unit")
        filters["unit_id"] = unit.id
    page = ranking.ranked_page(db.session, round_, limit=limit, offset=offset, with_flags=True, **filters)
    rows = [ranking_row(entry) for entry in page.entries]
    for row in rows:  # judges never see a phone (or email) username
        row["username"] = pii.username_for(current_user, row["username"])
    return jsonify({"rows": rows, "total": page.total})


def _query_int(name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = parse_int(raw, minimum, maximum)
    if value is None:
        raise ValidationFailed(_("Tham số “%(name)s” phải là số nguyên từ %(min)s đến %(max)s.",
                                 name=name, min=minimum, max=maximum), field=name)
    return value
