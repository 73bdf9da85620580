"""`/people/registrations`: accounts waiting for approval and units people declared themselves,
for an organizer to approve or confirm, one or many at a time (issue 14). Each is audited."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from contest.auth.forms import EmptyForm
from contest.extensions import db
from contest.request_audit import audit_request
from contest.services.people import registration_review
from core.numbers import parse_id

from . import bp

MAX_IDS = 1000


def _page(form: EmptyForm, status: int = 200):
    return render_template("people/registrations.html", form=form,
                           pending=registration_review.pending_accounts(db.session),
                           unconfirmed=registration_review.unconfirmed_units(db.session)), status


def _chosen_ids() -> list[int] | None:
    values = request.form.getlist("user_id")
    if len(values) > MAX_IDS:
        return None
    user_ids = {parse_id(value) for value in values}
    return None if None in user_ids else sorted(user_ids)


@bp.route("/registrations")
def registrations():
    return _page(EmptyForm())


@bp.route("/registrations/approve", methods=["POST"])
def approve_registrations():
    return _review(registration_review.approve, "registration_approved",
                   lambda n: _("Đã duyệt %(n)d tài khoản.", n=n))


@bp.route("/registrations/confirm-units", methods=["POST"])
def confirm_declared_units():
    return _review(registration_review.confirm_units, "unit_confirmed",
                   lambda n: _("Đã xác nhận đơn vị của %(n)d thí sinh.", n=n))


def _review(change, action: str, done):
    form = EmptyForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    user_ids = _chosen_ids()
    if not user_ids:
        flash(_("Hãy đánh dấu ít nhất một tài khoản trong bảng rồi bấm nút.") if user_ids is not None
              else _("Danh sách tài khoản gửi lên không hợp lệ; hãy tải lại trang rồi chọn lại."), "error")
        return _page(form, 400)
    names = change(db.session, user_ids)
    audit_request(action, ", ".join(names)[:200], usernames=names)
    db.session.commit()
    flash(done(len(names)), "success")
    return redirect(url_for(".registrations"))
