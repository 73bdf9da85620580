"""Importing the unit tree from .xlsx/.csv (SPEC §3 `import-units`): all or nothing.

A row names a unit by code; an existing code is updated, a new one created. The parent may
come later in the file or already exist. A blank headcount or group keeps what is stored (0 and
none for a new unit); a blank parent, when the file has that column, makes the unit a root.
Every problem is reported with its row; with any error nothing is stored.
"""
import re
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Unit
from contest.services import unit_tree
from contest.services.people.import_common import Columns, ImportReport, data_rows, get
from core.numbers import parse_int
from core.text import clean_text

MAX_CODE, MAX_NAME, MAX_GROUP = 50, 300, 100
MAX_HEADCOUNT = 1_000_000

COLUMNS = Columns(
    names={
        "code": ("ma don vi", "ma dv", "ma", "code", "unit code"),
        "name": ("ten don vi", "ten dv", "ten", "name", "unit name"),
        "parent": ("ma don vi cap tren", "don vi cap tren", "ma cap tren", "cap tren", "ma don vi cha", "don vi cha",
                   "ma don vi quan ly", "don vi quan ly", "truc thuoc", "parent", "parent code"),
        "headcount": ("bien che", "so bien che", "tong so cbccvc", "so cbccvc", "tong bien che", "so luong bien che",
                      "tong so can bo cong chuc vien chuc", "headcount"),
        "group": ("khoi", "khoi thi", "nhom", "nhom don vi", "group"),
    },
    labels={"code": _l("Mã đơn vị"), "name": _l("Tên đơn vị"), "parent": _l("Mã đơn vị cấp trên"),
            "headcount": _l("Biên chế"), "group": _l("Khối")},
    required=("code", "name"),
)
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")  # "1.200" as Vietnamese writes 1200


@dataclass
class UnitRow:
    where: str
    code: str
    name: str
    parent: str | None  # None: the file has no parent column (keep); "": a root
    headcount: int | None  # None: blank (keep; 0 for a new unit)
    group: str | None  # None: blank (keep)
    status: str = ""  # "new", "updated" or "unchanged" once planned


def import_units(session: Session, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Parses, checks and (unless dry_run or any error) stores; the caller commits."""
    report = ImportReport()
    rows = _parse(data, report)
    existing = {unit.code: unit for unit in session.scalars(select(Unit))}
    _check_parents(rows, existing, report)
    report.sort_problems()
    report.rows = rows
    if report.errors:
        return report
    parent_of = stored_parents(existing)
    for row in rows:
        row.status = _status(row, existing.get(row.code), parent_of)
    report.imported = sum(row.status == "new" for row in rows)
    report.updated = sum(row.status == "updated" for row in rows)
    if not dry_run:
        _store(session, rows, existing)
    return report


def stored_parents(existing: dict[str, Unit]) -> dict[str, str | None]:
    """Code → parent code, from units already loaded (no lazy load per unit)."""
    codes = {unit.id: code for code, unit in existing.items()}
    return {code: codes.get(unit.parent_id) for code, unit in existing.items()}


def _parse(data: bytes, report: ImportReport) -> list[UnitRow]:
    rows: list[UnitRow] = []
    seen: dict[str, str] = {}  # code → where it first appeared
    for where, cells, layout in data_rows(data, COLUMNS, report, _("Tệp có dòng tiêu đề nhưng không có đơn vị nào.")):
        code = clean_text(get(cells, layout, "code"))
        name = clean_text(get(cells, layout, "name"))
        parent = clean_text(get(cells, layout, "parent")) if "parent" in layout.columns else None
        group = clean_text(get(cells, layout, "group")) or None
        if not code:
            report.error(where, _("Thiếu mã đơn vị."))
        elif len(code) > MAX_CODE:
            report.error(where, _("Mã đơn vị dài quá %(n)d ký tự.", n=MAX_CODE))
        elif code in seen:
            report.error(where, _("Mã đơn vị “%(code)s” bị lặp: đã có ở %(place)s.", code=code, place=seen[code]))
        if not name:
            report.error(where, _("Thiếu tên đơn vị."))
        elif len(name) > MAX_NAME:
            report.error(where, _("Tên đơn vị dài quá %(n)d ký tự.", n=MAX_NAME))
        if group and len(group) > MAX_GROUP:
            report.error(where, _("Tên khối dài quá %(n)d ký tự.", n=MAX_GROUP))
        headcount = _headcount(get(cells, layout, "headcount"), where, report)
        if code and len(code) <= MAX_CODE and code not in seen:  # other problems do not hide its parent's
            seen[code] = where
            rows.append(UnitRow(where, code, name, parent, headcount, group))
    return rows


def _headcount(text: str, where: str, report: ImportReport) -> int | None:
    text = clean_text(text)
    if not text:
        return None
    digits = text.replace(" ", "")
    if _THOUSANDS.fullmatch(digits):
        digits = re.sub(r"[.,]", "", digits)
    value = parse_int(digits, 0, 10**18)
    if value is None:
        report.error(where, _("Biên chế “%(value)s” phải là số nguyên không âm (ví dụ 45).", value=text))
        return None
    if value > MAX_HEADCOUNT:
        largest = format(MAX_HEADCOUNT, ",").replace(",", ".")
        report.error(where, _("Biên chế %(value)s quá lớn (tối đa %(max)s).", value=text.replace(",", "."),
                              max=largest))
        return None
    return value


def _check_parents(rows: list[UnitRow], existing: dict[str, Unit], report: ImportReport) -> None:
    in_file = {row.code: row for row in rows}
    parent_of = stored_parents(existing)
    folded = {code.casefold(): code for code in [*existing, *in_file]}
    names = {clean_text(unit.name).casefold(): code for code, unit in existing.items()}
    names.update({row.name.casefold(): row.code for row in rows})
    for row in rows:
        if row.parent is None:
            continue
        if not row.parent:
            parent_of[row.code] = None
        elif row.parent == row.code:
            report.error(row.where, _("Đơn vị “%(code)s” không thể là cấp trên của chính nó.", code=row.code))
        elif row.parent in in_file or row.parent in existing:
            parent_of[row.code] = row.parent
        else:
            report.error(row.where, _unknown_parent(row.parent, folded, names))
    order = {row.code: index for index, row in enumerate(rows)}
    for cycle in unit_tree.cycles(parent_of, [row.code for row in rows]):
        places = sorted((in_file[code] for code in cycle if code in in_file), key=lambda row: order[row.code])
        first = places[0]
        start = cycle.index(first.code)
        path = cycle[start:] + cycle[:start] + [first.code]
        others = "; ".join(row.where for row in places if row is not first)
        loop = " → ".join(path)
        if others:
            message = _("Vòng lặp đơn vị cấp trên: %(loop)s (cùng với %(others)s); một đơn vị không thể là cấp "
                        "trên của đơn vị cấp trên của nó.", loop=loop, others=others)
        else:
            message = _("Vòng lặp đơn vị cấp trên: %(loop)s; một đơn vị không thể là cấp trên của đơn vị cấp "
                        "trên của nó.", loop=loop)
        report.error(first.where, message)


def _unknown_parent(parent: str, folded: dict[str, str], names: dict[str, str]) -> str:
    if parent.casefold() in folded:
        return _("Đơn vị cấp trên “%(parent)s” không có trong tệp và chưa có trong hệ thống (có mã “%(code)s”: "
                 "mã phân biệt chữ hoa, chữ thường).", parent=parent, code=folded[parent.casefold()])
    if parent.casefold() in names:
        return _("Đơn vị cấp trên “%(parent)s” không có trong tệp và chưa có trong hệ thống; cột cấp trên ghi mã "
                 "đơn vị (ví dụ “%(code)s”), không ghi tên.", parent=parent, code=names[parent.casefold()])
    return _("Đơn vị cấp trên “%(parent)s” không có trong tệp và chưa có trong hệ thống.", parent=parent)


def _status(row: UnitRow, unit: Unit | None, parent_of: dict[str, str | None]) -> str:
    if unit is None:
        return "new"
    same = (
        unit.name == row.name
        and (row.parent is None or row.parent == (parent_of[unit.code] or ""))
        and (row.headcount is None or row.headcount == unit.headcount)
        and (row.group is None or row.group == unit.group)
    )
    return "unchanged" if same else "updated"


def _store(session: Session, rows: list[UnitRow], existing: dict[str, Unit]) -> None:
    units = dict(existing)
    for row in rows:
        if row.status == "new":
            units[row.code] = Unit(code=row.code, name=row.name, headcount=0)
            session.add(units[row.code])
    session.flush()  # ids for the new units; parents are set by id below
    for row in rows:
        unit = units[row.code]
        unit.name = row.name
        if row.headcount is not None:
            unit.headcount = row.headcount
        if row.group is not None:
            unit.group = row.group
        if row.parent is not None:
            unit.parent_id = units[row.parent].id if row.parent else None
    session.flush()
