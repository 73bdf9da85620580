"""Organizer pages for the bank at /bank: upload → preview → confirm, browse, edit, retire.

Access (admins and organizers) is declared by the contest, which guards the whole blueprint.
"""
from collections import defaultdict
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core import staging
from core.db import now_utc, session as db_session
from core.numbers import page_number

from . import catalog, staged_plan
from .forms import (
    ACCEPTED_FILES,
    DIFFICULTY_LABELS,
    FORMAT_LABELS,
    STATUS_LABELS,
    EmptyForm,
    FilterForm,
    QuestionForm,
    StatusForm,
    UploadForm,
)
from .models import MAX_CHOICES, Question
from .services import import_questions, topic_counts

bp = Blueprint("question_bank", __name__)
KIND = "bank"  # this blueprint's staged uploads; the people imports stage theirs under their own kinds
BACKGROUND = "background"  # options["planning"] of an upload whose plan a thread is making
PREVIEW_PAGE = 100  # problems and questions per preview page: a 90,000-question file is 900 pages


@bp.context_processor
def _labels():
    return {
        "difficulty_labels": DIFFICULTY_LABELS,
        "status_labels": STATUS_LABELS,
        "format_labels": FORMAT_LABELS,
        "letter": catalog.letter,
    }


# --- browse ----------------------------------------------------------------------------------

@bp.route("/")
def index():
    session = db_session()
    form = FilterForm(formdata=request.args)
    form.set_choices(catalog.topics(session), catalog.sources(session))
    # Not form.validate(): a stale or hand-typed value is ignored by Filters, never an error.
    names = ("q", "topic", "difficulty", "source", "status")
    filters = catalog.Filters(**{name: form[name].data or "" for name in names})
    page = catalog.search(session, filters, request.args.get("page", 1, type=page_number))
    topic_ids = {name: topic_id for topic_id, name in catalog.topics(session)}
    counts = [(name, topic_ids.get(name), active, retired) for name, active, retired in topic_counts(session)]
    return render_template(
        "question_bank/index.html",
        form=form,
        filters=filters,
        page=page,
        counts=counts,
        status_form=StatusForm(next=request.full_path),
    )


# --- upload, preview, confirm ----------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        if data:
            # Parsed and planned once: here for a small file, else in the background (the preview
            # shows progress meanwhile); the preview pages only read what is kept.
            filename = form.file.data.filename or ""
            inline = len(data) <= current_app.config.get("BANK_PLAN_INLINE_BYTES", staged_plan.INLINE_BYTES)
            plan = staged_plan.dump(staged_plan.build(db_session(), data, filename)) if inline else None
            options = {"topic": form.topic.data, "planning": "" if inline else BACKGROUND}
            staged = staging.stage(db_session(), data, kind=KIND, user_id=current_user.id,
                                   filename=filename, options=options, plan=plan)
            db_session().commit()
            if not inline:
                staged_plan.plan_in_background(current_app._get_current_object(), staged.token, data, filename)
            return redirect(url_for(".preview", token=staged.token))
        form.file.errors.append(_("Tệp tải lên rỗng (0 byte)."))
    status = 400 if form.errors else 200
    return render_template("question_bank/upload.html", form=form, accept=ACCEPTED_FILES), status


def _staged_or_404(token: str) -> staging.Staged:
    try:
        staged = staging.load(db_session(), token, kind=KIND, user_id=current_user.id)
    except staging.StagingExpired:
        if request.method == "POST":  # a confirm or discard tidies up; a preview (GET) writes nothing
            staging.discard(db_session(), token)
            db_session().commit()
        flash(_("Tệp đã tải lên quá 1 giờ nên đã bị xoá; hãy tải lên lại."), "error")
        abort(redirect(url_for(".upload")))
    if staged is None:
        abort(404)
    return staged


def _plan_or_progress(staged: staging.Staged) -> staged_plan.StoredPlan:
    """The kept plan; while the background has not kept it, aborts with the progress page (which
    reloads itself), or back to the upload once PLAN_LIMIT has passed."""
    if staged.plan is not None:
        return staged_plan.load(staged.plan)
    if staged.options.get("planning") != BACKGROUND:
        # Staged before plans were kept (within the hour after the upgrade): planned now, not kept.
        plan = staged_plan.build(db_session(), staged.data, staged.filename)
        db_session().rollback()  # a read: end it before the page renders
        return plan
    waited = now_utc() - staged.created_at
    if waited > staged_plan.PLAN_LIMIT:
        flash(_("Tệp chưa đọc xong sau %(n)s phút (có thể máy chủ vừa khởi động lại); hãy tải lên lại.",
                n=int(staged_plan.PLAN_LIMIT.total_seconds() // 60)), "error")
        abort(redirect(url_for(".upload")))
    response = make_response(render_template("question_bank/processing.html", staged=staged,
                                              seconds=int(waited.total_seconds()), size=len(staged.data)), 202)
    response.headers["Refresh"] = "3"  # no script needed: the browser asks again in 3 s
    abort(response)


def _problems_by_place(plan: staged_plan.StoredPlan, places: set[str]) -> dict[str, list[tuple[str, str]]]:
    """The problems of the questions shown on this page, by their place."""
    found = defaultdict(list)
    for kind, items in (("error", plan.errors), ("warning", plan.warnings)):
        for problem in items:
            if problem.where in places:
                found[problem.where].append((kind, problem.message))
    return found


@bp.route("/import/<token>")
def preview(token):
    staged = _staged_or_404(token)
    plan = _plan_or_progress(staged)
    page = staged_plan.preview_page(plan, request.args.get("page", 1, type=page_number), PREVIEW_PAGE)
    shown = [entry for entry in page.entries if entry.kind == "question"]
    return render_template(
        "question_bank/preview.html",
        staged=staged,
        expires_at=format_datetime(staged.expires_at, "HH:mm dd/MM/yyyy"),
        plan=plan,
        page=page,
        page_errors=[entry.problem for entry in page.entries if entry.kind == "error"],
        page_warnings=[entry.problem for entry in page.entries if entry.kind == "warning"],
        shown=shown,
        places=_problems_by_place(plan, {entry.question.where for entry in shown}),
        form=EmptyForm(),
    )


@bp.route("/import/<token>/confirm", methods=["POST"])
def confirm(token):
    staged = _staged_or_404(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    session = db_session()
    # The questions the preview showed, planned again: the bank may have changed since the upload.
    result = _plan_or_progress(staged).parse_result()
    try:
        report = import_questions(session, result, topic=staged.topic, user_id=current_user.id, near=False)
        if report.errors:
            session.rollback()
            flash(_("Tệp còn %(n)s lỗi nên chưa câu hỏi nào được lưu; hãy sửa tệp rồi tải lên lại.",
                    n=len(report.errors)), "error")
            return redirect(url_for(".preview", token=token))
        staging.discard(session, token)  # gone with the import's commit, kept if it fails
        session.commit()
    except IntegrityError:
        # Someone stored one of these questions between our duplicate check and our insert.
        session.rollback()
        flash(_("Ngân hàng vừa thay đổi trong lúc lưu nên chưa câu hỏi nào được lưu; hãy xem lại và xác nhận lần nữa."),
              "error")
        return redirect(url_for(".preview", token=token))
    if report.imported:
        flash(_("Đã lưu %(n)s câu hỏi vào ngân hàng.", n=report.imported)
              + (" " + _("Bỏ qua %(d)s câu trùng.", d=report.duplicates) if report.duplicates else ""), "success")
    else:
        flash(_("Không có câu hỏi mới nào được lưu (%(d)s câu trùng với ngân hàng).", d=report.duplicates), "info")
    return redirect(url_for(".index"))


@bp.route("/import/<token>/discard", methods=["POST"])
def discard(token):
    _staged_or_404(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    staging.discard(db_session(), token)
    db_session().commit()
    flash(_("Đã huỷ tệp tải lên; không có gì được lưu."), "info")
    return redirect(url_for(".upload"))


# --- edit, retire ------------------------------------------------------------------------------

def _question_or_404(question_id: int) -> Question:
    question = db_session().scalar(
        select(Question)
        .where(Question.id == question_id)
        .options(selectinload(Question.choices), selectinload(Question.topic), selectinload(Question.source))
    )
    if question is None:
        abort(404)
    return question


def _form_data(question: Question) -> dict:
    texts = [choice.text for choice in question.choices]
    return {
        "text": question.text,
        "choices": texts + [""] * (MAX_CHOICES - len(texts)),
        "correct": question.correct_choice.letter if question.correct_choice else None,
        "topic": question.topic.name if question.topic else "",
        "difficulty": question.difficulty,
        "source": question.source.title if question.source else "",
        "explanation": question.explanation or "",
    }


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
def edit(question_id):
    session = db_session()
    question = _question_or_404(question_id)
    form = QuestionForm(data=None if request.method == "POST" else _form_data(question))
    status = 200
    if form.validate_on_submit():
        change = catalog.QuestionEdit(
            text=form.text.data,
            choices=form.choice_texts(),
            correct=form.correct_index(),
            topic=form.topic.data,
            difficulty=form.difficulty.data,
            source=form.source.data,
            explanation=form.explanation.data,
        )
        try:
            changed = catalog.update_question(session, question, change, user_id=current_user.id)
        except catalog.EditRefused as refused:
            session.rollback()
            form.form_errors.extend(refused.messages)
            status = refused.status
        except IntegrityError:
            session.rollback()
            form.form_errors.append(_("Câu hỏi vừa bị thay đổi ở nơi khác; hãy tải lại trang và sửa lại."))
        else:
            session.commit()
            if changed:
                flash(_("Đã lưu câu hỏi #%(id)s.", id=question_id), "success")
            else:
                flash(_("Không có thay đổi nào."), "info")
            return redirect(url_for(".edit", question_id=question_id))
        question = _question_or_404(question_id)
    if status == 200 and (form.errors or form.form_errors):
        status = 400
    return _edit_page(question, form, status)


def _edit_page(question: Question, form: QuestionForm, status: int):
    session = db_session()
    return render_template(
        "question_bank/edit.html",
        form=form,
        question=question,
        used=catalog.usage_count(session, question.id),
        # Said before anything is typed; the edit and the retire check it again when sent.
        locked=[] if form.form_errors else catalog.refusals(session, question, current_user.id),
        topics=[row[1] for row in catalog.topics(session)],
        sources=[row[1] for row in catalog.sources(session)],
        status_form=StatusForm(next=url_for(".edit", question_id=question.id)),
    ), status


def _safe_next(target: str | None) -> str:
    # Only back to one of our own pages: never an open redirect.
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for(".index")


def _set_status(question_id: int, status: str):
    question = _question_or_404(question_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = catalog.set_status(db_session(), question, status, user_id=current_user.id)
    except catalog.EditForbidden as refused:
        db_session().rollback()
        form = QuestionForm(formdata=None, data=_form_data(question))
        form.form_errors.extend(refused.messages)
        return _edit_page(_question_or_404(question_id), form, refused.status)
    if changed:
        db_session().commit()
        if status == "retired":
            flash(_("Câu hỏi #%(id)s đã ngừng dùng: sẽ không được rút vào đề thi nữa.", id=question_id), "success")
        else:
            flash(_("Câu hỏi #%(id)s được dùng lại.", id=question_id), "success")
    return redirect(_safe_next(form.next.data))


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
def retire(question_id):
    return _set_status(question_id, "retired")


@bp.route("/questions/<int:question_id>/reactivate", methods=["POST"])
def reactivate(question_id):
    return _set_status(question_id, "active")
