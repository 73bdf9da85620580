"""Participant pages: the rounds, a round's rules, the quiz (a plain form; quiz.js makes it smooth),
the confirmation before submitting and the receipt.

Every page works without JavaScript. The server owns the clock: deadlines come from the attempt,
and an attempt past deadline + grace is finalised by whichever page touches it first.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest import ratelimits
from contest.access import load_round
from contest.errors import AttemptClosed, DomainError, NotFound
from contest.extensions import db
from contest.models import Attempt
from contest.services.quiz import attempts, participation, score_release
from core.db import now_utc

from .forms import QuizForm, SubmitForm, field_name, read_answers
from . import bp



def _grace() -> int:
    return current_app.config["SUBMIT_GRACE_SECONDS"]


def _user():
    return current_user if current_user.is_authenticated else None


def _owned(attempt_id: int, lock: str | None = None) -> Attempt:
    try:
        return attempts.get_owned(db.session, attempt_id, current_user, lock=lock)
    except NotFound:
        abort(404)


def _touch(attempt_id: int) -> Attempt:
    """The user's attempt, finalised first if its deadline + grace has passed (as the API's GET does)."""
    try:
        return attempts.touch(db.session, attempt_id, current_user, grace_seconds=_grace())
    except NotFound:
        abort(404)


@bp.route("/")
def index():
    entries = participation.open_rounds(db.session, _user(), grace_seconds=_grace())
    contests = {}
    for entry in entries:
        contests.setdefault(entry.round.contest, []).append(entry)
    mine = participation.recent_attempts(db.session, current_user) if _user() else []
    return render_template("quiz/index.html", contests=contests, mine=mine, now=now_utc(),
                           scores_shown=score_release.shown_ids(db.session, mine))


@bp.route("/rounds/<int:round_id>")
def round_page(round_id: int):
    round_ = load_round(round_id, need="published")
    entry = participation.round_entry(db.session, round_, _user(), grace_seconds=_grace())
    return render_template("quiz/round.html", entry=entry, round=round_, form=SubmitForm())


@bp.post("/rounds/<int:round_id>/start")
@ratelimits.start
@login_required
def start(round_id: int):
    round_ = load_round(round_id, need="published")
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        started = attempts.start(db.session, round_, current_user, grace_seconds=_grace())
    except DomainError as error:
        db.session.rollback()
        entry = participation.round_entry(db.session, round_, current_user, grace_seconds=_grace())
        return render_template("quiz/round.html", entry=entry, round=round_, form=form, error=error.message), error.status
    db.session.commit()
    if not started.created:
        flash(_("Bạn đang có một bài thi làm dở; tiếp tục từ chỗ đã lưu."), "info")
    return redirect(url_for(".take", attempt_id=started.attempt.id))


def _render_quiz(attempt: Attempt, body: dict, form: QuizForm, *, selected: dict[int, int] | None = None,
                 problems: dict[int, str] | None = None, status: int = 200):
    saved = {int(q): c for q, c in body["answers"].items()}
    now = body["server_now"]
    return render_template(
        "quiz/take.html",
        attempt=attempt,
        round=attempt.round,
        body=body,
        form=form,
        saved=saved,
        selected=selected if selected is not None else saved,
        problems=problems or {},
        field_name=field_name,
        remaining=(attempt.deadline - now).total_seconds(),
        grace_seconds=_grace(),
    ), status


@bp.get("/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    attempt, body = _unfinished(attempt_id)
    return _render_quiz(attempt, body, QuizForm(prediction=attempt.prediction))


def _unfinished(attempt_id: int):
    """The caller's attempt (touched: finalised if due) and what it shows; a finished one sends
    them to its receipt instead."""
    attempt = _touch(attempt_id)
    if attempt.is_finished:
        abort(redirect(url_for(".receipt", attempt_id=attempt.id)))
    return attempt, attempts.state(db.session, attempt)


def _refused(attempt: Attempt, error: DomainError):
    """A save or submit the service refused (a finalisation on its way is committed already): say
    why and show where things stand."""
    db.session.rollback()
    if isinstance(error, AttemptClosed) and attempt.finished_by == "system":
        flash(_("Đã quá thời hạn nộp bài nên các câu trả lời vừa gửi không được lưu. "
                "Bài thi đã được hệ thống tự động nộp với những câu trả lời đã lưu trước đó."), "error")
    else:
        flash(error.message, "error")
    target = ".receipt" if attempt.is_finished else ".take"
    return redirect(url_for(target, attempt_id=attempt.id))


@bp.post("/attempts/<int:attempt_id>")
@login_required
def save(attempt_id: int):
    # FOR UPDATE, not the API's FOR SHARE: this request also writes the prediction on the attempt.
    attempt = _owned(attempt_id, lock="update")
    if attempt.is_finished:
        return _refused(attempt, AttemptClosed())
    body = attempts.state(db.session, attempt)
    form = QuizForm()
    answers, problems = read_answers(request.form, body["questions"])
    if not form.validate_on_submit() or problems:
        # Nothing is stored half-way: show the page again with what was chosen, and why it was refused.
        selected = {int(q): c for q, c in body["answers"].items()} | answers
        db.session.rollback()
        return _render_quiz(attempt, body, form, selected=selected, problems=problems, status=422)
    try:
        participation.save_progress(db.session, attempt, answers, form.prediction.data, grace_seconds=_grace())
    except DomainError as error:
        return _refused(attempt, error)
    db.session.commit()
    if request.form.get("action") == "submit":
        return redirect(url_for(".confirm", attempt_id=attempt.id))
    flash(_("Đã lưu các câu trả lời."), "success")
    return redirect(url_for(".take", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/confirm")
@login_required
def confirm(attempt_id: int):
    attempt, body = _unfinished(attempt_id)
    return render_template(
        "quiz/confirm.html",
        attempt=attempt,
        round=attempt.round,
        body=body,
        unanswered=participation.unanswered_numbers(body),
        remaining=(attempt.deadline - body["server_now"]).total_seconds(),
        form=SubmitForm(),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _owned(attempt_id, lock="update")
    if not SubmitForm().validate_on_submit():
        abort(400)
    try:
        # The answers and the prediction were saved by the form post that led to the confirmation.
        attempts.submit(db.session, attempt, prediction=attempt.prediction, answers=None, grace_seconds=_grace())
    except DomainError as error:
        return _refused(attempt, error)
    db.session.commit()
    return redirect(url_for(".receipt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/receipt")
@login_required
def receipt(attempt_id: int):
    attempt = _touch(attempt_id)
    if not attempt.is_finished:
        return redirect(url_for(".take", attempt_id=attempt.id))
    body = attempts.state(db.session, attempt)
    answered = len(body["answers"])
    entry = participation.round_entry(db.session, attempt.round, current_user, grace_seconds=_grace())
    return render_template(
        "quiz/receipt.html",
        attempt=attempt,
        round=attempt.round,
        entry=entry,
        answered=answered,
        total=len(body["questions"]),
        score_shown=score_release.shown(attempt, answered, len(body["questions"])),
    )
