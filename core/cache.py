"""A per-process cache with a bound: every cache of the application is one of these or a
functools.lru_cache with a maxsize, so none grows with the traffic (tests/contest/test_caches.py).

Least recently used entries go first once `size` is reached; with `ttl` (seconds) an entry is
also forgotten that long after it was stored. Thread-safe: gunicorn's threads share a process.
What each cache holds, and why it is never wrong, is in docs/deploy.md ("Caches").
"""
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_MISSING = object()


class BoundedCache:
    def __init__(self, size: int, *, ttl: float | None = None):
        if size < 1:
            raise ValueError("a cache holds at least one entry")
        self.size, self.ttl = size, ttl
        self._lock = threading.Lock()
        self._entries: "OrderedDict[Hashable, tuple[float, Any]]" = OrderedDict()

    def get(self, key: Hashable, default=None):
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key, _MISSING)
            if entry is _MISSING:
                return default
            if entry[0] <= now:
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value) -> None:
        expires = time.monotonic() + self.ttl if self.ttl is not None else float("inf")
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
