"""The unit tree for organizer pages: listing it, creating and editing (moving) a unit."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contest.errors import Conflict, NotFound, ValidationFailed
from contest.models import Unit, User
from contest.services import unit_tree
from contest.services.people.unit_import import MAX_CODE, MAX_GROUP, MAX_HEADCOUNT, MAX_NAME
from core.text import clean_text


@dataclass
class UnitNode:
    unit: Unit
    participants: int = 0
    children: list["UnitNode"] = field(default_factory=list)

    @property
    def total_headcount(self) -> int:
        """The unit's headcount plus its sub-units' (how unit rankings roll up)."""
        return self.unit.headcount + sum(child.total_headcount for child in self.children)

    @property
    def total_participants(self) -> int:
        return self.participants + sum(child.total_participants for child in self.children)


def tree(session: Session) -> list[UnitNode]:
    """Roots, each with its children, ordered by code; participant accounts counted per unit."""
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    counts = dict(session.execute(
        select(User.unit_id, func.count()).where(User.role == "participant", User.unit_id.is_not(None))
        .group_by(User.unit_id)
    ).tuples().all())
    nodes = {unit.id: UnitNode(unit, counts.get(unit.id, 0)) for unit in units}
    below = unit_tree.children(units)
    for parent_id, members in below.items():
        if parent_id is not None:
            nodes[parent_id].children = [nodes[unit.id] for unit in members]
    return [nodes[unit.id] for unit in below[None]]


def choices(session: Session) -> list[tuple[int, str]]:
    """(id, "CODE — name") for select boxes, in code order."""
    return [(unit_id, f"{code} — {name}") for unit_id, code, name in
            session.execute(select(Unit.id, Unit.code, Unit.name).order_by(Unit.code))]


def save_unit(session: Session, unit: Unit | None, *, code: str, name: str, parent_id: int | None,
              headcount: int, group: str | None) -> Unit:
    """Creates (unit None) or edits a unit; a move under itself or a sub-unit is refused."""
    code, name, group = clean_text(code), clean_text(name), clean_text(group) or None
    if not code or len(code) > MAX_CODE:
        raise ValidationFailed(_("Mã đơn vị phải có từ 1 đến %(n)d ký tự.", n=MAX_CODE), field="code")
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(_("Tên đơn vị phải có từ 1 đến %(n)d ký tự.", n=MAX_NAME), field="name")
    if not 0 <= headcount <= MAX_HEADCOUNT:
        raise ValidationFailed(_("Biên chế phải từ 0 đến %(n)d.", n=MAX_HEADCOUNT), field="headcount")
    if group and len(group) > MAX_GROUP:
        raise ValidationFailed(_("Tên khối dài tối đa %(n)d ký tự.", n=MAX_GROUP), field="group")
    if parent_id is not None:
        parents = unit_tree.parents(session)
        if parent_id not in parents:
            raise NotFound(_("Không có đơn vị cấp trên đã chọn."), field="parent")
        if unit is not None and unit.id is not None and unit.id in unit_tree.lineage(parents, parent_id):
            raise ValidationFailed(_("Không thể chuyển đơn vị vào chính nó hoặc một đơn vị cấp dưới của nó "
                                     "(sẽ tạo vòng lặp)."), field="parent")
    taken = session.scalar(select(Unit.id).where(Unit.code == code))
    if taken is not None and (unit is None or taken != unit.id):
        raise Conflict(_("Mã đơn vị “%(code)s” đã được dùng.", code=code), field="code")
    if unit is None:
        unit = Unit(code=code)
    unit.code, unit.name, unit.parent_id, unit.headcount, unit.group = code, name, parent_id, headcount, group
    try:
        with session.begin_nested():  # a code taken meanwhile is the database's answer
            session.add(unit)
    except IntegrityError:
        raise Conflict(_("Mã đơn vị “%(code)s” đã được dùng.", code=code), field="code") from None
    return unit
