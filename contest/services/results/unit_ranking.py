"""Unit rankings (SPEC §6): participation against headcount, scores, rolled up the unit tree.

Per unit: participants (distinct people with a finished attempt), headcount, participation
rate, mean score, perfect scores. A unit's figures include its sub-units' (its own headcount is
its own staff, so the roll-up adds the sub-units' headcounts too). Units are ranked within their
group (khối thi); a unit with no group, no headcount, or a rate below the contest's minimum is
listed but not ranked. The ordering value is the contest's formula: the participation rate, the
mean score (as a share of the points), or a weighted sum of the two.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from contest.models import Contest, Round, Unit, User
from contest.services import unit_tree
from contest.services.results import ranking


@dataclass
class UnitEntry:
    unit_id: int
    code: str
    name: str
    group: str | None
    parent_id: int | None
    depth: int = 0
    participants: int = 0
    headcount: int = 0
    score_sum: int = 0
    max_sum: int = 0
    perfect: int = 0
    rank: int | None = None
    note: str = ""  # why a listed unit is not ranked
    own_headcount: int = 0
    value: float | None = None

    @property
    def rate(self) -> float | None:
        return self.participants / self.headcount if self.headcount else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.participants if self.participants else None

    @property
    def score_share(self) -> float:
        return self.score_sum / self.max_sum if self.max_sum else 0.0

    @property
    def ranked(self) -> bool:
        return self.rank is not None


def round_units(session: Session, round_: Round) -> list[UnitEntry]:
    counted = ranking.counted_attempts(round_)
    return _rank(session, round_.contest, counted)


def contest_units(session: Session, contest: Contest) -> list[UnitEntry]:
    return _rank(session, contest, ranking.ranked_contest(session, contest).subquery("people"))


def _rank(session: Session, contest: Contest, people) -> list[UnitEntry]:
    """`people`: a subquery with one row per person (user_id, score, max_score)."""
    entries = _tree(session)
    perfect = case(((people.c.score == people.c.max_score) & (people.c.max_score > 0), 1), else_=0)
    direct = session.execute(
        select(
            User.unit_id,
            func.count(),
            func.coalesce(func.sum(people.c.score), 0),
            func.coalesce(func.sum(people.c.max_score), 0),
            func.coalesce(func.sum(perfect), 0),
        )
        .join(User, User.id == people.c.user_id)
        .where(User.unit_id.is_not(None), *_confirmed_only(contest))
        .group_by(User.unit_id)
    )
    parents = {entry.unit_id: entry.parent_id for entry in entries.values()}
    for unit_id, participants, score_sum, max_sum, perfect_count in direct:
        for entry in (entries[i] for i in unit_tree.lineage(parents, unit_id)):
            entry.participants += participants
            entry.score_sum += int(score_sum)
            entry.max_sum += int(max_sum)
            entry.perfect += int(perfect_count)
    for entry in entries.values():
        for ancestor_id in unit_tree.lineage(parents, entry.parent_id):
            entries[ancestor_id].headcount += entry.own_headcount
    _assign_ranks(contest, entries.values())
    return _tree_order(entries)


def _confirmed_only(contest: Contest) -> tuple:
    # A self-declared unit counts once an organizer confirms it (issue 14: a farm of accounts
    # declaring one unit lifted its participation rate), unless the contest trusts declarations.
    return () if contest.trust_declared_units else (User.unit_unconfirmed.is_(False),)


def _tree(session: Session) -> dict[int, UnitEntry]:
    return {
        unit.id: UnitEntry(unit.id, unit.code, unit.name, unit.group, unit.parent_id,
                           headcount=unit.headcount, own_headcount=unit.headcount)
        for unit in session.scalars(select(Unit).order_by(Unit.code))
    }


def formula_value(contest: Contest, entry: UnitEntry) -> float:
    rate = entry.rate or 0.0
    if contest.unit_formula == "mean":
        return entry.score_share
    if contest.unit_formula == "weighted":
        weight = contest.unit_rate_weight_percent / 100
        return weight * rate + (1 - weight) * entry.score_share
    return rate


def _assign_ranks(contest: Contest, entries) -> None:
    groups: dict[str, list[UnitEntry]] = {}
    for entry in entries:
        entry.value = formula_value(contest, entry)
        if not entry.group:
            entry.note = _("Không thuộc khối thi nào")
        elif not entry.headcount:
            entry.note = _("Chưa khai báo biên chế")
        elif entry.rate * 100 < contest.min_participation_percent:
            entry.note = _("Tỷ lệ tham gia dưới %(percent)s%%", percent=contest.min_participation_percent)
        else:
            groups.setdefault(entry.group, []).append(entry)
    for members in groups.values():
        members.sort(key=lambda e: (-e.value, -e.rate, -e.score_share, -e.perfect, e.code))
        for rank, entry in enumerate(members, start=1):
            entry.rank = rank


def _tree_order(entries: dict[int, UnitEntry]) -> list[UnitEntry]:
    """Parents before their sub-units, siblings by code (entries come in code order); depth for indentation."""
    ordered = unit_tree.tree_order(entries.values(), key=lambda e: e.unit_id)
    for entry, depth in ordered:
        entry.depth = depth
    return [entry for entry, _depth in ordered]


def ranked_groups(entries: list[UnitEntry]) -> dict[str, list[UnitEntry]]:
    """Each group's ranked units in rank order, then its listed-only units."""
    groups: dict[str, list[UnitEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.rank is None, e.rank or 0, e.code)):
        groups.setdefault(entry.group or "", []).append(entry)
    return groups
