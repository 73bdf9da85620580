"""Setting up: init-db, create-user, demo."""
import json

import click
from flask import current_app
from flask_babel import gettext as _
from flask_migrate import upgrade

from contest.cli.support import fail, writer_context
from contest.demo import load as demo, scale as demo_scale
from contest.errors import DomainError
from contest.extensions import db
from contest.models import ROLES, Round
from contest.services.users import accounts
from core.numbers import parse_int

COMMANDS = ("init_db", "create_user", "demo_command")


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
        fail([exc.message])
    click.echo(_("Đã tạo tài khoản %(username)s (%(role)s).", username=user.username, role=user.role))
    if generated:
        click.echo(_("Mật khẩu: %(password)s", password=password))


@click.command("demo")
@writer_context
@click.option("--json", "as_json", is_flag=True)
@click.option("--scale", metavar="N", help="Also add N participants with finished attempts on the demo round.")
def demo_command(as_json, scale):
    """Load the demo data (idempotent); --scale N adds N participants with finished attempts."""
    count = None if scale is None else parse_int(scale.strip(), 0, 10**18 - 1)  # add_participants checks the range
    if scale is not None and count is None:
        fail([_("--scale: “%(value)s” phải là số nguyên dương (số thí sinh cần thêm).", value=scale)])
    added = None
    try:
        summary = demo.load(db.session)
        if scale is not None:
            round_ = db.session.get(Round, summary["round_id"])
            added = demo_scale.add_participants(db.session, round_, count)
        db.session.commit()
    except DomainError as exc:
        fail([exc.message])
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
