"""`import-units FILE` and `import-participants FILE` (SPEC §3): all-or-nothing, like import-questions.

Exit 0 on success, 1 with one "where: message" line per problem on stderr; `--json` prints one
object (`imported`, `updated` for units, `errors`, `warnings`, and for participants `accounts`
with their activation links); `--dry-run` stores nothing and reports the same.
"""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from contest.cli.support import writer_context
from contest.extensions import db
from contest.services import audit
from contest.services.people.import_common import ImportReport
from contest.services.people.participant_import import import_participants
from contest.services.people.unit_import import import_units

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


COMMANDS = ("import_units_command", "import_participants_command")


def activation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/activate/{token}"


def _read(path: Path) -> bytes:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)  # the importer refuses anything over the limit
    except OSError as exc:
        click.echo(_("Không đọc được tệp %(path)s: %(error)s", path=path, error=exc.strerror or exc), err=True)
        sys.exit(1)


def _finish(report: ImportReport, dry_run: bool, action: str, file: Path) -> None:
    if report.errors or dry_run:
        db.session.rollback()
        return
    audit.record(db.session, action, target=file.name,
                 details={"imported": report.imported, "updated": report.updated, "source": "cli"})
    db.session.commit()


def _report_problems(report: ImportReport, as_json: bool) -> None:
    """Warnings on stdout (unless --json carries them), errors on stderr, as import-questions."""
    if not as_json:
        for problem in report.warnings:
            click.echo(_("Cảnh báo — %(where)s: %(message)s", where=problem.where, message=problem.message))
    for problem in report.errors:
        click.echo(f"{problem.where}: {problem.message}", err=True)
    if report.errors:
        sys.exit(1)


@click.command("import-units")
@writer_context
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def import_units_command(file: Path, dry_run: bool, as_json: bool):
    """Import the unit tree from .xlsx/.csv: code, name, parent code, headcount, group."""
    report = import_units(db.session, _read(file), dry_run=dry_run)
    _finish(report, dry_run, "units_imported", file)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    elif not report.errors:
        if dry_run:
            summary = _("Sẽ thêm %(imported)s đơn vị mới và cập nhật %(updated)s đơn vị.",
                        imported=report.imported, updated=report.updated)
        else:
            summary = _("Đã thêm %(imported)s đơn vị mới và cập nhật %(updated)s đơn vị.",
                        imported=report.imported, updated=report.updated)
        click.echo(summary)
    _report_problems(report, as_json)


@click.command("import-participants")
@writer_context
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True,
              help="The site's address, for the activation links printed.")
def import_participants_command(file: Path, dry_run: bool, as_json: bool, base_url: str):
    """Import participants from .xlsx/.csv; each new account gets a one-time activation link."""
    report = import_participants(db.session, _read(file), dry_run=dry_run)
    _finish(report, dry_run, "participants_imported", file)
    accounts = [
        {"username": item.username, "full_name": item.full_name, "unit_code": item.unit_code,
         "activation_url": activation_url(base_url, item.token)}
        for item in report.activations
    ] if not (report.errors or dry_run) else []
    if as_json:
        body = report.as_dict()
        del body["updated"]  # participants are only ever created
        body["accounts"] = accounts
        click.echo(json.dumps(body, ensure_ascii=False))
    elif not report.errors:
        if dry_run:
            click.echo(_("Sẽ tạo %(imported)s tài khoản thí sinh.", imported=report.imported))
        else:
            click.echo(_("Đã tạo %(imported)s tài khoản thí sinh.", imported=report.imported))
        if accounts:
            click.echo(_("Liên kết kích hoạt (chỉ hiện một lần; mỗi thí sinh dùng liên kết của mình "
                         "để đặt mật khẩu):"))
            for account in accounts:
                click.echo(f"{account['username']}\t{account['full_name']}\t{account['activation_url']}")
    _report_problems(report, as_json)
