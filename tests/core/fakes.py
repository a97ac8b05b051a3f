"""A time source that moves only when told, so every instant in a test is exact."""

from __future__ import annotations

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class FakeSource:
    """A stand-in for time.time."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds
