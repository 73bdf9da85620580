"""Prizes: quotas per round, judges' exclusions, and the allocation proposed from the rankings.

The allocation is computed, never stored: it follows the ranking (and any regrade) and the
exclusions. People take prizes in rank order, Nhất first; an excluded person is skipped and the
next one moves up. Unit prizes are given within each group (khối thi), with the same quotas in
every group, to ranked units only.
"""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import Conflict, NotFound, ValidationFailed
from contest.models import PRIZES, PrizeExclusion, PrizeQuota, Round, Unit, User
from contest.services import audit
from contest.services.results import flags, rank_order, ranking, unit_ranking

PRIZE_LABELS = {  # lazy: str() them where a real str is needed (exports, JSON)
    "first": _l("Giải Nhất"),
    "second": _l("Giải Nhì"),
    "third": _l("Giải Ba"),
    "consolation": _l("Giải Khuyến khích"),
}
MAX_QUOTA = 10_000


@dataclass
class Award:
    prize: str
    entry: object  # ranking.Entry or unit_ranking.UnitEntry

    @property
    def label(self) -> str:
        return str(PRIZE_LABELS[self.prize])


# --- quotas -----------------------------------------------------------------------------------
def quotas(session: Session, round_: Round, scope: str) -> dict[str, int]:
    stored = dict(
        session.execute(
            select(PrizeQuota.prize, PrizeQuota.count).where(PrizeQuota.round_id == round_.id, PrizeQuota.scope == scope)
        ).all()
    )
    return {prize: stored.get(prize, 0) for prize in PRIZES}


def set_quotas(session: Session, round_: Round, scope: str, counts: dict[str, object], *,
               actor_id: int | None = None, ip: str | None = None) -> dict[str, int]:
    """Replaces the round's quotas for people or units; every value checked before any is stored."""
    cleaned = {}
    for prize in PRIZES:
        raw = counts.get(prize, 0)
        try:
            value = int(str(raw).strip() or 0)
        except ValueError:
            raise ValidationFailed(_("%(prize)s: số lượng phải là số nguyên.", prize=str(PRIZE_LABELS[prize])),
                                   field=prize) from None
        if not 0 <= value <= MAX_QUOTA:
            raise ValidationFailed(_("%(prize)s: số lượng phải từ 0 đến %(max)d.", prize=str(PRIZE_LABELS[prize]),
                                     max=MAX_QUOTA), field=prize)
        cleaned[prize] = value
    before = quotas(session, round_, scope)
    existing = {
        quota.prize: quota
        for quota in session.scalars(select(PrizeQuota).where(PrizeQuota.round_id == round_.id, PrizeQuota.scope == scope))
    }
    for prize, value in cleaned.items():
        if prize in existing:
            existing[prize].count = value
        else:
            session.add(PrizeQuota(round_id=round_.id, scope=scope, prize=prize, count=value))
    audit.record(session, "prize.quotas", user_id=actor_id, target=f"round:{round_.id}:{scope}",
                 details={"before": before, "after": cleaned}, ip=ip)
    session.flush()
    return cleaned


# --- exclusions -------------------------------------------------------------------------------
def exclusions(session: Session, round_: Round) -> list[PrizeExclusion]:
    return list(session.scalars(
        select(PrizeExclusion).where(PrizeExclusion.round_id == round_.id).order_by(PrizeExclusion.created_at)
    ))


def exclude(session: Session, round_: Round, *, reason: str, user_id: int | None = None,
            unit_id: int | None = None, actor_id: int | None = None, ip: str | None = None) -> PrizeExclusion:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Hãy ghi lý do loại khỏi danh sách giải."), field="reason")
    if (user_id is None) == (unit_id is None):
        raise ValidationFailed(_("Chọn một người dự thi hoặc một đơn vị."))
    target = session.get(User, user_id) if user_id is not None else session.get(Unit, unit_id)
    if target is None:
        raise NotFound(_("Không tìm thấy người dự thi hoặc đơn vị này."))
    exclusion = PrizeExclusion(round_id=round_.id, user_id=user_id, unit_id=unit_id, reason=reason[:2000],
                               excluded_by_id=actor_id)
    try:
        with session.begin_nested():
            session.add(exclusion)
            session.flush()
    except IntegrityError:
        raise Conflict(_("Đã loại người/đơn vị này khỏi danh sách giải của đợt thi.")) from None
    audit.record(session, "prize.exclude", user_id=actor_id, target=f"round:{round_.id}",
                 details={"user_id": user_id, "unit_id": unit_id, "reason": exclusion.reason}, ip=ip)
    return exclusion


def reinstate(session: Session, round_: Round, exclusion_id: int, *, actor_id: int | None = None,
              ip: str | None = None) -> None:
    exclusion = session.get(PrizeExclusion, exclusion_id)
    if exclusion is None or exclusion.round_id != round_.id:
        raise NotFound(_("Không tìm thấy quyết định loại này."))
    audit.record(session, "prize.reinstate", user_id=actor_id, target=f"round:{round_.id}",
                 details={"user_id": exclusion.user_id, "unit_id": exclusion.unit_id, "reason": exclusion.reason}, ip=ip)
    session.delete(exclusion)
    session.flush()


# --- allocation -------------------------------------------------------------------------------
def _slots(counts: dict[str, int]) -> list[str]:
    return [prize for prize in PRIZES for _ in range(counts.get(prize, 0))]


def allocate_individuals(session: Session, round_: Round) -> list[Award]:
    slots = _slots(quotas(session, round_, "individual"))
    if not slots:
        return []
    excluded = {e.user_id for e in exclusions(session, round_) if e.user_id is not None}
    awards = []
    entries = ranking.iter_round_ranking(session, round_, batch=max(100, len(slots) * 2))
    try:
        for entry in entries:
            if len(awards) == len(slots):
                break
            if entry.user_id not in excluded:
                awards.append(Award(slots[len(awards)], entry))
    finally:
        entries.close()
    return awards


def review_individuals(session: Session, round_: Round) -> list[Award]:
    """The proposed individual prizes with their implausible-attempt flags, for the judges' review."""
    awards = allocate_individuals(session, round_)
    if awards:
        flags.annotate(session, round_, [award.entry for award in awards],
                       fingerprint=rank_order.standing(session, round_).fingerprint)
    return awards


def allocate_units(session: Session, round_: Round, entries=None) -> list[Award]:
    slots = _slots(quotas(session, round_, "unit"))
    if not slots:
        return []
    excluded = {e.unit_id for e in exclusions(session, round_) if e.unit_id is not None}
    entries = entries if entries is not None else unit_ranking.round_units(session, round_)
    awards = []
    for members in unit_ranking.ranked_groups(entries).values():
        given = 0
        for entry in members:
            if given == len(slots) or entry.rank is None:
                break
            if entry.unit_id not in excluded:
                awards.append(Award(slots[given], entry))
                given += 1
    return awards
