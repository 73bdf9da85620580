"""Organizer pages at /admin: contests, their rounds, the draw preview and opening a round."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from contest.access import load_contest, load_round, role_guard
from contest.auth.forms import EmptyForm
from contest.errors import DomainError
from contest.extensions import db
from contest.models import Contest, Round, Unit
from contest.request_audit import audit_request
from contest.services import contests, permissions, rounds
from core.db import now_utc
from question_bank.services import topic_counts

from .forms import ContestForm, RoundForm, new_round_data, round_data
from . import bp

bp.before_request(role_guard(*permissions.MANAGE_ROLES))


def _timezone() -> str:
    return current_app.config["CONTEST_TIMEZONE"]


# --- contests --------------------------------------------------------------------------------


@bp.route("/")
def index():
    listed = permissions.contests_of(db.session, current_user)
    return render_template("admin/contests.html", contests=listed)


@bp.route("/contests/new", methods=["GET", "POST"])
def new_contest():
    form = ContestForm()
    if form.validate_on_submit():
        try:
            contest = contests.create_contest(db.session, form.name.data, form.description.data,
                                              created_by=current_user,
                                              forbid_immediate_score=form.forbid_immediate_score.data)
        except DomainError as exc:
            db.session.rollback()
            form.add_domain_error(exc)
        else:
            audit_request("contest_created", contest.name, contest_id=contest.id)
            db.session.commit()
            flash(_("Đã tạo cuộc thi “%(name)s”.", name=contest.name), "success")
            return redirect(url_for(".contest", contest_id=contest.id))
    return _form_page("admin/contest_form.html", form, contest=None)


@bp.route("/contests/<int:contest_id>/edit", methods=["GET", "POST"])
def edit_contest(contest_id: int):
    contest = load_contest(contest_id, need="manage")
    form = ContestForm(obj=contest)
    if form.validate_on_submit():
        try:
            contests.update_contest(db.session, contest, form.name.data, form.description.data,
                                    forbid_immediate_score=form.forbid_immediate_score.data)
        except DomainError as exc:
            db.session.rollback()
            form.add_domain_error(exc)
        else:
            audit_request("contest_updated", contest.name, contest_id=contest.id,
                          forbid_immediate_score=contest.forbid_immediate_score)
            db.session.commit()
            flash(_("Đã lưu cuộc thi “%(name)s”.", name=contest.name), "success")
            return redirect(url_for(".contest", contest_id=contest.id))
    return _form_page("admin/contest_form.html", form, contest=contest)


@bp.route("/contests/<int:contest_id>")
def contest(contest_id: int):
    contest = load_contest(contest_id, need="manage")
    return render_template(
        "admin/contest.html",
        contest=contest,
        attempts=contests.attempt_counts(db.session, contest),
        now=now_utc(),
        button_form=EmptyForm(),
    )


# --- rounds ----------------------------------------------------------------------------------


def _round_form(round_: Round | None = None, **kwargs) -> RoundForm:
    topics = [(name, _("%(name)s (%(n)d câu)", name=name, n=active)) for name, active, _r in topic_counts(db.session)
              if name is not None]
    known = {name for name, _label in topics}
    if round_ is not None:  # a rule's topic stays selectable even when the bank no longer has it
        topics += [(r.topic.name, r.topic.name) for r in round_.draw_rules if r.topic and r.topic.name not in known]
    units = db.session.execute(select(Unit.code, Unit.name).order_by(Unit.code)).all()
    return RoundForm(topics=topics, units=units, **kwargs)


def _form_page(template: str, form, status: int | None = None, **context):
    if status is None:
        status = 400 if form.errors or getattr(form, "draw_errors", None) or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _round_page(form: RoundForm, contest: Contest, round_: Round | None, *, status=None, check=None, sample=None):
    attempts = 0 if round_ is None else contests.attempt_counts(db.session, contest).get(round_.id, 0)
    return _form_page("admin/round_form.html", form, status, contest=contest, round=round_, attempts=attempts,
                      check=check, sample=sample)


def _preview(form: RoundForm, contest: Contest, round_: Round | None):
    """"Xem thử đề": needs only a valid question count and blueprint; stores nothing."""
    form.validate()
    check = sample = None
    if form.draw_valid():
        spec = form.draw_spec()
        check = rounds.check_blueprint(db.session, spec)
        sample = rounds.sample_draw(db.session, spec) if check.ok else []
    return _round_page(form, contest, round_, status=200, check=check, sample=sample)


def _save_round(form: RoundForm, contest: Contest, round_: Round | None):
    """The shared save of the create and edit pages (and opening the round when asked)."""
    publish = bool(form.save_open.data) or (round_ is not None and round_.is_published)
    spec = form.to_spec(_timezone(), publish=publish, current=round_)
    try:
        if round_ is None:
            round_ = rounds.create_round(db.session, contest, spec)
            action = "round_created"
        else:
            rounds.update_round(db.session, round_, spec)
            action = "round_updated"
    except DomainError as exc:
        db.session.rollback()  # nothing stored half-way; the page shows the stored round again
        form.add_domain_error(exc)
        return _round_page(form, contest, round_)
    audit_request(action, round_.title, round_id=round_.id, contest_id=contest.id, published=round_.is_published)
    db.session.commit()
    if round_.is_published:
        flash(_("Đã lưu và mở đợt thi “%(title)s”.", title=round_.title), "success")
    else:
        flash(_("Đã lưu bản nháp đợt thi “%(title)s”; thí sinh chưa thấy đợt thi này.", title=round_.title), "success")
    return redirect(url_for(".contest", contest_id=contest.id))


@bp.route("/contests/<int:contest_id>/rounds/new", methods=["GET", "POST"])
def new_round(contest_id: int):
    contest = load_contest(contest_id, need="manage")
    form = _round_form(data=new_round_data(contest, _timezone(), now_utc()))
    if form.is_submitted() and form.preview.data:
        return _preview(form, contest, None)
    if form.validate_on_submit():
        return _save_round(form, contest, None)
    return _round_page(form, contest, None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit_round(round_id: int):
    round_ = load_round(round_id, need="manage")
    form = _round_form(round_, data=round_data(round_, _timezone()))
    if form.is_submitted() and form.preview.data:
        return _preview(form, round_.contest, round_)
    if form.validate_on_submit():
        return _save_round(form, round_.contest, round_)
    return _round_page(form, round_.contest, round_)


@bp.route("/rounds/<int:round_id>/preview")
def preview_round(round_id: int):
    round_ = load_round(round_id, need="manage")
    check = rounds.check_blueprint(db.session, round_)
    sample = rounds.sample_draw(db.session, round_) if check.ok else []
    return render_template("admin/round_preview.html", round=round_, check=check, sample=sample,
                           button_form=EmptyForm())


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
def publish_round(round_id: int):
    round_ = load_round(round_id, need="manage")
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        rounds.publish(db.session, round_)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        audit_request("round_published", round_.title, round_id=round_.id)
        db.session.commit()
        flash(_("Đã mở đợt thi “%(title)s”.", title=round_.title), "success")
    return redirect(url_for(".contest", contest_id=round_.contest_id))


@bp.route("/rounds/<int:round_id>/unpublish", methods=["POST"])
def unpublish_round(round_id: int):
    round_ = load_round(round_id, need="manage")
    if not EmptyForm().validate_on_submit():
        abort(400)
    rounds.unpublish(round_)
    audit_request("round_unpublished", round_.title, round_id=round_.id)
    db.session.commit()
    flash(_("Đã ẩn đợt thi “%(title)s”; thí sinh không còn thấy đợt thi này.", title=round_.title), "success")
    return redirect(url_for(".contest", contest_id=round_.contest_id))

