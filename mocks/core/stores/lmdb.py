"""A store shared by worker processes on one machine at memory speed: an LMDB environment.

LMDB maps its files into every process that opens them: a read is a lookup in shared pages,
with no server to call and no SQL to run, and a write holds LMDB's one write lock (a mutex in
shared memory) for a microsecond or two. A store operation costs about what the memory
store's does, where SQLite's cost ten times as much, so `serve --workers N` keeps its state
here by default. The atomic operations (increment-and-check, compare-and-set, a group under
`atomic()`) run in one write transaction, so two processes can never both see the last free
slot of a daily limit; readers never wait for the writer.

The state is scratch: `sync=False` skips the fsyncs a crash-safe database would pay for, as
SQLite's `synchronous=OFF` does. Each value is kept with its expiry on the virtual clock, and
an index of expiries lets a write every so often drop the expired entries nobody read. The
request journal is a third table, keyed by an id that a clear never resets.

LMDB allows one open environment per file per process (closing a second would drop the first
one's locks): each process shares one per path (`_ENVIRONMENTS`), opened again after a fork.
"""

from __future__ import annotations

import math
import os
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import lmdb

from ..journal import Entry, KeptJournal, encode
from ..jsonio import pack, unpack
from .base import Store, StoreUnavailable, Value

if TYPE_CHECKING:
    from ..clock import Clock

T = TypeVar("T")

#: The address space each process maps: the files grow as they fill, up to this.
MAP_SIZE = 4 << 30
_EXPIRY = struct.Struct(">d")  # big-endian: index keys sort by time
_ID = struct.Struct(">Q")  # big-endian: journal keys sort by id
_NONE = math.nan
_TEXT = b"t"  # a value the standard library wrote (jsonio.pack's fallback); else orjson's bytes
_BYTES = b"b"


def _encode(value: Value, expires_at: float | None) -> bytes:
    kept = pack(value)
    body = _BYTES + kept if isinstance(kept, bytes) else _TEXT + kept.encode()
    return _EXPIRY.pack(_NONE if expires_at is None else expires_at) + body


def _expiry(raw: bytes) -> float | None:
    (expires_at,) = _EXPIRY.unpack_from(raw)
    return None if math.isnan(expires_at) else float(expires_at)


def _decode(raw: bytes) -> Value:
    body = raw[_EXPIRY.size + 1 :]
    return unpack(bytes(body) if raw[_EXPIRY.size : _EXPIRY.size + 1] == _BYTES else bytes(body).decode())


class _Environment:
    """One process's open environment of a path, and the stores using it."""

    def __init__(self, path: str) -> None:
        self.env = lmdb.open(
            path, map_size=MAP_SIZE, max_dbs=4, sync=False, metasync=False, writemap=True, readahead=False
        )
        self.kv = self.env.open_db(b"kv")
        self.expiries = self.env.open_db(b"expiries")
        self.journal = self.env.open_db(b"journal")
        self.meta = self.env.open_db(b"meta")
        self.users = 0
        #: Each thread's open group (`LmdbStore.atomic`): every store on the environment joins it.
        self.group = threading.local()


#: (process id, path) -> the environment the process opened there.
_ENVIRONMENTS: dict[tuple[int, str], _Environment] = {}
_OPENING = threading.Lock()
#: This process's forks since it started: a store opens its environment again in a forked
#: worker (a count compared on every operation, where the process id is a system call).
_forks = [0]
os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


class LmdbJournal(KeptJournal["LmdbStore"]):
    """The journal as the environment's third table: ids from a counter a clear leaves alone."""

    NEXT, COUNT, BYTES = b"journal-next", b"journal-count", b"journal-bytes"

    def record(self, entry: Entry) -> Entry:
        raw = encode(entry).encode()
        provider = (entry.get("provider") or "").encode()
        store = self._store

        def work(txn: lmdb.Transaction) -> int:
            tables = store._tables()
            new_id = _count(txn, tables.meta, self.NEXT) + 1
            txn.put(self.NEXT, _ID.pack(new_id), db=tables.meta)
            txn.put(_ID.pack(new_id), provider + b"\0" + raw, db=tables.journal)
            count = _count(txn, tables.meta, self.COUNT) + 1
            size = _count(txn, tables.meta, self.BYTES) + len(raw)
            with txn.cursor(db=tables.journal) as oldest:
                while count > self.size or size > self.max_bytes:
                    if not oldest.first():
                        count = size = 0
                        break
                    dropped = bytes(oldest.value())
                    size -= len(dropped) - dropped.index(b"\0") - 1
                    count -= 1
                    oldest.delete()
            txn.put(self.COUNT, _ID.pack(count), db=tables.meta)
            txn.put(self.BYTES, _ID.pack(size), db=tables.meta)
            return new_id

        return {"id": store._run(work, write=True), **entry}

    def _rows(self, provider: str | None, limit: int | None) -> list[tuple[int, str]]:
        wanted = None if provider is None else provider.encode()
        count = min(limit or self.size, self.size)
        store = self._store

        def work(txn: lmdb.Transaction) -> list[tuple[int, str]]:
            found: list[tuple[int, str]] = []
            with txn.cursor(db=store._tables().journal) as rows:
                for key, value in rows.iterprev():
                    if len(found) >= count:
                        break
                    name, _, raw = bytes(value).partition(b"\0")
                    if wanted is None or name == wanted:
                        found.append((_ID.unpack(key)[0], raw.decode()))
            return found[::-1]

        return store._run(work)

    def clear(self) -> None:
        store = self._store

        def work(txn: lmdb.Transaction) -> None:
            tables = store._tables()
            txn.drop(tables.journal, delete=False)
            txn.put(self.COUNT, _ID.pack(0), db=tables.meta)
            txn.put(self.BYTES, _ID.pack(0), db=tables.meta)

        store._run(work, write=True)


def _count(txn: lmdb.Transaction, db: Any, key: bytes) -> int:
    found = txn.get(key, db=db)
    return 0 if found is None else int(_ID.unpack(found)[0])


class LmdbStore(Store):
    """The Store interface over one LMDB environment that every worker process opens."""

    shared: ClassVar[bool] = True
    schemes = ("lmdb",)
    journal_type = LmdbJournal
    SWEEP_EVERY = 1024

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> Store:
        """`lmdb:///PATH`: the folder (made if missing) of the environment's files; absolute."""
        path = url.removeprefix("lmdb://")
        if not path.startswith("/") or path == "/":
            raise ValueError(f"store {url!r}: give an absolute folder path, e.g. lmdb:///tmp/mocks")
        return cls(path, clock)

    def __init__(self, path: str, clock: Clock) -> None:
        super().__init__(clock)
        self.path = path
        self.url = f"lmdb://{path}"
        self._writes = 0
        self._opened: _Environment | None = None
        self._opened_by = 0
        self._opened_in = -1
        self._tables()  # a path that cannot be opened fails here, with what is wrong

    def _tables(self) -> _Environment:
        """This process's environment (opened again in a forked worker)."""
        if self._opened is not None and self._opened_in == _forks[0]:
            return self._opened
        pid = os.getpid()
        with _OPENING:
            opened = _ENVIRONMENTS.get((pid, self.path))
            if opened is None:
                try:
                    os.makedirs(self.path, exist_ok=True)
                    opened = _ENVIRONMENTS[(pid, self.path)] = _Environment(self.path)
                except (OSError, lmdb.Error) as exc:
                    raise StoreUnavailable(f"the LMDB store at {self.path} cannot be opened: {exc}") from exc
            opened.users += 1
        self._opened, self._opened_by, self._opened_in = opened, pid, _forks[0]
        return opened

    def _run(self, work: Callable[[lmdb.Transaction], T], *, write: bool = False) -> T:
        """`work` in this thread's open group (see `atomic`), else in a transaction of its own."""
        tables = self._tables()
        held: lmdb.Transaction | None = getattr(tables.group, "txn", None)
        try:
            if held is not None:
                return work(held)
            with tables.env.begin(write=write) as txn:
                return work(txn)
        except lmdb.MapFullError as exc:
            raise StoreUnavailable(f"the LMDB store at {self.path} is full ({MAP_SIZE >> 30} GiB)") from exc
        except lmdb.Error as exc:
            raise StoreUnavailable(f"the LMDB store at {self.path} failed: {exc}") from exc

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One write transaction: the write lock is taken once and the group commits once."""
        group = self._tables().group
        if getattr(group, "txn", None) is not None:  # nested: the outer group commits
            yield
            return
        try:
            group.txn = self._tables().env.begin(write=True)
        except lmdb.Error as exc:
            raise StoreUnavailable(f"the LMDB store at {self.path} failed: {exc}") from exc
        try:
            yield
        finally:  # a group that raises keeps what it wrote, as in the other stores
            txn, group.txn = group.txn, None
            txn.commit()

    def _expired(self, raw: bytes) -> bool:
        expires_at = _expiry(raw)
        return expires_at is not None and expires_at <= self.clock.time()

    def _raw(self, txn: lmdb.Transaction, key: bytes) -> bytes | None:
        """The raw value of `key`, expired or not."""
        raw = txn.get(key, db=self._tables().kv)
        return None if raw is None else bytes(raw)

    def _live(self, txn: lmdb.Transaction, key: bytes) -> bytes | None:
        """In a write transaction: the raw value of `key`, None when absent or expired (dropped
        then, so that turning the clock back does not bring it back)."""
        raw = self._raw(txn, key)
        if raw is None:
            return None
        if self._expired(raw):
            self._drop(txn, key)
            return None
        return raw

    def _drop_expired(self, found: list[tuple[bytes, bytes]]) -> None:
        """Drop what a read found expired, unless it was written again meanwhile."""

        def work(txn: lmdb.Transaction) -> None:
            for key, raw in found:
                if self._raw(txn, key) == raw:
                    self._drop(txn, key)

        self._run(work, write=True)

    def _put(self, txn: lmdb.Transaction, key: bytes, raw: bytes) -> None:
        """Write a raw value, keeping the expiry index exact; every so often sweep."""
        tables = self._tables()
        previous = txn.replace(key, raw, db=tables.kv)
        old = None if previous is None else _expiry(bytes(previous))
        new = _expiry(raw)
        if old != new:
            if old is not None:
                txn.delete(_EXPIRY.pack(old) + key, db=tables.expiries)
            if new is not None:
                txn.put(_EXPIRY.pack(new) + key, b"", db=tables.expiries)
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            self._sweep(txn)

    def _drop(self, txn: lmdb.Transaction, key: bytes) -> None:
        tables = self._tables()
        raw = txn.pop(key, db=tables.kv)
        expires_at = None if raw is None else _expiry(bytes(raw))
        if expires_at is not None:
            txn.delete(_EXPIRY.pack(expires_at) + key, db=tables.expiries)

    def _sweep(self, txn: lmdb.Transaction) -> None:
        """Drop the entries whose expiry has come: the index lists them soonest first."""
        tables, due = self._tables(), _EXPIRY.pack(self.clock.time())
        with txn.cursor(db=tables.expiries) as index:
            while index.first() and (found := bytes(index.key()))[: _EXPIRY.size] <= due:
                index.delete()
                txn.delete(found[_EXPIRY.size :], db=tables.kv)

    def get(self, key: str) -> Value | None:
        name = key.encode()
        raw = self._run(lambda txn: self._raw(txn, name))
        if raw is None:
            return None
        if self._expired(raw):
            self._drop_expired([(name, raw)])
            return None
        return _decode(raw)

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        raw = _encode(value, expires_at)
        self._run(lambda txn: self._put(txn, key.encode(), raw), write=True)

    def delete(self, key: str) -> bool:
        def work(txn: lmdb.Transaction) -> bool:
            found = self._live(txn, key.encode()) is not None
            self._drop(txn, key.encode())
            return found

        return self._run(work, write=True)

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        def work(txn: lmdb.Transaction) -> int | None:
            raw = self._live(txn, key.encode())
            count = 0 if raw is None else int(_decode(raw))
            if limit is not None and count >= limit:
                return None
            keep = expires_at if raw is None else _expiry(raw)
            self._put(txn, key.encode(), _encode(count + 1, keep))
            return count + 1

        return self._run(work, write=True)

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        raw_new = _encode(new, expires_at)

        def work(txn: lmdb.Transaction) -> bool:
            raw = self._live(txn, key.encode())
            if (None if raw is None else _decode(raw)) != expected:
                return False
            self._put(txn, key.encode(), raw_new)
            return True

        return self._run(work, write=True)

    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        start = prefix.encode()

        def work(txn: lmdb.Transaction) -> list[tuple[bytes, bytes]]:
            found: list[tuple[bytes, bytes]] = []
            with txn.cursor(db=self._tables().kv) as rows:
                if rows.set_range(start):
                    for key, raw in rows:
                        if not bytes(key).startswith(start):
                            break
                        found.append((bytes(key), bytes(raw)))
            return found

        found = self._run(work)
        expired = [(key, raw) for key, raw in found if self._expired(raw)]
        if expired:
            self._drop_expired(expired)
        for key, raw in found:
            if not self._expired(raw):
                yield key.decode(), _decode(raw)

    def clear(self) -> None:
        def work(txn: lmdb.Transaction) -> None:
            tables = self._tables()
            txn.drop(tables.kv, delete=False)
            txn.drop(tables.expiries, delete=False)

        self._run(work, write=True)

    def ping(self) -> None:
        self._run(lambda txn: txn.id())

    def close(self) -> None:
        """Let go of the environment; the last store of the process using it closes it."""
        opened, self._opened = self._opened, None
        if opened is None or self._opened_by != os.getpid():
            return
        with _OPENING:
            opened.users -= 1
            if opened.users == 0:
                _ENVIRONMENTS.pop((self._opened_by, self.path), None)
                opened.env.close()
