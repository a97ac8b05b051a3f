"""A clock's state, and how a shared store keeps it: one key every worker reads and changes.

The clock keeps its state in memory and reads it from here once per request; every change is
an `update` of the key, so two workers moving the clock at once lose neither move. The key is
read-mostly: a store whose reads are round trips serves it from a copy that every move drops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .base import Store, Value


@dataclass(frozen=True, slots=True)
class ClockState:
    """Real time plus `offset`, or the instant `frozen_at` when the clock is frozen."""

    offset: float = 0.0
    frozen_at: float | None = None

    def encode(self) -> dict[str, Any]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    @classmethod
    def decode(cls, raw: Value) -> ClockState:
        return cls(float(raw["offset"]), raw["frozen_at"])


class SharedClockState:
    """The state of the clock every worker on `store` shows."""

    #: The store key of the state.
    KEY = "mocks:clock"

    def __init__(self, store: Store) -> None:
        self.store = store
        store.read_mostly(self.KEY)
        store.marks_state(self.KEY)

    def read(self) -> ClockState | None:
        """The state (one store read); None when the store holds none yet."""
        found = self.store.get(self.KEY)
        return None if found is None else ClockState.decode(found)

    def claim(self, state: ClockState) -> bool:
        """Write `state` if the store holds none; True if this call wrote it."""
        return self.store.compare_and_set(self.KEY, None, state.encode())

    def update(self, change: Callable[[ClockState], ClockState], unset: ClockState) -> ClockState:
        """Apply `change` to the shared state (to `unset` when the store holds none); the state now."""

        def changed(found: Value | None) -> Value:
            return change(unset if found is None else ClockState.decode(found)).encode()

        return ClockState.decode(self.store.update(self.KEY, changed)[1])
