"""The unit tree's few walks, written once: up (lineage), down (subtree), and tree order.

The walks take the tree as a `parents` map (unit id → parent id) read in one query, or as rows
already loaded, so no caller walks it one query per level. Every walk stops at a unit it has
seen: the schema refuses only a unit that is its own parent, and a deeper cycle (refused by the
importer and the edit form) must never hang a page.
"""
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Unit

Row = TypeVar("Row")
Key = TypeVar("Key")


def parents(session: Session) -> dict[int, int | None]:
    """Unit id → parent id for the whole tree, in one query."""
    return dict(session.execute(select(Unit.id, Unit.parent_id)).tuples().all())


def lineage(parents: dict[int, int | None], unit_id: int | None) -> Iterator[int]:
    """The unit and every unit above it, nearest first (unknown ids end the walk)."""
    seen = set()
    while unit_id is not None and unit_id in parents and unit_id not in seen:
        seen.add(unit_id)
        yield unit_id
        unit_id = parents[unit_id]


def subtree(parents: dict[int, int | None], unit_id: int) -> set[int]:
    """The unit and every unit under it."""
    below: dict[int | None, list[int]] = {}
    for child, parent in parents.items():
        below.setdefault(parent, []).append(child)
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(below.get(current, []))
    return found


def subtree_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit under it, from one query."""
    return subtree(parents(session), unit_id)


def ancestor_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit above it in one recursive query, whatever the depth.

    For the start of an attempt, which must not read the whole tree nor one row per level.
    UNION (not UNION ALL) drops rows already found, so a cycle ends the recursion on both engines.
    """
    up = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("up", recursive=True)
    up = up.union(select(Unit.id, Unit.parent_id).join(up, Unit.id == up.c.parent_id))
    return set(session.scalars(select(up.c.id)))


def children(rows: Iterable[Row], *, key: Callable[[Row], int] = lambda row: row.id,
             parent: Callable[[Row], int | None] = lambda row: row.parent_id) -> dict[int | None, list[Row]]:
    """Parent id → its rows in the order given; rows whose parent is not among them are roots (None)."""
    rows = list(rows)
    known = {key(row) for row in rows}
    found: dict[int | None, list[Row]] = {None: []}
    for row in rows:
        found.setdefault(parent(row) if parent(row) in known else None, []).append(row)
    return found


def tree_order(rows: Iterable[Row], *, key: Callable[[Row], int] = lambda row: row.id,
               parent: Callable[[Row], int | None] = lambda row: row.parent_id) -> list[tuple[Row, int]]:
    """(row, depth): parents before their sub-units, siblings in the order given (callers pass code order)."""
    below = children(rows, key=key, parent=parent)
    ordered, seen = [], set()
    todo = [(row, 0) for row in reversed(below[None])]
    while todo:
        row, depth = todo.pop()
        if key(row) in seen:
            continue
        seen.add(key(row))
        ordered.append((row, depth))
        todo.extend((child, depth + 1) for child in reversed(below.get(key(row), [])))
    return ordered


def cycles(parents: dict[Key, Key | None], starts: Iterable[Key]) -> list[list[Key]]:
    """Every loop reachable by walking up from `starts`, each as [A, B, …] (A's parent is B…).

    For an import that checks a file's parents (by code) before storing them; one pass, each unit walked once.
    """
    state: dict[Key, str] = {}
    found = []
    for start in starts:
        path, node = [], start
        while node is not None and node not in state:
            state[node] = "walking"
            path.append(node)
            node = parents.get(node)
        if node is not None and state[node] == "walking":
            found.append(path[path.index(node):])
        for code in path:
            state[code] = "done"
    return found
