"""`export-results ROUND_ID FILE.xlsx` (SPEC §3): the judge's workbook of SPEC §6."""
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from contest.cli.support import fail, writer_context
from contest.extensions import db
from contest.models import Round
from contest.services import audit
from contest.services.results import exports


COMMANDS = ("export_results",)


@click.command("export-results")
@writer_context
@click.argument("round_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_results(round_id: int, file: Path):
    """Writes the ranking, unit ranking, item statistics and round details to FILE.xlsx."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        fail([_("Không có đợt thi số %(id)s.", id=round_id)])
    if file.suffix.lower() != ".xlsx":
        fail([_("%(file)s: tệp kết quả phải có đuôi .xlsx.", file=file)])
    if not file.parent.is_dir():
        fail([_("%(file)s: thư mục %(folder)s không tồn tại.", file=file, folder=file.parent)])
    try:
        exports.write_results(db.session, round_, file, current_app.config["CONTEST_TIMEZONE"])
    except OSError as exc:
        fail([_("%(file)s: không ghi được tệp (%(error)s).", file=file, error=exc.strerror or exc)])
    audit.record(db.session, "results.export", target=f"round:{round_.id}", details={"file": file.name, "via": "cli"})
    db.session.commit()
    click.echo(_("Đã xuất kết quả đợt “%(title)s” vào %(file)s.", title=round_.title, file=file))

