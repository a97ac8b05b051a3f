"""The one clock every provider reads.

It follows real time by default and can be frozen, set or advanced, so a
24-hour renewal window or a daily limit is tested in milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

#: The instants a datetime can show: 1970-01-01 to 9999-12-31 UTC.
EARLIEST, LATEST = 0.0, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class Clock:
    """A virtual clock: real time plus an offset, or a frozen instant."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

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
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = self._source() + self._offset
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None

    def set(self, when: datetime | float) -> None:
        """Jump to an instant; a frozen clock stays frozen there.

        A ValueError refuses instants outside 1970..9999, NaN and infinity.
        """
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        if not EARLIEST <= target <= LATEST:  # also false for NaN
            raise ValueError(f"the clock can show 1970-01-01 to 9999-12-31 UTC, not {when}")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - self._source()

    def advance(self, seconds: float) -> None:
        """Move forward (or back, with a negative number) by `seconds`."""
        if not EARLIEST <= self.time() + seconds <= LATEST:
            raise ValueError(f"advancing {seconds} s leaves the range 1970-01-01 to 9999-12-31 UTC")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def reset(self) -> None:
        """Follow real time again."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None

    def state(self) -> dict[str, object]:
        """What the admin API shows."""
        return {
            "now": self.now().isoformat().replace("+00:00", "Z"),
            "timestamp": self.time(),
            "frozen": self.frozen,
            "offset": self.time() - self._source(),
        }
