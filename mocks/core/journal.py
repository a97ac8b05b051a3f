"""The request journal: what each client sent and what the mock answered.

It is bounded by count and by size: once it holds `size` entries or
`max_bytes` bytes, the oldest entries fall off, so a mock that serves a CI
fleet for days, or a client posting large bodies, keeps a steady footprint.

A request is recorded as an Exchange, its raw facts (the bytes sent and answered, the
header fields as the server handed them over), which become an entry only when it is read:
most entries never are (the journal is a ring that a test or the dashboard looks into), and
building and encoding each one as it was recorded cost a fifth of a request. An Exchange's
size is the bytes it holds. A shared store's journal (KeptJournal) writes the entry's JSON
text at once, as other processes read that, and so does this one for an entry given as a
mapping; the size of such an entry is the length of its text (UTF-8).
"""

from __future__ import annotations

import bisect
import itertools
import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, overload
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from .jsonio import pack

#: Bodies longer than this are cut in the journal (the answer is not).
BODY_LIMIT = 16 * 1024
#: The bytes of JSON the journal keeps by default (`[server] journal_bytes`).
JOURNAL_BYTES = 32 * 1024 * 1024

Entry = dict[str, Any]
#: An entry as a journal keeps it: its id first, its JSON or its Exchange last (and between,
#: what the journal needs).
Row = tuple[int, str] | tuple[int, str | None, int, "bytes | Exchange"]


def _row_id(row: Row) -> int:
    return row[0]


def excerpt(data: bytes) -> str:
    """A body as journal text: UTF-8 (bad bytes replaced), cut at BODY_LIMIT."""
    text = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    return text + "…" if len(data) > BODY_LIMIT else text


def query_string(entry: Entry) -> str:
    """An entry's query as it was sent (each name's values in order)."""
    return urlencode([(name, value) for name, values in entry["query"].items() for value in values])


def request_line(entry: Entry) -> str:
    """`METHOD /path?query`: the request as a reader looks for it."""
    query = query_string(entry)
    return f"{entry['method']} {entry['path']}{'?' + query if query else ''}"


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

    def id_at(self, index: int) -> int:
        """The id of the entry at `index`, without building it."""
        return self._rows[index][0]

    def position(self, entry_id: int) -> int:
        """The index of the first entry with id `entry_id` or a later one, found without building any."""
        return bisect.bisect_left(self._rows, entry_id, key=_row_id)

    def find(self, entry_id: int) -> Entry | None:
        """The entry with id `entry_id`, if the journal still holds it."""
        at = self.position(entry_id)
        return self[at] if at < len(self._rows) and self._rows[at][0] == entry_id else None

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._rows)))]
        row = self._rows[index]
        row_id, kept = row[0], row[-1]
        entry = self._built.get(row_id)
        if entry is None:
            built = kept.entry() if isinstance(kept, Exchange) else json.loads(kept)
            entry = self._built[row_id] = {"id": row_id, **built}
        return entry


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer as recorded: the facts an entry is built from when read.

    `environ` is the request's WSGI variables that are text (method, path, query, header
    fields), read by werkzeug's own Request when the entry is built, as they would have been
    while the request was served.
    """

    time: datetime
    received: float
    provider: str | None
    operation: str | None
    environ: Mapping[str, str]
    body: bytes
    status: int
    response: bytes
    facts: Mapping[str, Any]
    fault: Mapping[str, Any] | None

    @classmethod
    def text_of(cls, environ: Mapping[str, Any]) -> dict[str, str]:
        """The variables of a WSGI environ an exchange keeps."""
        return {name: value for name, value in environ.items() if type(value) is str}

    @property
    def size(self) -> int:
        """The bytes it holds, about."""
        return 256 + len(self.body) + len(self.response) + sum(map(len, self.environ.values()))

    def entry(self) -> Entry:
        request = Request(dict(self.environ))
        return {
            "time": self.time.isoformat(),
            "received": self.received,
            "provider": self.provider,
            "operation": self.operation,
            "method": request.method,
            "path": request.path,
            "query": request.args.to_dict(flat=False),
            "headers": dict(request.headers),
            "body": excerpt(self.body),
            "status": self.status,
            "response": excerpt(self.response),
            "facts": dict(self.facts),
            "fault": None if self.fault is None else dict(self.fault),
        }


def encode(entry: Entry) -> str:
    """An entry as the JSON text every journal keeps (non-ASCII as itself: 3 bytes, not 6)."""
    kept = pack(entry)
    return (
        kept.decode()
        if isinstance(kept, bytes)
        else json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    )


class Journal:
    """A bounded, thread-safe list of request/answer entries.

    Ids keep rising across `clear()`, so an id never names two different requests.
    """

    def __init__(self, size: int = 5000, max_bytes: int = JOURNAL_BYTES) -> None:
        self._size = size
        self.max_bytes = max_bytes
        #: (id, provider, size, the entry's JSON as UTF-8 or its Exchange), oldest first.
        self._entries: deque[tuple[int, str | None, int, bytes | Exchange]] = deque()
        self._bytes = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def record(self, entry: Entry) -> Entry:
        """Append an entry, giving it the next id; the oldest fall off past either bound."""
        raw = encode(entry).encode()
        return {"id": self._append(entry.get("provider"), len(raw), raw), **entry}

    def keep(self, exchange: Exchange) -> int:
        """Append a request as recorded (its entry is built when read); its id."""
        return self._append(exchange.provider, exchange.size, exchange)

    def _append(self, provider: str | None, size: int, kept: bytes | Exchange) -> int:
        with self._lock:
            new_id = next(self._ids)
            self._entries.append((new_id, provider, size, kept))
            self._bytes += size
            while self._entries and (len(self._entries) > self._size or self._bytes > self.max_bytes):
                self._bytes -= self._entries.popleft()[2]
        return new_id

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

    def keep(self, exchange: Exchange) -> int:
        """Other processes read the entry: it is built and written at once."""
        recorded: int = self.record(exchange.entry())["id"]
        return recorded
