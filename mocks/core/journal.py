"""The request journal: what each client sent and what the mock answered.

It is bounded: the oldest entries fall off once `size` is reached, so a mock
that serves a CI fleet for days keeps a steady footprint.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

#: Bodies longer than this are cut in the journal (the answer is not).
BODY_LIMIT = 16 * 1024

Entry = dict[str, Any]


def excerpt(data: bytes) -> str:
    """A body as journal text: UTF-8 (bad bytes replaced), cut at BODY_LIMIT."""
    text = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    return text + "…" if len(data) > BODY_LIMIT else text


class Journal:
    """A bounded, thread-safe list of request/answer entries.

    Ids keep rising across `clear()`, so an id never names two different requests.
    """

    def __init__(self, size: int = 5000) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def record(self, entry: Entry) -> Entry:
        """Append an entry, giving it the next id."""
        with self._lock:
            entry = {"id": next(self._ids), **entry}
            self._entries.append(entry)
        return entry

    def entries(self, provider: str | None = None, limit: int | None = None) -> list[Entry]:
        """Entries oldest first, optionally one provider's and only the last `limit`."""
        with self._lock:
            found: Iterable[Entry] = list(self._entries)
        if provider is not None:
            found = [e for e in found if e["provider"] == provider]
        found = list(found)
        return found[-limit:] if limit else found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
