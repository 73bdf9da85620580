"""`flask --app contest COMMAND`: one transaction per command, exit 0 only on success (SPEC §3)."""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from contest.errors import DomainError
from contest.extensions import db
from contest.models import ROLES
from contest.services import accounts, demo
from question_bank import exporter, services as bank
from question_bank.importers import parse_file


def init_app(app) -> None:
    for command in (init_db, create_user, import_questions, export_questions, demo_command):
        app.cli.add_command(command)


def _fail(messages, code: int = 1):
    db.session.rollback()
    for message in messages:
        click.echo(message, err=True)
    sys.exit(code)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the schema (Alembic migrations); safe to repeat."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Cơ sở dữ liệu đã sẵn sàng.")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", help="Generated and printed when omitted.")
@click.option("--unit", "unit_code")
@click.option("--full-name", default="")
@click.option("--contest", "contests", multiple=True, help="Limit an organizer or judge to this contest.")
def create_user(username, role, password, unit_code, full_name, contests):
    """Create an account."""
    generated = password is None
    password = password or demo.generate_password()
    try:
        user = accounts.create_user(
            db.session, username, password, role=role, full_name=full_name,
            unit_code=unit_code, contests=contests,
        )
        db.session.commit()
    except DomainError as exc:
        _fail([exc.message])
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role}).")
    if generated:
        click.echo(f"Mật khẩu: {password}")


@click.command("import-questions")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--topic", help="Topic for questions whose file names none.")
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def import_questions(file: Path, topic, dry_run, as_json):
    """Import a question bank from .docx, .xlsx, .csv, Aiken or GIFT (all-or-nothing)."""
    try:
        data = _read_limited(file)
    except OSError as exc:
        _fail([f"Không đọc được tệp {file}: {exc.strerror or exc}"])
    result = parse_file(data, file.name)
    report = bank.import_questions(db.session, result, topic=topic, dry_run=dry_run)
    if report.errors or dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        verb = "Sẽ nhập" if dry_run else "Đã nhập"
        click.echo(f"{verb} {report.imported} câu hỏi; {report.duplicates} câu trùng bị bỏ qua.")
        for problem in report.warnings:
            click.echo(f"Cảnh báo — {problem.where}: {problem.message}")
    if report.errors:
        _fail([f"{p.where}: {p.message}" for p in report.errors])


def _read_limited(path: Path) -> bytes:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    with path.open("rb") as handle:
        return handle.read(limit + 1)  # parse_file refuses anything over the limit


@click.command("export-questions")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_questions(file: Path):
    """Write the whole bank as .xlsx in the layout import-questions reads."""
    count = exporter.write_xlsx(db.session, file)
    click.echo(f"Đã xuất {count} câu hỏi ra {file}.")


@click.command("demo")
@with_appcontext
@click.option("--json", "as_json", is_flag=True)
def demo_command(as_json):
    """Load the demo data (idempotent)."""
    try:
        summary = demo.load(db.session)
        db.session.commit()
    except DomainError as exc:
        _fail([exc.message])
    if as_json:
        keys = ("contest_id", "round_id", "accounts")
        click.echo(json.dumps({key: summary[key] for key in keys}, ensure_ascii=False))
        return
    click.echo(f"Dữ liệu mẫu đã sẵn sàng: {summary['questions']} câu hỏi, {summary['units']} đơn vị.")
    click.echo("Tài khoản mẫu:")
    for account in summary["accounts"]:
        click.echo(f"  {account['role']:<12} {account['username']:<14} mật khẩu: {account['password']}")
