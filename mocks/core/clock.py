"""The one clock every provider reads.

It follows real time by default and can be frozen, set or advanced, so a
24-hour renewal window or a daily limit is tested in milliseconds.

Several worker processes (or machines) share one clock through their shared
store: `share(store)` keeps the clock's state (offset, frozen instant) in the
store, every change is written there atomically, and `load()` reads it once
per request. A clock that is not shared keeps its state in memory only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import Store

#: The store key of a shared clock's state.
STATE_KEY = "mocks:clock"

#: The instants a datetime can show: 1970-01-01 to 9999-12-31 UTC.
EARLIEST, LATEST = 0.0, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class Clock:
    """A virtual clock: real time plus an offset, or a frozen instant."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._store: Store | None = None

    # -- sharing through a store ------------------------------------------------

    def share(self, store: Store) -> None:
        """Keep this clock's state in `store`, where other processes see it."""
        self._store = store

    @property
    def shared(self) -> bool:
        return self._store is not None

    def _snapshot(self) -> dict[str, Any]:
        return {"offset": self._offset, "frozen_at": self._frozen_at}

    def load(self) -> bool:
        """Read the shared state (one store read); False when the store holds none yet."""
        if self._store is None:
            return True
        state = self._store.get(STATE_KEY)
        if state is None:
            return False
        with self._lock:
            self._offset, self._frozen_at = float(state["offset"]), state["frozen_at"]
        return True

    def claim(self) -> bool:
        """Write the initial state if the store holds none; True if this call wrote it."""
        if self._store is None:
            return True
        with self._lock:
            self._offset, self._frozen_at = 0.0, None
        return self._store.compare_and_set(STATE_KEY, None, self._snapshot())

    def _change(self, change: Callable[[], None]) -> None:
        """Apply `change` to the state, atomically against the shared copy when there is one."""
        with self._lock:
            if self._store is None:
                change()
                return
            while True:
                current = self._store.get(STATE_KEY)
                if current is not None:
                    self._offset, self._frozen_at = float(current["offset"]), current["frozen_at"]
                change()
                if self._store.compare_and_set(STATE_KEY, current, self._snapshot()):
                    return

    def time(self) -> float:
        """Seconds since the epoch on the virtual clock."""
        frozen = self._frozen_at
        return frozen if frozen is not None else self._source() + self._offset

    def now(self) -> datetime:
        """The virtual time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, frozen: bool = True) -> None:
        """Stop the clock where it is (or let it run on from there)."""

        def change() -> None:
            if frozen and self._frozen_at is None:
                self._frozen_at = self._source() + self._offset
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None

        self._change(change)

    def set(self, when: datetime | float) -> None:
        """Jump to an instant; a frozen clock stays frozen there.

        A ValueError refuses instants outside 1970..9999, NaN and infinity.
        """
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        if not EARLIEST <= target <= LATEST:  # also false for NaN
            raise ValueError(f"the clock can show 1970-01-01 to 9999-12-31 UTC, not {when}")

        def change() -> None:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - self._source()

        self._change(change)

    def advance(self, seconds: float) -> None:
        """Move forward (or back, with a negative number) by `seconds`."""
        if not EARLIEST <= self.time() + seconds <= LATEST:
            raise ValueError(f"advancing {seconds} s leaves the range 1970-01-01 to 9999-12-31 UTC")

        def change() -> None:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

        self._change(change)

    def reset(self) -> None:
        """Follow real time again."""

        def change() -> None:
            self._offset = 0.0
            self._frozen_at = None

        self._change(change)

    def state(self) -> dict[str, object]:
        """What the admin API shows."""
        return {
            "now": self.now().isoformat().replace("+00:00", "Z"),
            "timestamp": self.time(),
            "frozen": self.frozen,
            "offset": self.time() - self._source(),
        }
