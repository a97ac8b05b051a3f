"""What is started and stopped (a live server, an interceptor), also as a context manager."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class Started(ABC):
    """`with thing as it:` starts it, and stops it however the block ends."""

    @abstractmethod
    def start(self) -> Self:
        """Start, and return at once."""

    @abstractmethod
    def stop(self) -> None:
        """Stop, letting go of what `start` took."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
