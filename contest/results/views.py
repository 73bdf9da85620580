"""Results pages at /results: rankings, charts, downloads, and the public page of a round.

Judges, organizers and admins see the contests they work on; `manage.py` holds what only
organizers and admins change (and the judges' prize exclusions). Every figure comes from the
services (ranking, unit_ranking, prizes, exports, result_charts); views only load, check and show.
"""
import re
import tempfile
import unicodedata
from urllib.parse import quote

from flask import Response, current_app, render_template, request, send_file, stream_with_context
from flask_login import current_user
from sqlalchemy import select

from contest.access import load_contest, load_round, role_guard
from contest.auth.forms import EmptyForm
from contest.db import short_write
from contest.extensions import db
from contest.models import Round, Unit
from contest.request_audit import audit_request
from contest.services import permissions, unit_tree
from contest.services.results import exports, prizes, ranking, result_charts, result_settings, unit_ranking
from core.numbers import page_number

from . import charts
from .forms import FilterForm
from . import bp

PER_PAGE = 50
CSV_TABLES = ("individuals", "units", "items")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PUBLIC_ENDPOINTS = ("results.public_round",)


bp.before_request(role_guard(*permissions.RESULTS_ROLES, public_endpoints=PUBLIC_ENDPOINTS))


def _timezone() -> str:
    return current_app.config["CONTEST_TIMEZONE"]


def _page_number() -> int:
    return request.args.get("page", 1, type=page_number)


def unit_options() -> list[tuple[int, str, int]]:
    """(id, name, depth) of every unit, parents before their sub-units."""
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.parent_id).order_by(Unit.code)).all()
    return [(row.id, row.name, depth) for row, depth in unit_tree.tree_order(rows)]


def _groups() -> list[str]:
    return list(db.session.scalars(select(Unit.group).where(Unit.group.is_not(None)).distinct().order_by(Unit.group)))


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args, units=unit_options(), groups=_groups())
    form.validate()
    return form


def round_context(round_: Round, active: str) -> dict:
    """What every staff page of a round shows in its header and tabs."""
    return {
        "round": round_,
        "contest": round_.contest,
        "active": active,
        "can_manage": permissions.can_manage(db.session, current_user, round_.contest),
        "closed": result_settings.is_closed(round_),
        "public": result_settings.is_public(round_),
        "button_form": EmptyForm(),
    }


# --- lists and rankings ------------------------------------------------------------------------
@bp.route("/")
def index():
    return render_template("results/index.html", contests=permissions.contests_of(db.session, current_user),
                           now_closed=result_settings.is_closed)


@bp.route("/rounds/<int:round_id>")
def round_results(round_id: int):
    round_ = load_round(round_id, need="results")
    form = _filter_form()
    page = ranking.round_ranking(db.session, round_, _page_number(), PER_PAGE, with_flags=True, **form.filters())
    awards = {award.entry.user_id: award.label for award in prizes.allocate_individuals(db.session, round_)}
    return render_template(
        "results/round.html", page=page, form=form, awards=awards,
        actual=ranking.actual_value(db.session, round_), **round_context(round_, "individuals"),
    )


@bp.route("/rounds/<int:round_id>/units")
def round_units(round_id: int):
    round_ = load_round(round_id, need="results")
    entries = unit_ranking.round_units(db.session, round_)
    awards = {award.entry.unit_id: award.label for award in prizes.allocate_units(db.session, round_, entries)}
    return render_template("results/units.html", groups=unit_ranking.ranked_groups(entries), awards=awards,
                           names={e.unit_id: e.name for e in entries}, **round_context(round_, "units"))


@bp.route("/rounds/<int:round_id>/charts")
def round_charts(round_id: int):
    round_ = load_round(round_id, need="results")
    distribution, top = result_charts.score_distribution(db.session, round_)
    days = result_charts.attempts_per_day(db.session, round_, _timezone())
    figures = [
        charts.score_chart(distribution, top),
        charts.participation_chart(unit_ranking.round_units(db.session, round_)),
        charts.days_chart(days, _timezone()),
    ]
    return render_template("results/charts.html", charts=figures, **round_context(round_, "charts"))


@bp.route("/contests/<int:contest_id>")
def contest_results(contest_id: int):
    contest = load_contest(contest_id, need="results")
    form = _filter_form()
    page = ranking.contest_ranking(db.session, contest, _page_number(), PER_PAGE, **form.filters())
    return render_template("results/contest.html", contest=contest, page=page, form=form, active="individuals",
                           can_manage=permissions.can_manage(db.session, current_user, contest))


@bp.route("/contests/<int:contest_id>/units")
def contest_units(contest_id: int):
    contest = load_contest(contest_id, need="results")
    entries = unit_ranking.contest_units(db.session, contest)
    return render_template("results/contest_units.html", contest=contest, groups=unit_ranking.ranked_groups(entries),
                           names={e.unit_id: e.name for e in entries}, active="units",
                           can_manage=permissions.can_manage(db.session, current_user, contest))


# --- downloads ---------------------------------------------------------------------------------
def attachment(filename: str) -> str:
    """Content-Disposition for a Vietnamese file name: an ASCII fallback plus RFC 5987 `filename*`."""
    filename = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", filename).strip() or "ket-qua"
    plain = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain.encode("ascii", "ignore").decode()).strip("-") or "ket-qua"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _download_name(round_: Round, suffix: str) -> str:
    return f"Kết quả {round_.title}{suffix}"


def _audit_export(round_id: int, **details) -> Round:
    """Logs the download in a short write of its own, then reloads the round for a plain read."""
    with short_write(db.session):  # the export itself only reads: no write lock while it streams
        round_ = load_round(round_id, need="results")
        audit_request("results.export", f"round:{round_.id}", round_id=round_.id, via="web", **details)
    return round_


@bp.route("/rounds/<int:round_id>/ket-qua.xlsx")
def download_workbook(round_id: int):
    load_round(round_id, need="results")
    round_ = _audit_export(round_id, format="xlsx")
    # Written to a temporary file (write-only workbook: bounded memory), deleted when the response closes.
    handle = tempfile.TemporaryFile()
    try:
        exports.results_workbook(db.session, round_, _timezone()).save(handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = send_file(handle, mimetype=XLSX, etag=False, max_age=0)
    response.headers["Content-Disposition"] = attachment(_download_name(round_, ".xlsx"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_stream(round_id: int, table: str, tz: str):
    """Runs when the server reads the body: by then the view's session is gone (Flask tears the
    contexts down and pushes them again for the stream), so the round is loaded afresh here."""
    round_ = load_round(round_id, need=None)
    yield from exports.csv_lines(db.session, round_, table, tz)


@bp.route("/rounds/<int:round_id>/<any(individuals, units, items):table>.csv")
def download_csv(round_id: int, table: str):
    load_round(round_id, need="results")
    round_ = _audit_export(round_id, format="csv", table=table)
    response = Response(stream_with_context(_csv_stream(round_.id, table, _timezone())), mimetype="text/csv")
    title = exports.SHEET_TITLES[table]
    response.headers["Content-Disposition"] = attachment(_download_name(round_, f" - {title}.csv"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the public page ---------------------------------------------------------------------------
@bp.route("/public/<int:round_id>")
def public_round(round_id: int):
    round_ = load_round(round_id, need="public_results")
    page = ranking.round_ranking(db.session, round_, _page_number(), PER_PAGE)
    awards = {award.entry.user_id: award.label for award in prizes.allocate_individuals(db.session, round_)}
    return render_template("results/public.html", round=round_, contest=round_.contest, page=page, awards=awards)
