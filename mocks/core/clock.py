"""The one clock every provider reads.

It follows real time by default and can be frozen, set or advanced, so a
24-hour renewal window or a daily limit is tested in milliseconds.

Several worker processes (or machines) share one clock through their shared
store: `share(store)` keeps the clock's state (offset, frozen instant) in the
store (`stores.clock_state`), every change is an atomic update there, and
`load()` reads it once per request. A clock that is not shared keeps its state
in memory only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .stores.clock_state import ClockState, SharedClockState

if TYPE_CHECKING:
    from .stores import Store

#: The instants a datetime can show: 1970-01-01 to 9999-12-31 UTC.
EARLIEST, LATEST = 0.0, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class Clock:
    """A virtual clock: real time plus an offset, or a frozen instant."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._state = ClockState()
        self._shared: SharedClockState | None = None

    # -- sharing through a store ------------------------------------------------

    def share(self, store: Store) -> None:
        """Keep this clock's state in `store`, where other processes see it."""
        self._shared = SharedClockState(store)

    @property
    def shared(self) -> bool:
        return self._shared is not None

    def load(self) -> bool:
        """Read the shared state (one store read); False when the store holds none yet."""
        if self._shared is None:
            return True
        state = self._shared.read()
        if state is None:
            return False
        self._state = state
        return True

    def claim(self) -> bool:
        """Write the initial state if the store holds none; True if this call wrote it."""
        if self._shared is None:
            return True
        self._state = ClockState()
        return self._shared.claim(self._state)

    def _change(self, change: Callable[[ClockState], ClockState]) -> None:
        """Apply `change` to the state, atomically against the shared copy when there is one."""
        with self._lock:
            if self._shared is None:
                self._state = change(self._state)
            else:
                self._state = self._shared.update(change, self._state)

    def time(self) -> float:
        """Seconds since the epoch on the virtual clock."""
        state = self._state
        return state.frozen_at if state.frozen_at is not None else self._source() + state.offset

    def now(self) -> datetime:
        """The virtual time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self._state.frozen_at is not None

    def freeze(self, frozen: bool = True) -> None:
        """Stop the clock where it is (or let it run on from there)."""

        def change(state: ClockState) -> ClockState:
            if frozen and state.frozen_at is None:
                return replace(state, frozen_at=self._source() + state.offset)
            if not frozen and state.frozen_at is not None:
                return ClockState(offset=state.frozen_at - self._source())
            return state

        self._change(change)

    def set(self, when: datetime | float) -> None:
        """Jump to an instant; a frozen clock stays frozen there.

        A ValueError refuses instants outside 1970..9999, NaN and infinity.
        """
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        if not EARLIEST <= target <= LATEST:  # also false for NaN
            raise ValueError(f"the clock can show 1970-01-01 to 9999-12-31 UTC, not {when}")

        def change(state: ClockState) -> ClockState:
            if state.frozen_at is not None:
                return replace(state, frozen_at=target)
            return replace(state, offset=target - self._source())

        self._change(change)

    def advance(self, seconds: float) -> None:
        """Move forward (or back, with a negative number) by `seconds`."""
        if not EARLIEST <= self.time() + seconds <= LATEST:
            raise ValueError(f"advancing {seconds} s leaves the range 1970-01-01 to 9999-12-31 UTC")

        def change(state: ClockState) -> ClockState:
            if state.frozen_at is not None:
                return replace(state, frozen_at=state.frozen_at + seconds)
            return replace(state, offset=state.offset + seconds)

        self._change(change)

    def reset(self) -> None:
        """Follow real time again."""
        self._change(lambda _: ClockState())

    def state(self) -> dict[str, object]:
        """What the admin API shows."""
        return {
            "now": self.now().isoformat().replace("+00:00", "Z"),
            "timestamp": self.time(),
            "frozen": self.frozen,
            "offset": self.time() - self._source(),
        }
