"""`/contests/<id>`: a contest's landing page, its rules, rounds, prizes and a countdown to what comes next.

Anyone may read it, logged in or not, once the contest has a published round; before that it
is a 404, except for the contest's organizers (and admins), who see a preview with the draft
rounds marked. The countdown's target and the server's clock are rendered into the page:
static/js/countdown.js ticks from them, and without JavaScript the date and time are shown.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from contest.access import load_contest
from contest.extensions import db
from contest.models import PRIZES, PrizeQuota, Round
from contest.services import permissions
from contest.services.quiz import participation
from contest.services.results import prizes, result_settings
from core.db import now_utc
from . import landing_bp


# How ties are broken, as a participant reads it (the keys of Contest.tie_break, SPEC §6).
TIE_BREAK_NAMES = {
    "score": _l("điểm cao hơn"),
    "prediction": _l("câu trả lời dự đoán gần với kết quả thực tế hơn"),
    "duration": _l("thời gian làm bài ngắn hơn"),
    "submitted_at": _l("nộp bài sớm hơn"),
}


@dataclass
class RoundCard:
    """One round as the landing page shows it."""

    entry: participation.RoundEntry
    # scope ("individual", "unit") → [(prize, count)] for the prizes with a count, Nhất first
    prizes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    results_public: bool = False

    @property
    def round(self) -> Round:
        return self.entry.round


@dataclass
class Countdown:
    round: Round
    kind: str  # "closes": the open round's closing; "opens": the next round's opening
    target: datetime


def _quotas(round_ids: list[int]) -> dict[int, dict[str, list[tuple[str, int]]]]:
    """The prize quotas of the given rounds in one query, only the prizes that have a count."""
    found: dict[int, dict[str, list[tuple[str, int]]]] = {}
    if not round_ids:
        return found
    rows = db.session.execute(
        select(PrizeQuota.round_id, PrizeQuota.scope, PrizeQuota.prize, PrizeQuota.count)
        .where(PrizeQuota.round_id.in_(round_ids), PrizeQuota.count > 0)
    ).all()
    for row in sorted(rows, key=lambda r: (r.round_id, r.scope, PRIZES.index(r.prize))):
        found.setdefault(row.round_id, {}).setdefault(row.scope, []).append((row.prize, row.count))
    return found


def next_countdown(rounds: list[Round], now: datetime) -> Countdown | None:
    """The open round closing soonest; else the published round opening next; else nothing."""
    live = [r for r in rounds if r.is_published]
    open_now = [r for r in live if r.status(now) == "open"]
    if open_now:
        round_ = min(open_now, key=lambda r: (r.closes_at, r.id))
        return Countdown(round_, "closes", round_.closes_at)
    coming = [r for r in live if r.status(now) == "upcoming"]
    if coming:
        round_ = min(coming, key=lambda r: (r.opens_at, r.id))
        return Countdown(round_, "opens", round_.opens_at)
    return None


@landing_bp.route("/contests/<int:contest_id>")
def contest_page(contest_id: int):
    contest = load_contest(contest_id, need=None)
    published = [r for r in contest.rounds if r.is_published]
    user = current_user if current_user.is_authenticated else None
    preview = permissions.can_manage(db.session, user, contest)
    if not published and not preview:
        abort(404)
    shown = contest.rounds if preview else published
    now = now_utc()
    grace = current_app.config["SUBMIT_GRACE_SECONDS"]
    quotas = _quotas([r.id for r in shown])
    cards = [
        RoundCard(
            entry=participation.round_entry(db.session, round_, user, grace_seconds=grace, now=now),
            prizes=quotas.get(round_.id, {}),
            results_public=round_.is_published and result_settings.is_public(round_),
        )
        for round_ in shown
    ]
    current = next((c for c in cards if c.entry.in_progress), None) or next(
        (c for c in cards if c.round.is_published and c.entry.status == "open" and not c.entry.blocked), None
    )
    return render_template(
        "quiz/landing.html",
        contest=contest,
        cards=cards,
        current=current if user is not None and user.role == "participant" else None,
        countdown=next_countdown(shown, now),
        now=now,
        preview=preview,
        has_drafts=len(shown) > len(published),
        is_public=bool(published),
        first_opens=min((r.opens_at for r in published), default=None),
        last_closes=max((r.closes_at for r in published), default=None),
        tie_break=[TIE_BREAK_NAMES[key] for key in (contest.tie_break or []) if key in TIE_BREAK_NAMES],
        prize_names=prizes.PRIZE_LABELS,
    )
