"""`flask --app contest COMMAND`: one transaction per command, exit 0 only on success (SPEC §3)."""
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask_babel import gettext as _
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from contest import cli_people, cli_results
from contest.cli_support import writer_context
from contest.errors import DomainError
from contest.extensions import db
from contest.models import ROLES, Round
from contest.services import accounts, attempts, demo, demo_scale, rounds
from core.files import Problem, file_where
from question_bank import exporter, services as bank
from question_bank.importers import ParseResult, parse_file


def init_app(app) -> None:
    for command in (init_db, create_user, import_questions, export_questions, demo_command, create_round,
                    close_expired):
        app.cli.add_command(command)
    cli_people.init_app(app)  # import-units, import-participants
    cli_results.init_app(app)  # export-results


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
    click.echo(_("Cơ sở dữ liệu đã sẵn sàng."))


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
    click.echo(_("Đã tạo tài khoản %(username)s (%(role)s).", username=user.username, role=user.role))
    if generated:
        click.echo(_("Mật khẩu: %(password)s", password=password))


@click.command("import-questions")
@writer_context
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--topic", help="Topic for questions whose file names none.")
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def import_questions(file: Path, topic, dry_run, as_json):
    """Import a question bank from .docx, .xlsx, .csv, Aiken or GIFT (all-or-nothing)."""
    try:
        data = _read_limited(file)
    except OSError as exc:
        result = ParseResult.refused(_file_problem(exc, file, writing=False))  # reported as any refusal is
    else:
        result = parse_file(data, file.name)
    try:
        report = bank.import_questions(db.session, result, topic=topic, dry_run=dry_run)
        if report.errors or dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except IntegrityError:  # PostgreSQL: another import stored one of these questions meanwhile
        db.session.rollback()
        message = _("Ngân hàng câu hỏi vừa thay đổi trong lúc nhập (có lượt nhập khác cùng lúc); "
                    "chưa lưu gì, hãy chạy lại lệnh.")
        report = bank.ImportReport(errors=[Problem(file_where(), message)])
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        _print_import_summary(report, dry_run)
    if report.errors:
        _fail([f"{p.where}: {p.message}" for p in report.errors])


def _print_import_summary(report, dry_run: bool) -> None:
    if report.errors:
        click.echo(_("Không nhập câu hỏi nào: tệp có %(count)s lỗi, xem từng lỗi bên dưới.",
                     count=len(report.errors)))
    elif dry_run:
        click.echo(_("Chạy thử: sẽ nhập %(imported)s câu hỏi; %(duplicates)s câu trùng sẽ bị bỏ qua. "
                     "Chưa lưu gì.", imported=report.imported, duplicates=report.duplicates))
    else:
        click.echo(_("Đã nhập %(imported)s câu hỏi; %(duplicates)s câu trùng bị bỏ qua.",
                     imported=report.imported, duplicates=report.duplicates))
    for problem in report.warnings:
        click.echo(_("Cảnh báo — %(where)s: %(message)s", where=problem.where, message=problem.message))


def _read_limited(path: Path) -> bytes:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    with path.open("rb") as handle:
        return handle.read(limit + 1)  # parse_file refuses anything over the limit


def _file_problem(exc: OSError, path: Path, *, writing: bool) -> str:
    """One Vietnamese line for a file the command cannot read or write (never a traceback)."""
    if isinstance(exc, IsADirectoryError):
        return _("“%(path)s” là một thư mục, không phải tệp.", path=path)
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        if writing:
            return _("Không ghi được tệp “%(path)s”: thư mục “%(folder)s” không tồn tại; "
                     "hãy tạo thư mục trước.", path=path, folder=path.parent)
        return _("Không tìm thấy tệp “%(path)s”.", path=path)
    if isinstance(exc, PermissionError):
        if writing:
            return _("Không có quyền ghi tệp “%(path)s”.", path=path)
        return _("Không có quyền đọc tệp “%(path)s”.", path=path)
    error = exc.errno or type(exc).__name__
    if writing:
        return _("Không ghi được tệp “%(path)s” (lỗi hệ thống %(error)s).", path=path, error=error)
    return _("Không đọc được tệp “%(path)s” (lỗi hệ thống %(error)s).", path=path, error=error)


@click.command("export-questions")
@writer_context
@click.argument("file", type=click.Path(path_type=Path))
def export_questions(file: Path):
    """Write the whole bank as .xlsx in the layout import-questions reads."""
    if file.is_dir():
        _fail([_file_problem(IsADirectoryError(), file, writing=True)])
    if not file.parent.is_dir():
        _fail([_file_problem(FileNotFoundError(), file, writing=True)])
    try:
        count = exporter.write_xlsx(db.session, file)
    except OSError as exc:  # the folder vanished, no permission, disk full…
        _fail([_file_problem(exc, file, writing=True)])
    click.echo(_("Đã xuất %(count)s câu hỏi ra %(file)s.", count=count, file=file))


@click.command("demo")
@writer_context
@click.option("--json", "as_json", is_flag=True)
@click.option("--scale", metavar="N", help="Also add N participants with finished attempts on the demo round.")
def demo_command(as_json, scale):
    """Load the demo data (idempotent); --scale N adds N participants with finished attempts."""
    if scale is not None and not scale.strip().isdigit():
        _fail([_("--scale: “%(value)s” phải là số nguyên dương (số thí sinh cần thêm).", value=scale)])
    added = None
    try:
        summary = demo.load(db.session)
        if scale is not None:
            round_ = db.session.get(Round, summary["round_id"])
            added = demo_scale.add_participants(db.session, round_, int(scale))
        db.session.commit()
    except DomainError as exc:
        _fail([exc.message])
    if as_json:
        keys = ("contest_id", "round_id", "accounts")
        body = {key: summary[key] for key in keys}
        if added:
            body["scale"] = {"participants": added.participants, "attempts": added.attempts,
                             "answers": added.answers, "password": added.password}
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    click.echo(_("Dữ liệu mẫu đã sẵn sàng: %(questions)s câu hỏi, %(units)s đơn vị.",
                 questions=summary["questions"], units=summary["units"]))
    click.echo(_("Tài khoản mẫu:"))
    for account in summary["accounts"]:
        click.echo(_("  %(role)-12s %(username)-14s mật khẩu: %(password)s", role=account["role"],
                     username=account["username"], password=account["password"]))
    if added:
        click.echo(_("Đã thêm %(participants)s thí sinh mẫu với %(attempts)s bài thi đã nộp "
                     "vào đợt thi mã %(round_id)s; mật khẩu chung: %(password)s",
                     participants=added.participants, attempts=added.attempts, round_id=summary["round_id"],
                     password=added.password))


def _instant(value: str | None, option: str) -> datetime | None:
    """ISO 8601; without an offset it is read in CONTEST_TIMEZONE."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail([_("%(option)s: “%(value)s” không phải thời điểm ISO 8601 (ví dụ 2026-12-01T08:00).",
                 option=option, value=value)])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["CONTEST_TIMEZONE"]))
    return parsed


def _attempt_limit(value: str) -> int | None:
    if value.lower() in ("0", "unlimited", "khong-gioi-han"):
        return None
    if not value.isdigit():
        _fail([_("--max-attempts: “%(value)s” phải là số nguyên dương hoặc “unlimited”.", value=value)])
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
@click.option("--show-score", is_flag=True, help="Show the total right after submitting (if every question was "
              "answered and the contest allows it).")
@click.option("--min-seconds-per-question", type=click.IntRange(0, 600), default=3, show_default=True,
              help="Minimum plausible time per question: faster attempts are flagged too_fast and ranked at it.")
@click.option("--no-prediction", is_flag=True, help="Do not ask the prediction question.")
@click.option("--unit", "unit_codes", multiple=True, help="Only these units (and their sub-units) may take part.")
@click.option("--json", "as_json", is_flag=True)
def create_round(contest_name, title, question_count, topic_mix, duration_seconds, opens, closes, max_attempts,
                 grading, show_score, min_seconds_per_question, no_prediction, unit_codes, as_json):
    """Create a round (and its contest if missing), open now for 7 days by default."""
    spec = rounds.RoundSpec(
        title=title, question_count=question_count, duration_seconds=duration_seconds,
        opens_at=_instant(opens, "--opens"), closes_at=_instant(closes, "--closes"),
        max_attempts=_attempt_limit(max_attempts), grading=grading, show_score=show_score,
        min_seconds_per_question=min_seconds_per_question, unit_codes=list(unit_codes),
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
        click.echo(_("Đã tạo đợt thi “%(title)s” (mã %(id)s) của cuộc thi “%(contest)s”.",
                     title=round_.title, id=round_.id, contest=contest.name))


@click.command("close-expired")
@writer_context
def close_expired():
    """Finalise every attempt whose deadline + grace has passed, scoring its saved answers."""
    closed = attempts.close_expired(db.session, grace_seconds=current_app.config["SUBMIT_GRACE_SECONDS"])
    db.session.commit()
    click.echo(_("Đã kết thúc %(count)s bài thi quá hạn.", count=closed))
