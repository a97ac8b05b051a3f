"""The state store: every piece of provider state goes through it.

Providers see only this interface: values are JSON documents, expiry is an
absolute instant on the virtual clock, and the few operations that must be
atomic (increment-and-check, compare-and-set) are single calls. A store shared
by several worker processes, or one on Redis, implements the same interface,
so provider code never changes.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from .clock import Clock

#: A JSON document: what a store holds.
Value = Any


class Store(ABC):
    """Key/value state with virtual-clock expiry and atomic updates."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

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


class MemoryStore(Store):
    """One process's store: a dict behind a lock.

    Values are kept JSON-encoded, as Redis would keep them, so a model that
    mutates what it read without writing it back fails here too.
    """

    SWEEP_EVERY = 1024

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._lock = threading.Lock()
        self._data: dict[str, tuple[str, float | None]] = {}
        self._writes = 0

    def _write(self, key: str, raw: str, expires_at: float | None) -> None:
        """Store an entry; every so often drop the expired ones nobody read."""
        self._data[key] = (raw, expires_at)
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = self.clock.time()
            for stale in [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]:
                del self._data[stale]

    def _live(self, key: str) -> str | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        raw, expires_at = entry
        if expires_at is not None and expires_at <= self.clock.time():
            del self._data[key]
            return None
        return raw

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
            keys = sorted(k for k in self._data if k.startswith(prefix))
            found = [(k, raw) for k in keys if (raw := self._live(k)) is not None]
        for key, raw in found:
            yield key, json.loads(raw)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
