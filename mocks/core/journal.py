"""The request journal: what each client sent and what the mock answered.

It is bounded by count and by size: once it holds `size` entries or
`max_bytes` bytes, the oldest entries fall off, so a mock that serves a CI
fleet for days, or a client posting large bodies, keeps a steady footprint.
Each entry is kept as its JSON text (UTF-8), as the shared stores keep it, and
built again when read; its size is the length of that text.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any, Generic, TypeVar, overload

#: Bodies longer than this are cut in the journal (the answer is not).
BODY_LIMIT = 16 * 1024
#: The bytes of JSON the journal keeps by default (`[server] journal_bytes`).
JOURNAL_BYTES = 32 * 1024 * 1024

Entry = dict[str, Any]
#: An entry as a journal keeps it: its id first, its JSON last (and between, what the journal needs).
Row = tuple[int, str] | tuple[int, str | None, bytes]


def excerpt(data: bytes) -> str:
    """A body as journal text: UTF-8 (bad bytes replaced), cut at BODY_LIMIT."""
    text = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    return text + "…" if len(data) > BODY_LIMIT else text


class Entries(Sequence[Entry]):
    """Entries as read, oldest first, each built from its JSON only when looked at.

    The audit reads the whole journal on every poll but looks at the entries it has not seen and
    a few it finds by id; building the others would cost the providers' requests the time.
    """

    def __init__(self, rows: Sequence[Row]) -> None:
        self._rows = rows
        self._built: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._rows)))]
        row = self._rows[index]
        row_id, raw = row[0], row[-1]
        entry = self._built.get(row_id)
        if entry is None:
            entry = self._built[row_id] = {"id": row_id, **json.loads(raw)}
        return entry


def encode(entry: Entry) -> str:
    """An entry as the JSON text every journal keeps (non-ASCII as itself: 3 bytes, not 6)."""
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class Journal:
    """A bounded, thread-safe list of request/answer entries.

    Ids keep rising across `clear()`, so an id never names two different requests.
    """

    def __init__(self, size: int = 5000, max_bytes: int = JOURNAL_BYTES) -> None:
        self._size = size
        self.max_bytes = max_bytes
        #: (id, provider, the entry's JSON as UTF-8), oldest first.
        self._entries: deque[tuple[int, str | None, bytes]] = deque()
        self._bytes = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def record(self, entry: Entry) -> Entry:
        """Append an entry, giving it the next id; the oldest fall off past either bound."""
        raw = encode(entry).encode()
        with self._lock:
            new_id = next(self._ids)
            self._entries.append((new_id, entry.get("provider"), raw))
            self._bytes += len(raw)
            while self._entries and (len(self._entries) > self._size or self._bytes > self.max_bytes):
                self._bytes -= len(self._entries.popleft()[2])
        return {"id": new_id, **entry}

    def read(self, provider: str | None = None, limit: int | None = None) -> Entries:
        """Entries oldest first, optionally one provider's and only the last `limit`."""
        return Entries(self._rows(provider, limit))

    def entries(self, provider: str | None = None, limit: int | None = None) -> list[Entry]:
        """As `read`, every entry built."""
        return list(self.read(provider, limit))

    def _rows(self, provider: str | None, limit: int | None) -> Sequence[Row]:
        """The entries to read as rows, oldest first."""
        with self._lock:
            found = list(self._entries)
        if provider is not None:
            found = [row for row in found if row[1] == provider]
        if limit:
            found = found[-limit:]
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


S = TypeVar("S")


class KeptJournal(Journal, Generic[S]):
    """The journal kept in a shared store beside its state, so that every process reads and
    writes the same one: a store's `journal_type`, made with the store."""

    def __init__(self, store: S, size: int, max_bytes: int = JOURNAL_BYTES) -> None:
        super().__init__(size, max_bytes)
        self._store = store
