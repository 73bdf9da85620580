"""One page of a longer list: the one type every listing returns and the pager macro reads."""
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")


def page_count(total: int, size: int) -> int:
    """Pages needed for `total` items, at least one (an empty list still has its first page)."""
    return max(1, -(-total // size))


def clamp(number: int, total: int, size: int) -> int:
    """The page asked for, within 1…page_count: a stale link past the end shows the last page."""
    return max(1, min(number, page_count(total, size)))


@dataclass
class Page(Generic[Item]):
    entries: list[Item]
    total: int
    number: int  # 1-based
    size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages
