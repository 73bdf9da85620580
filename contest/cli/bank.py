"""The question bank from the command line: import-questions, export-questions."""
import json
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from contest.cli.support import fail, writer_context
from contest.extensions import db
from core.files import Problem, file_where
from question_bank import exporter, services as bank
from question_bank.importers import ParseResult, parse_file

COMMANDS = ("import_questions", "export_questions")


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
        fail([f"{p.where}: {p.message}" for p in report.errors])


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
        fail([_file_problem(IsADirectoryError(), file, writing=True)])
    if not file.parent.is_dir():
        fail([_file_problem(FileNotFoundError(), file, writing=True)])
    try:
        count = exporter.write_xlsx(db.session, file)
    except OSError as exc:  # the folder vanished, no permission, disk full…
        fail([_file_problem(exc, file, writing=True)])
    click.echo(_("Đã xuất %(count)s câu hỏi ra %(file)s.", count=count, file=file))
