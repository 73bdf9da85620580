"""What changes results: prize quotas and exclusions, answer-key fixes, ranking settings, publishing.

Organizers and admins (of the contest) change quotas, keys, settings and publication; judges
may also exclude an entry from the prizes (with a reason) and reinstate it, as the prize
council decides. Each POST: load → access → validate → one service call → commit → redirect.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from contest.access import load_contest, load_round
from contest.auth.forms import EmptyForm
from contest.errors import DomainError
from contest.extensions import db
from contest.models import Attempt, AttemptQuestion, Contest, Round, Unit, User
from contest.services import permissions
from contest.services.results import item_stats, prizes, regrade, result_settings
from core.numbers import parse_id

from .forms import TARGET_LABELS, ExcludeForm, QuotaForm, RegradeForm, settings_form
from . import bp
from .views import round_context

SCOPES = ("individual", "unit")


# --- prizes ------------------------------------------------------------------------------------
def _quota_form(round_: Round, scope: str, submitted: bool = False) -> QuotaForm:
    if submitted:
        return QuotaForm(prefix=scope)
    return QuotaForm(prefix=scope, formdata=None, data=prizes.quotas(db.session, round_, scope))


def _prizes_page(round_: Round, *, quota_forms=None, exclude_form=None, status: int = 200):
    quota_forms = quota_forms or {}
    individuals = prizes.review_individuals(db.session, round_)
    forms = {scope: quota_forms[scope] if scope in quota_forms else _quota_form(round_, scope) for scope in SCOPES}
    return render_template(
        "results/prizes.html",
        quota_forms=forms,
        quotas={scope: prizes.quotas(db.session, round_, scope) for scope in SCOPES},
        exclude_form=exclude_form or ExcludeForm(formdata=None),
        individuals=individuals,
        flagged=[award for award in individuals if award.entry.flags],  # shown first, to be looked at
        units=prizes.allocate_units(db.session, round_),
        exclusions=prizes.exclusions(db.session, round_),
        labels=prizes.PRIZE_LABELS,
        **round_context(round_, "prizes"),
    ), status


@bp.route("/rounds/<int:round_id>/prizes")
def round_prizes(round_id: int):
    return _prizes_page(load_round(round_id, need="results"))


@bp.route("/rounds/<int:round_id>/prizes/quotas/<any(individual, unit):scope>", methods=["POST"])
def set_quotas(round_id: int, scope: str):
    round_ = load_round(round_id, need="manage")
    form = _quota_form(round_, scope, submitted=True)
    if form.validate_on_submit():
        try:
            prizes.set_quotas(db.session, round_, scope, form.counts(), actor_id=current_user.id, ip=request.remote_addr)
        except DomainError as exc:
            db.session.rollback()
            form.add_domain_error(exc)
        else:
            db.session.commit()
            flash(_("Đã lưu số lượng giải cá nhân.") if scope == "individual" else _("Đã lưu số lượng giải đơn vị."),
                  "success")
            return redirect(url_for(".round_prizes", round_id=round_.id))
    return _prizes_page(round_, quota_forms={scope: form}, status=400)


def _target(form: ExcludeForm) -> dict:
    identifier = form.identifier.data.strip()
    if form.kind.data == "user":
        # "#<id>": the prize list's own button, which never puts a (phone) username in a judge's page.
        by_id = parse_id(identifier[1:]) if identifier.startswith("#") else None
        column, value = (User.id, by_id) if by_id is not None else (func.lower(User.username), identifier.lower())
        user_id = db.session.scalar(select(User.id).where(column == value))
        if user_id is None:
            form.identifier.errors.append(_("Không có người dự thi nào có tên đăng nhập “%(name)s”.", name=identifier))
        return {"user_id": user_id}
    unit_id = db.session.scalar(select(Unit.id).where(func.lower(Unit.code) == identifier.lower()))
    if unit_id is None:
        form.identifier.errors.append(_("Không có đơn vị nào có mã “%(code)s”.", code=identifier))
    return {"unit_id": unit_id}


def _excluded_name(target: dict, typed: str) -> str:
    user = db.session.get(User, target["user_id"]) if target.get("user_id") else None
    return user.full_name or typed if user else typed


@bp.route("/rounds/<int:round_id>/prizes/exclusions", methods=["POST"])
def exclude(round_id: int):
    round_ = load_round(round_id, need="results")
    form = ExcludeForm()
    if form.validate_on_submit():
        target = _target(form)
        if not form.identifier.errors:
            try:
                prizes.exclude(db.session, round_, reason=form.reason.data, actor_id=current_user.id, ip=request.remote_addr,
                               **target)
            except DomainError as exc:
                db.session.rollback()
                form.add_domain_error(exc)
            else:
                db.session.commit()
                flash(_("Đã loại “%(name)s” khỏi danh sách giải. Người/đơn vị kế tiếp được xét thay.",
                        name=_excluded_name(target, form.identifier.data.strip())), "success")
                return redirect(url_for(".round_prizes", round_id=round_.id))
    return _prizes_page(round_, exclude_form=form, status=400)


@bp.route("/rounds/<int:round_id>/prizes/exclusions/<int:exclusion_id>/reinstate", methods=["POST"])
def reinstate(round_id: int, exclusion_id: int):
    round_ = load_round(round_id, need="results")
    form = ExcludeForm(formdata=None)
    if not _csrf_ok():
        abort(400)
    try:
        prizes.reinstate(db.session, round_, exclusion_id, actor_id=current_user.id, ip=request.remote_addr)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        form.form_errors.append(exc.message)
        return _prizes_page(round_, exclude_form=form, status=exc.status)
    db.session.commit()
    flash(_("Đã đưa trở lại danh sách xét giải."), "success")
    return redirect(url_for(".round_prizes", round_id=round_.id))


def _csrf_ok() -> bool:
    """Buttons without fields: the CSRF token is all there is to validate."""
    return EmptyForm().validate_on_submit()


# --- item statistics and regrading ---------------------------------------------------------------
def _options(stat) -> list[tuple[int, str, str]]:
    return [(c.choice_id, c.letter, c.text) for c in stat.choices]


def _regrade_forms(stats) -> dict:
    forms = {}
    for stat in stats:
        key = next((c.choice_id for c in stat.choices if c.is_correct), None)
        forms[stat.question_id] = RegradeForm(formdata=None, prefix=f"q{stat.question_id}", data={"choice_id": key},
                                              choices=_options(stat))
    return forms


@bp.route("/rounds/<int:round_id>/items")
def round_items(round_id: int):
    round_ = load_round(round_id, need="results")
    stats = item_stats.item_stats(db.session, round_)
    context = round_context(round_, "items")
    forms = _regrade_forms(stats) if context["can_manage"] else {}
    return render_template("results/items.html", stats=stats, forms=forms, **context)


def _contests_beyond_scope(question_id: int) -> int:
    """How many contests whose attempts drew the question the current user may not manage."""
    drew = (select(Round.contest_id).join(Attempt, Attempt.round_id == Round.id)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .where(AttemptQuestion.question_id == question_id))
    drawing = db.session.scalars(select(Contest).where(Contest.id.in_(drew)))
    return sum(not permissions.can_manage(db.session, current_user, contest) for contest in drawing)


@bp.route("/rounds/<int:round_id>/items/<int:question_id>/regrade", methods=["POST"])
def regrade_item(round_id: int, question_id: int):
    round_ = load_round(round_id, need="manage")
    # Only a question this round drew (in a finished attempt): the key lives in the shared bank.
    stat = next((s for s in item_stats.item_stats(db.session, round_) if s.question_id == question_id), None)
    if stat is None:
        abort(404)
    form = RegradeForm(prefix=f"q{question_id}", choices=_options(stat))
    context = round_context(round_, "items")
    beyond = _contests_beyond_scope(question_id)
    if beyond:
        # The key lives in the shared bank: changing it rescores every contest that drew the question.
        form.form_errors.append(_("Câu hỏi này cũng có trong bài thi của %(n)d cuộc thi bạn không phụ trách; "
                                  "đổi đáp án sẽ chấm lại cả các bài đó. Hãy nhờ quản trị viên thực hiện.", n=beyond))
        return render_template("results/regrade.html", stat=stat, form=form, new=None, **context), 403
    if not form.validate_on_submit():
        return render_template("results/regrade.html", stat=stat, form=form, new=None, **context), 400
    new = next(c for c in stat.choices if c.choice_id == form.choice_id.data)
    if not form.confirm.data:
        return render_template("results/regrade.html", stat=stat, form=form, new=new, **context)
    try:
        report = regrade.set_correct_choice(db.session, question_id, form.choice_id.data, current_user.id, ip=request.remote_addr)
    except DomainError as exc:
        db.session.rollback()
        form.add_domain_error(exc)
        return render_template("results/regrade.html", stat=stat, form=form, new=new, **context), exc.status
    db.session.commit()
    if report.changed:
        flash(_("Đã đổi đáp án câu hỏi #%(id)d và chấm lại: %(a)d bài thi có câu này, %(c)d bài thay đổi điểm.",
                id=question_id, a=report.attempts_affected, c=report.scores_changed), "success")
    else:
        flash(_("Phương án này đã là đáp án đúng; không có gì thay đổi."), "info")
    return redirect(url_for(".round_items", round_id=round_.id, _anchor=f"q{question_id}"))


# --- ranking settings --------------------------------------------------------------------------
@bp.route("/contests/<int:contest_id>/settings", methods=["GET", "POST"])
def contest_settings(contest_id: int):
    contest = load_contest(contest_id, need="manage")
    rounds = list(contest.rounds)
    current = result_settings.RankingSettings.of(contest)
    if request.method == "POST":
        form = settings_form(rounds)
    else:
        data = {
            "overall_mode": current.overall_mode, "unit_formula": current.unit_formula,
            "unit_rate_weight_percent": current.unit_rate_weight_percent,
            "min_participation_percent": current.min_participation_percent,
            **{f"tie_break_{n}": key for n, key in enumerate(current.tie_break, start=1)},
            **{f"target_{round_id}": target for round_id, target in current.prediction_targets.items()},
        }
        form = settings_form(rounds, formdata=None, data=data)
    if form.validate_on_submit():
        settings = result_settings.RankingSettings(
            tie_break=form.chain(), overall_mode=form.overall_mode.data, unit_formula=form.unit_formula.data,
            unit_rate_weight_percent=form.unit_rate_weight_percent.data,
            min_participation_percent=form.min_participation_percent.data, prediction_targets=form.targets(),
        )
        try:
            result_settings.update_settings(db.session, contest, settings, actor_id=current_user.id, ip=request.remote_addr)
        except DomainError as exc:
            db.session.rollback()
            form.add_domain_error(exc)
        else:
            db.session.commit()
            flash(_("Đã lưu cách xếp hạng của cuộc thi."), "success")
            return redirect(url_for(".contest_settings", contest_id=contest.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("results/settings.html", contest=contest, form=form, target_labels=TARGET_LABELS,
                           active="settings", can_manage=True), status


# --- publishing --------------------------------------------------------------------------------
@bp.route("/rounds/<int:round_id>/<any(publish, unpublish):action>", methods=["POST"])
def publish(round_id: int, action: str):
    round_ = load_round(round_id, need="manage")
    if not _csrf_ok():
        abort(400)
    try:
        result_settings.set_results_public(db.session, round_, action == "publish", actor_id=current_user.id,
                                           ip=request.remote_addr)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".round_results", round_id=round_.id))
    db.session.commit()
    if action == "publish":
        flash(_("Đã công bố kết quả. Trang công khai: %(url)s",
                url=url_for(".public_round", round_id=round_.id, _external=True)), "success")
    else:
        flash(_("Đã thôi công bố kết quả của đợt thi."), "success")
    return redirect(url_for(".round_results", round_id=round_.id))
