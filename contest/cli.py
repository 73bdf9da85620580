"""`flask --app contest COMMAND`: one transaction per command, exit 0 only on success (SPEC §3)."""
import functools
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate import upgrade

from contest.errors import DomainError
from contest.extensions import db
from contest.models import ROLES
from contest.services import accounts, attempts, demo, rounds
from question_bank import exporter, services as bank
from question_bank.importers import parse_file


def writer_context(command):
    """with_appcontext, and on SQLite the command's transactions take the write lock up front
    (it may run beside the web server, e.g. close-expired from cron)."""

    @with_appcontext
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        g.write_transaction = True
        return command(*args, **kwargs)

    return wrapped


def init_app(app) -> None:
    for command in (init_db, create_user, import_questions, export_questions, demo_command, create_round,
                    close_expired):
        app.cli.add_command(command)


def _fail(messages, code: int = 1):
    db.session.rollback()
    for message in messages:
        click.echo(message, err=True)
    sys.exit(code)


@click.command("init-db")
@writer_context
def init_db():
    """Create or upgrade the schema (Alembic migrations); safe to repeat."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Cơ sở dữ liệu đã sẵn sàng.")


@click.command("create-user")
@writer_context
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
@writer_context
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
@writer_context
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_questions(file: Path):
    """Write the whole bank as .xlsx in the layout import-questions reads."""
    count = exporter.write_xlsx(db.session, file)
    click.echo(f"Đã xuất {count} câu hỏi ra {file}.")


@click.command("demo")
@writer_context
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


def _instant(value: str | None, option: str) -> datetime | None:
    """ISO 8601; without an offset it is read in CONTEST_TIMEZONE."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail([f"{option}: “{value}” không phải thời điểm ISO 8601 (ví dụ 2026-12-01T08:00)."])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["CONTEST_TIMEZONE"]))
    return parsed


def _attempt_limit(value: str) -> int | None:
    if value.lower() in ("0", "unlimited", "khong-gioi-han"):
        return None
    if not value.isdigit():
        _fail([f"--max-attempts: “{value}” phải là số nguyên dương hoặc “unlimited”."])
    return int(value)


@click.command("create-round")
@writer_context
@click.argument("title")
@click.option("--contest", "contest_name", required=True)
@click.option("--questions", "question_count", type=int, required=True)
@click.option("--topic-mix", default="", help='"Chủ đề A:5,Chủ đề B:5" (optionally "Chủ đề/hard:2").')
@click.option("--duration-seconds", type=int, required=True)
@click.option("--opens")
@click.option("--closes")
@click.option("--max-attempts", default="1", help="A positive number, or unlimited.")
@click.option("--grading", type=click.Choice(["best", "first", "last"]), default="best")
@click.option("--show-score", is_flag=True, help="Show the score right after submitting.")
@click.option("--no-prediction", is_flag=True, help="Do not ask the prediction question.")
@click.option("--unit", "unit_codes", multiple=True, help="Only these units (and their sub-units) may take part.")
@click.option("--json", "as_json", is_flag=True)
def create_round(contest_name, title, question_count, topic_mix, duration_seconds, opens, closes, max_attempts,
                 grading, show_score, no_prediction, unit_codes, as_json):
    """Create a round (and its contest if missing), open now for 7 days by default."""
    spec = rounds.RoundSpec(
        title=title, question_count=question_count, duration_seconds=duration_seconds,
        opens_at=_instant(opens, "--opens"), closes_at=_instant(closes, "--closes"),
        max_attempts=_attempt_limit(max_attempts), grading=grading, show_score=show_score,
        unit_codes=list(unit_codes),
    )
    if no_prediction:
        spec.prediction_prompt = None
    try:
        spec.topic_mix = rounds.parse_topic_mix(topic_mix)
        contest = rounds.get_or_create_contest(db.session, contest_name)
        round_ = rounds.create_round(db.session, contest, spec)
        db.session.commit()
    except DomainError as exc:
        _fail([exc.message])
    if as_json:
        click.echo(json.dumps({"contest_id": contest.id, "round_id": round_.id}))
    else:
        click.echo(f"Đã tạo đợt thi “{round_.title}” (mã {round_.id}) của cuộc thi “{contest.name}”.")


@click.command("close-expired")
@writer_context
def close_expired():
    """Finalise every attempt whose deadline + grace has passed, scoring its saved answers."""
    closed = attempts.close_expired(db.session, grace_seconds=current_app.config["SUBMIT_GRACE_SECONDS"])
    db.session.commit()
    click.echo(f"Đã kết thúc {closed} bài thi quá hạn.")
