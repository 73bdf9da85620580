"""Rounds from the command line: create-round, close-expired (run it from cron)."""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask_babel import gettext as _

from contest.cli.support import fail, writer_context
from contest.errors import DomainError
from contest.extensions import db
from contest.services import rounds
from contest.services.quiz import attempts
from core.numbers import parse_int

LARGEST = 10**18 - 1  # what an option may say; the service decides what it allows

COMMANDS = ("create_round", "close_expired")


def _instant(value: str | None, option: str) -> datetime | None:
    """ISO 8601; without an offset it is read in CONTEST_TIMEZONE."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail([_("%(option)s: “%(value)s” không phải thời điểm ISO 8601 (ví dụ 2026-12-01T08:00).",
                 option=option, value=value)])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["CONTEST_TIMEZONE"]))
    return parsed


def _attempt_limit(value: str) -> int | None:
    if value.lower() in ("0", "unlimited", "khong-gioi-han"):
        return None
    limit = parse_int(value, 1, LARGEST)  # the round's own check then names the allowed range
    if limit is None:
        fail([_("--max-attempts: “%(value)s” phải là số nguyên dương hoặc “unlimited”.", value=value)])
    return limit


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
        fail([exc.message])
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
