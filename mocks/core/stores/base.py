"""The interface every store implements, and what is written once for all of them.

Providers see only this interface: values are JSON documents, expiry is an
absolute instant on the virtual clock, and the few operations that must be
atomic (increment-and-check, compare-and-set) are single calls. A
read-modify-write (`update`) is built here on compare-and-set, so its retry
loop is written once.

Everything a store keeps is bounded by count as well as by time: records that
pile up with load (tokens replaced or expired, kept for the audit) go into a
ring (`set_in_ring`), which deletes the oldest once it holds `size`.

Where each call is a round trip (Redis), three things let a request make few:
`run` sends a group of steps at once (count, write, swap: a token fetch), `later`
lets a write whose answer nobody needs ride with the next call that needs one,
and `read_mostly` names the keys nearly every request reads and few write (the
clock, fault rules, credentials), which such a store may keep a copy of. The
stores that answer at once run the same steps one by one, in one group.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..journal import JOURNAL_BYTES, Journal, KeptJournal

if TYPE_CHECKING:
    from ..clock import Clock

#: A JSON document: what a store holds.
Value = Any


def unknown_url(url: str) -> ValueError:
    """The error for a URL no store serves."""
    return ValueError(f"store {url!r}: give memory, lmdb:///PATH, sqlite:///PATH or redis://HOST:PORT/DB")


class StoreUnavailable(Exception):
    """The shared store cannot be reached (Redis down, a database that cannot be written)."""


class Step(ABC):
    """One operation of a group that `Store.run` runs in one go."""

    @abstractmethod
    def apply(self, store: Store) -> Any:
        """Run this step on `store` through its own operations: its answer."""


@dataclass(frozen=True, slots=True)
class Count(Step):
    """`Store.incr` as a step: the count, or None past `limit`, which stops the group there."""

    key: str
    limit: int | None = None
    expires_at: float | None = None

    def apply(self, store: Store) -> int | None:
        return store.incr(self.key, limit=self.limit, expires_at=self.expires_at)


@dataclass(frozen=True, slots=True)
class Put(Step):
    """`Store.set` as a step."""

    key: str
    value: Value
    expires_at: float | None = None

    def apply(self, store: Store) -> None:
        store.set(self.key, self.value, expires_at=self.expires_at)


@dataclass(frozen=True, slots=True)
class Swap(Step):
    """Write `value` over `key` whatever it holds (a blind swap: an app's new current token).

    Its answer: the value replaced (None: absent) and, with `follow`, the value of the key
    `follow` + the value replaced, read in the same step (the replaced token's record), so
    that another swap of the same key cannot come between.
    """

    key: str
    value: Value
    expires_at: float | None = None
    follow: str | None = None

    def apply(self, store: Store) -> tuple[Value | None, Value | None]:
        previous = store.get(self.key)
        store.set(self.key, self.value, expires_at=self.expires_at)
        if self.follow is None or not isinstance(previous, str):
            return previous, None
        return previous, store.get(self.follow + previous)


@dataclass(frozen=True, slots=True)
class Ring(Step):
    """`Store.set_in_ring` as a step."""

    ring: str
    key: str
    value: Value
    size: int
    expires_at: float | None = None

    def apply(self, store: Store) -> None:
        store.set_in_ring(self.ring, self.key, self.value, size=self.size, expires_at=self.expires_at)


class Store(ABC):
    """Key/value state with virtual-clock expiry and atomic updates."""

    #: True when other processes see the same state (the clock and journal then live here too).
    shared: ClassVar[bool] = False
    #: What `open_store` was given, for messages.
    url: str = "memory"
    #: Tokens no longer current (replaced or expired) each provider keeps for the audit
    #: (`[server] token_trace`); older ones are forgotten and read as unknown.
    token_trace: int = 10_000
    #: The URL schemes `open_store` opens with this store: `<scheme>://...`.
    schemes: ClassVar[tuple[str, ...]] = ()
    #: The journal a shared store keeps beside its state; None: one in memory.
    journal_type: ClassVar[type[KeptJournal[Any]] | None] = None

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> Store:
        """The store `url` (one of `schemes`) names; a ValueError says what is wrong with it."""
        raise unknown_url(url)

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def journal(self, size: int, max_bytes: int = JOURNAL_BYTES) -> Journal:
        """The request journal kept beside this store's state (in memory for a store that is not shared)."""
        if self.journal_type is None:
            return Journal(size, max_bytes)
        return self.journal_type(self, size, max_bytes)

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

    def read_mostly(self, *prefixes: str) -> None:
        """Declare that keys starting with one of `prefixes` are read on nearly every request and
        written rarely (the clock, fault rules, credentials): a store whose reads are round trips
        keeps a copy of them, which every write anywhere drops. A hint: nothing else changes."""
        return None

    def marks_state(self, key: str) -> None:
        """Declare `key` (the shared clock's) present whenever the store holds its state, which is
        seeded before it: a store that can lose its state under a running app (a Redis restarted
        empty) then answers a read-mostly key found absent while `key` is absent too with
        StoreUnavailable, not with "absent" (a configured credential refused as unknown)."""
        return None

    def get_unvouched(self, key: str) -> Value | None:
        """`get` while seeding, when the state is not there yet: absent means absent."""
        return self.get(key)

    def run(self, *steps: Step) -> list[Any] | None:
        """Run `steps` in order as one group, with no other writer between them: their answers.

        A Count refused by its limit stops the group: no step after it runs, and the answer is
        None. A token fetch counts, writes the token's record and swaps it in as one group: on
        Redis, one round trip.
        """
        with self.atomic():
            answers: list[Any] = []
            for step in steps:
                answer = step.apply(self)
                if answer is None and isinstance(step, Count):
                    return None
                answers.append(answer)
            return answers

    def later(self, *steps: Put | Ring) -> None:
        """Run writes whose answer nobody needs. A store whose calls are round trips sends them
        with this thread's next call that needs an answer (a request's journal entry at the
        latest, so they are written before the request is answered); the others run them now."""
        self.run(*steps)

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

    def update(
        self, key: str, change: Callable[[Value | None], Value], *, expires_at: float | None = None
    ) -> tuple[Value | None, Value]:
        """Write `change(value)` over the value (None: absent), with no other write lost between;
        return the value read and the one now there.

        When another writer comes first, `change` runs again on what that one wrote, so it may
        run more than once. A `change` that returns a value equal to the one it was given writes
        nothing (the key keeps its expiry): so a caller can keep what another writer put there.
        """
        while True:
            current = self.get(key)
            new = change(current)
            if new == current or self.compare_and_set(key, current, new, expires_at=expires_at):
                return current, new

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
        newest = size if limit is None else min(size, limit)
        for written in range(count, max(count - newest, 0), -1):
            key = self.get(f"{ring}:{written % size}")
            if isinstance(key, str) and (value := self.get(key)) is not None:
                yield key, value


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

    def read_mostly(self, *prefixes: str) -> None:
        self.inner.read_mostly(*prefixes)

    def get(self, key: str) -> Value | None:
        return self.inner.get_unvouched(key)

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
