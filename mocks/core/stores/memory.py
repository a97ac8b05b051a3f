"""The store of one process: the default, and the fastest."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator
from itertools import takewhile
from typing import TYPE_CHECKING

from sortedcontainers import SortedDict

from ..jsonio import pack, unpack
from .base import Store, Value

if TYPE_CHECKING:
    from ..clock import Clock


class MemoryStore(Store):
    """One process's store: a dict in key order behind a lock, so a scan reads only its prefix.

    Values are kept JSON-encoded (`jsonio.pack`), as Redis would keep them, so a model that
    mutates what it read without writing it back fails here too.
    """

    schemes = ("memory",)
    SWEEP_EVERY = 1024

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> Store:
        """`memory://`: a store in memory has no address."""
        return cls(clock) if url == "memory://" else super().from_url(url, clock)

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._lock = threading.RLock()
        self._data: SortedDict[str, tuple[bytes | str, float | None]] = SortedDict()
        #: (expires_at, key) of every expiry written, soonest first: the sweep reads only what is due.
        self._expiries: list[tuple[float, str]] = []
        self._writes = 0

    def _write(self, key: str, raw: bytes | str, expires_at: float | None) -> None:
        """Store an entry; every so often drop the expired ones nobody read."""
        previous = self._data.get(key)
        self._data[key] = (raw, expires_at)
        if expires_at is not None and (previous is None or previous[1] != expires_at):
            heapq.heappush(self._expiries, (expires_at, key))
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            self._sweep()

    def _compact(self) -> None:
        """Rebuild the expiry heap from the live entries: a key rewritten with a new expiry
        at every fetch (an app's current token) leaves one stale heap entry per write."""
        self._expiries = [(at, key) for key, (_, at) in self._data.items() if at is not None]
        heapq.heapify(self._expiries)

    def _sweep(self) -> None:
        """Drop the entries whose expiry has come (a key written since with another expiry stays)."""
        now, due = self.clock.time(), self._expiries
        while due and due[0][0] <= now:
            expires_at, key = heapq.heappop(due)
            entry = self._data.get(key)
            if entry is not None and entry[1] == expires_at:
                del self._data[key]
        if len(due) > 2 * len(self._data) + self.SWEEP_EVERY:
            self._compact()

    def _live(self, key: str) -> bytes | str | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        raw, expires_at = entry
        if expires_at is not None and expires_at <= self.clock.time():
            del self._data[key]
            return None
        return raw

    def atomic(self) -> threading.RLock:  # type: ignore[override]  # the lock is its own context
        return self._lock

    def get(self, key: str) -> Value | None:
        with self._lock:
            raw = self._live(key)
        return None if raw is None else unpack(raw)

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        raw = pack(value)
        with self._lock:
            self._write(key, raw, expires_at)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._live(key) is not None and self._data.pop(key, None) is not None

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        with self._lock:
            raw = self._live(key)
            count = 0 if raw is None else int(unpack(raw))
            if limit is not None and count >= limit:
                return None
            keep = expires_at if raw is None else self._data[key][1]
            self._write(key, pack(count + 1), keep)
            return count + 1

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        raw_new = pack(new)
        with self._lock:
            raw = self._live(key)
            current = None if raw is None else unpack(raw)
            if current != expected:
                return False
            self._write(key, raw_new, expires_at)
            return True

    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        with self._lock:
            keys = list(takewhile(lambda k: k.startswith(prefix), self._data.irange(minimum=prefix)))
            found = [(k, raw) for k in keys if (raw := self._live(k)) is not None]
        for key, raw in found:
            yield key, unpack(raw)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._expiries.clear()
