"""`export-results ROUND_ID FILE.xlsx` (SPEC §3): the judge's workbook of SPEC §6."""
import sys
from pathlib import Path

import click
from flask import current_app

from contest.cli_support import writer_context
from contest.extensions import db
from contest.models import Round
from contest.services import audit, exports


def init_app(app) -> None:
    app.cli.add_command(export_results)


@click.command("export-results")
@writer_context
@click.argument("round_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_results(round_id: int, file: Path):
    """Writes the ranking, unit ranking, item statistics and round details to FILE.xlsx."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        _fail(f"Không có đợt thi số {round_id}.")
    if file.suffix.lower() != ".xlsx":
        _fail(f"{file}: tệp kết quả phải có đuôi .xlsx.")
    if not file.parent.is_dir():
        _fail(f"{file}: thư mục {file.parent} không tồn tại.")
    try:
        exports.write_results(db.session, round_, file, current_app.config["CONTEST_TIMEZONE"])
    except OSError as exc:
        _fail(f"{file}: không ghi được tệp ({exc.strerror or exc}).")
    audit.record(db.session, "results.export", target=f"round:{round_.id}", details={"file": file.name, "via": "cli"})
    db.session.commit()
    click.echo(f"Đã xuất kết quả đợt “{round_.title}” vào {file}.")


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(message, err=True)
    sys.exit(1)
