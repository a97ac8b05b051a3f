"""The state store: every piece of provider state goes through it.

Providers see only this interface: values are JSON documents, expiry is an
absolute instant on the virtual clock, and the few operations that must be
atomic (increment-and-check, compare-and-set) are single calls. A store shared
by several worker processes (SQLite, `sqlite_store`), or by several machines
(Redis, `redis_store`), implements the same interface, so provider code never
changes. `open_store(url, clock)` picks one by URL:

- `memory` (the default): this process only, the fastest;
- `sqlite:///PATH`: worker processes on one machine, no server;
- `redis://HOST:PORT/DB`: instances on several machines sharing one Redis.

A shared store also keeps the clock's state and the journal, so every worker
sees the same time, requests and fault rules. When a shared store cannot be
reached, its operations raise StoreUnavailable, which the app answers with
each provider's documented system error.

Everything a store keeps is bounded by count as well as by time: records that
pile up with load (tokens replaced or expired, kept for the audit) go into a
ring (`set_in_ring`), which deletes the oldest once it holds `size`.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from itertools import takewhile
from typing import Any, ClassVar

from sortedcontainers import SortedDict

from .clock import Clock
from .journal import JOURNAL_BYTES, Journal

#: A JSON document: what a store holds.
Value = Any


class StoreUnavailable(Exception):
    """The shared store cannot be reached (Redis down, a database that cannot be written)."""


class Store(ABC):
    """Key/value state with virtual-clock expiry and atomic updates."""

    #: True when other processes see the same state (the clock and journal then live here too).
    shared: ClassVar[bool] = False
    #: What `open_store` was given, for messages.
    url: str = "memory"
    #: Tokens no longer current (replaced or expired) each provider keeps for the audit
    #: (`[server] token_trace`); older ones are forgotten and read as unknown.
    token_trace: int = 10_000

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def journal(self, size: int, max_bytes: int = JOURNAL_BYTES) -> Journal:
        """The request journal kept beside this store's state (in memory for a store that is not shared)."""
        return Journal(size, max_bytes)

    def ping(self) -> None:
        """Raise StoreUnavailable if the store cannot be reached (a store in memory always can)."""
        return None

    def close(self) -> None:
        """Let go of connections and files (a store in memory holds none)."""
        return None

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Run a group of operations with no other writer between them.

        A token fetch counts, writes the token and overwrites the old one in one
        group: another worker sees all of it or none. It nests, and a group that
        raises keeps what it wrote. Redis runs each operation atomically on its
        own, so there this groups nothing.
        """
        yield

    @abstractmethod
    def get(self, key: str) -> Value | None:
        """The value, or None when absent or expired."""

    @abstractmethod
    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        """Write a value, to expire at `expires_at` (virtual epoch seconds)."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove a key; True if it was there."""

    @abstractmethod
    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        """Add one and return the new count, or None (and change nothing) past `limit`.

        `expires_at` applies when the counter is created.
        """

    @abstractmethod
    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        """Write `new` only if the current value equals `expected` (None: absent)."""

    @abstractmethod
    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        """Live entries whose key starts with `prefix`, in key order."""

    @abstractmethod
    def clear(self) -> None:
        """Drop everything."""

    def set_in_ring(
        self, ring: str, key: str, value: Value, *, size: int, expires_at: float | None = None
    ) -> None:
        """Write `key` as the newest of the `size` keys the ring `ring` keeps: the key written
        into the ring `size` writes before is deleted.

        So records that pile up with load stay bounded by count, not only by their expiry.
        The ring is plain keys (`<ring>:next`, a counter, and `<ring>:<slot>`, the key a slot
        holds, expiring with it), so a scan or a reset of the prefix takes it along. Each key
        goes into a ring once.
        """
        with self.atomic():
            count = self.incr(f"{ring}:next") or 0
            slot = f"{ring}:{count % size}"
            evicted = self.get(slot)
            if evicted is not None and evicted != key:
                self.delete(evicted)
            self.set(slot, key, expires_at=expires_at)
            self.set(key, value, expires_at=expires_at)

    def newest_in_ring(
        self, ring: str, *, size: int, limit: int | None = None
    ) -> Iterator[tuple[str, Value]]:
        """The live keys of the ring `ring` and their values, newest first, from its `limit` newest
        slots (all `size` without one): a look at the newest reads those, not the whole ring."""
        count = self.get(f"{ring}:next")
        if not isinstance(count, int):
            return
        for written in range(count, max(count - min(size, size if limit is None else limit), 0), -1):
            key = self.get(f"{ring}:{written % size}")
            if isinstance(key, str) and (value := self.get(key)) is not None:
                yield key, value


class MemoryStore(Store):
    """One process's store: a dict in key order behind a lock, so a scan reads only its prefix.

    Values are kept JSON-encoded, as Redis would keep them, so a model that
    mutates what it read without writing it back fails here too.
    """

    SWEEP_EVERY = 1024

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._lock = threading.RLock()
        self._data: SortedDict[str, tuple[str, float | None]] = SortedDict()
        #: (expires_at, key) of every expiry written, soonest first: the sweep reads only what is due.
        self._expiries: list[tuple[float, str]] = []
        self._writes = 0

    def _write(self, key: str, raw: str, expires_at: float | None) -> None:
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

    def _live(self, key: str) -> str | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        raw, expires_at = entry
        if expires_at is not None and expires_at <= self.clock.time():
            del self._data[key]
            return None
        return raw

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            yield

    def get(self, key: str) -> Value | None:
        with self._lock:
            raw = self._live(key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        raw = json.dumps(value)
        with self._lock:
            self._write(key, raw, expires_at)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._live(key) is not None and self._data.pop(key, None) is not None

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        with self._lock:
            raw = self._live(key)
            count = 0 if raw is None else int(json.loads(raw))
            if limit is not None and count >= limit:
                return None
            keep = expires_at if raw is None else self._data[key][1]
            self._write(key, json.dumps(count + 1), keep)
            return count + 1

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        raw_new = json.dumps(new)
        with self._lock:
            raw = self._live(key)
            current = None if raw is None else json.loads(raw)
            if current != expected:
                return False
            self._write(key, raw_new, expires_at)
            return True

    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        with self._lock:
            keys = list(takewhile(lambda k: k.startswith(prefix), self._data.irange(minimum=prefix)))
            found = [(k, raw) for k in keys if (raw := self._live(k)) is not None]
        for key, raw in found:
            yield key, json.loads(raw)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._expiries.clear()


class IfAbsent(Store):
    """A view of a store whose `set` writes only where the key is absent (or expired).

    Seeding a shared store that lost its state runs through it: several apps may seed at
    once, and none overwrites what another (or an admin call) wrote meanwhile.
    """

    def __init__(self, store: Store) -> None:
        super().__init__(store.clock)
        self.inner = store
        self.token_trace = store.token_trace

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        with self.inner.atomic():
            yield

    def get(self, key: str) -> Value | None:
        return self.inner.get(key)

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        self.inner.compare_and_set(key, None, value, expires_at=expires_at)

    def delete(self, key: str) -> bool:
        return self.inner.delete(key)

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        return self.inner.incr(key, limit=limit, expires_at=expires_at)

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        return self.inner.compare_and_set(key, expected, new, expires_at=expires_at)

    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        return self.inner.scan(prefix)

    def clear(self) -> None:
        self.inner.clear()


def open_store(url: str | None, clock: Clock) -> Store:
    """The store a URL names: `memory`, `sqlite:///PATH` or `redis://HOST:PORT/DB`.

    A ValueError says what is wrong with the URL.
    """
    if url in (None, "", "memory", "memory://"):
        return MemoryStore(clock)
    assert url is not None
    if url.startswith("sqlite://"):
        from .sqlite_store import SqliteStore

        path = url.removeprefix("sqlite://")
        if not path.startswith("/") or path == "/":
            raise ValueError(f"store {url!r}: give an absolute file path, e.g. sqlite:///tmp/mocks.db")
        return SqliteStore(path, clock)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore

        return RedisStore(url, clock)
    raise ValueError(f"store {url!r}: give memory, sqlite:///PATH or redis://HOST:PORT/DB")
