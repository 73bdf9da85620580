"""Organizer pages at /people: the unit tree and its import, participants, their import and resets.

Imports go upload → preview (a dry run: every error with its row, nothing stored) → confirm. The
file waits in core/staging.py's table between the two, staged under its kind. Activation
links exist only in the response that creates them: shown once, never stored in clear.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.access import role_guard
from contest.auth.forms import EmptyForm
from contest.errors import DomainError
from contest.extensions import db
from contest.formatting import vn_datetime
from contest.models import Unit
from contest.request_audit import audit_request
from contest.services import permissions
from contest.services.people import participants, units
from contest.services.people.participant_import import import_participants
from contest.services.people.unit_import import import_units
from contest.services.users import activation, registration
from core import staging
from core.numbers import page_number

from .forms import ACCEPTED_FILES, ParticipantFilterForm, ParticipantForm, UnitForm, UploadForm
from . import bp

PREVIEW_ROWS = 300  # rows listed on a preview page; the counts and errors cover the whole file
IMPORTERS = {"units": import_units, "participants": import_participants}


bp.before_request(role_guard(*permissions.MANAGE_ROLES))  # province-wide: any organizer


@bp.route("/")
def index():
    return redirect(url_for(".unit_tree"))


# --- units -----------------------------------------------------------------------------------


@bp.route("/units")
def unit_tree():
    return render_template("people/units.html", roots=units.tree(db.session))


def _unit_page(form: UnitForm, unit: Unit | None):
    status = 400 if form.errors or form.form_errors else 200
    return render_template("people/unit_form.html", form=form, unit=unit), status


def _save_unit(form: UnitForm, unit: Unit | None):
    try:
        saved = units.save_unit(db.session, unit, code=form.code.data, name=form.name.data,
                                parent_id=form.parent.data, headcount=form.headcount.data, group=form.group.data)
    except DomainError as exc:
        db.session.rollback()
        form.add_domain_error(exc)
        return _unit_page(form, unit)
    audit_request("unit_updated" if unit else "unit_created", saved.code, unit_id=saved.id, parent_id=saved.parent_id)
    db.session.commit()
    flash(_("Đã lưu đơn vị “%(code)s — %(name)s”.", code=saved.code, name=saved.name), "success")
    return redirect(url_for(".unit_tree"))


@bp.route("/units/new", methods=["GET", "POST"])
def new_unit():
    form = UnitForm()
    form.set_parents(units.choices(db.session))
    if form.validate_on_submit():
        return _save_unit(form, None)
    return _unit_page(form, None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(data={"code": unit.code, "name": unit.name, "parent": unit.parent_id,
                          "headcount": unit.headcount, "group": unit.group or ""})
    # A unit cannot move under itself; its sub-units stay listed and the service names the loop.
    form.set_parents([(value, label) for value, label in units.choices(db.session) if value != unit.id])
    if form.validate_on_submit():
        return _save_unit(form, unit)
    return _unit_page(form, unit)


# --- imports (shared by units and participants) ----------------------------------------------


def _upload(kind: str):
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        if data:
            staged = staging.stage(db.session, data, kind=kind, user_id=current_user.id,
                                   filename=form.file.data.filename)
            db.session.commit()
            return redirect(url_for(".preview_import", kind=kind, token=staged.token))
        form.file.errors.append(_("Tệp tải lên rỗng (0 byte)."))
    status = 400 if form.errors else 200
    return render_template("people/upload.html", form=form, kind=kind, accept=ACCEPTED_FILES), status


def _staged(kind: str, token: str) -> staging.Staged:
    try:
        staged = staging.load(db.session, token, kind=kind, user_id=current_user.id)
    except staging.StagingExpired:
        if request.method == "POST":  # a confirm or discard tidies up; a preview (GET) writes nothing
            staging.discard(db.session, token)
            db.session.commit()
        flash(_("Tệp đã tải lên quá 1 giờ nên đã bị xoá; hãy tải lên lại."), "error")
        abort(redirect(url_for(f".import_{kind}_page")))
    if staged is None:  # someone else's, or another kind's (a bank upload, the other people import)
        abort(404)
    return staged


@bp.route("/units/import", methods=["GET", "POST"])
def import_units_page():
    return _upload("units")


@bp.route("/participants/import", methods=["GET", "POST"])
def import_participants_page():
    return _upload("participants")


@bp.route("/<any(units, participants):kind>/import/<token>")
def preview_import(kind: str, token: str):
    staged = _staged(kind, token)
    report = IMPORTERS[kind](db.session, staged.data, dry_run=True)
    db.session.rollback()
    return render_template(
        f"people/{kind}_preview.html",
        staged=staged,
        report=report,
        rows=report.rows[:PREVIEW_ROWS],
        expires_at=vn_datetime(staged.expires_at),
        form=EmptyForm(),
    )


@bp.route("/<any(units, participants):kind>/import/<token>/discard", methods=["POST"])
def discard_import(kind: str, token: str):
    _staged(kind, token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    staging.discard(db.session, token)
    db.session.commit()
    flash(_("Đã huỷ tệp tải lên; không có gì được lưu."), "info")
    return redirect(url_for(f".import_{kind}_page"))


# What each import's audit entry counts.
AUDITED = {"units": ("imported", "updated"), "participants": ("imported",)}


def _confirm(kind: str, token: str):
    """Imports the staged file for real, audited and unstaged in one commit; with errors left,
    stores nothing and goes back to the preview."""
    staged = _staged(kind, token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    # Parsed again from the staged bytes: what is stored is exactly what the file says, now.
    report = IMPORTERS[kind](db.session, staged.data)
    if report.errors:
        db.session.rollback()
        flash(_("Tệp còn %(n)s lỗi nên chưa có gì được lưu; hãy sửa tệp rồi tải lên lại.", n=len(report.errors)),
              "error")
        abort(redirect(url_for(".preview_import", kind=kind, token=token)))
    audit_request(f"{kind}_imported", staged.filename, **{name: getattr(report, name) for name in AUDITED[kind]})
    staging.discard(db.session, token)
    db.session.commit()
    return report


@bp.route("/units/import/<token>/confirm", methods=["POST"])
def confirm_units(token: str):
    report = _confirm("units", token)
    flash(_("Đã thêm %(new)s đơn vị mới và cập nhật %(changed)s đơn vị.", new=report.imported,
            changed=report.updated), "success")
    return redirect(url_for(".unit_tree"))


@bp.route("/participants/import/<token>/confirm", methods=["POST"])
def confirm_participants(token: str):
    report = _confirm("participants", token)
    links = [(item.username, item.full_name, item.unit_code, _link(item.token)) for item in report.activations]
    return _links_page(links, reset=False)


# --- participants ----------------------------------------------------------------------------


def _link(token: str) -> str:
    return url_for("auth.activate", token=token, _external=True)


def _links_page(links, *, reset: bool):
    response = render_template("people/activation_links.html", links=links, reset=reset,
                               days=activation.TTL.days)
    # Shown once: no copy in the browser's cache or history.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/participants")
def participant_list():
    form = ParticipantFilterForm(formdata=request.args)
    form.set_units(units.choices(db.session))
    # Not form.validate(): a stale or hand-typed unit is ignored, never an error.
    unit_id = form.unit.data if form.unit.data in {value for value, _label in form.unit.choices} else None
    page = participants.search(db.session, form.q.data or "", unit_id, request.args.get("page", 1, type=page_number))
    return render_template("people/participants.html", form=form, page=page, unit_id=unit_id,
                           q=form.q.data or "")


@bp.route("/participants/<int:user_id>/edit", methods=["GET", "POST"])
def edit_participant(user_id: int):
    user = participants.get_participant(db.session, user_id) or abort(404)
    form = ParticipantForm(data=registration.details_of(user))
    form.set_units(registration.unit_choices(db.session))
    form.mark_optional(set(registration.OPTIONAL_FIELDS))
    if form.validate_on_submit():
        try:
            changed = registration.update_details(db.session, user, form.details())
        except DomainError as exc:
            db.session.rollback()
            form.add_domain_error(exc)
        else:
            if changed:
                audit_request("participant_updated", user.username, user_id=user.id, changed=changed)
            db.session.commit()
            flash(_("Đã lưu thông tin thí sinh %(name)s.", name=user.full_name) if changed
                  else _("Không có thay đổi nào."), "success" if changed else "info")
            return redirect(url_for(".participant_list"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("people/participant_form.html", form=form, user=user), status


@bp.route("/participants/<int:user_id>/reset", methods=["GET", "POST"])
def reset_participant(user_id: int):
    user = participants.get_participant(db.session, user_id) or abort(404)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        token = activation.reset(db.session, user)
        audit_request("participant_reset", user.username, user_id=user.id)
        db.session.commit()
        unit_code = user.unit.code if user.unit else ""
        return _links_page([(user.username, user.full_name, unit_code, _link(token))], reset=True)
    return render_template("people/reset.html", user=user, form=form)
