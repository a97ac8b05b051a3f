"""A store shared by worker processes on one machine: SQLite files, no server.

The state is in `PATH`, the request journal in `PATH-requests`: each file has
its own write lock, so recording a request never waits for a token being
written, and a write to the journal leaves the readers' cache of the state
valid. The files are in WAL mode, so readers never wait for the writer; the
atomic operations (increment-and-check, compare-and-set, delete) run in `BEGIN
IMMEDIATE` transactions, which take the write lock before reading, so two
processes can never both see the last free slot of a daily limit. Each thread
of each process has its own connections (opened again after a fork).

The state is scratch: `synchronous=OFF` skips the fsyncs a crash-safe
database would pay for, and `serve --workers N` puts the file in a temporary
folder it deletes on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..journal import Entry, KeptJournal, encode
from .base import Store, StoreUnavailable, Value

if TYPE_CHECKING:
    from ..clock import Clock

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at REAL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
"""

JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    entry TEXT NOT NULL
);
"""

#: A journal file written before entries had their size: its old rows count as 0 bytes.
#: (A new file has the size before the entry, so reading it never reads a large entry.)
JOURNAL_BYTES_COLUMN = "ALTER TABLE journal ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0"

#: The newest `:size` rows, each with the bytes of it and every newer row.
_NEWEST = """
SELECT id, provider, SUM(bytes) OVER (ORDER BY id DESC) AS total
FROM (SELECT id, provider, bytes FROM journal ORDER BY id DESC LIMIT :size)
"""

#: The rows the journal holds, newest first: the newest `:size` that fit in `:max_bytes`.
JOURNAL_READ = f"""
SELECT journal.id, journal.entry FROM ({_NEWEST}) AS newest JOIN journal USING (id)
WHERE newest.total <= :max_bytes AND (:provider IS NULL OR newest.provider = :provider)
ORDER BY journal.id DESC LIMIT :count
"""

#: Drop every row older than those the journal holds (all of them when none fits).
JOURNAL_TRIM = f"""
DELETE FROM journal WHERE id < COALESCE(
    (SELECT MIN(id) FROM ({_NEWEST}) WHERE total <= :max_bytes), :newest + 1
)
"""


#: One statement: count up unless past the limit; an expired counter starts again at 1.
INCR = """
INSERT INTO kv (key, value, expires_at) VALUES (:key, '1', :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= :now THEN '1'
                 ELSE CAST(CAST(kv.value AS INTEGER) + 1 AS TEXT) END,
    expires_at = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= :now THEN :expires_at
                      ELSE kv.expires_at END
WHERE (kv.expires_at IS NOT NULL AND kv.expires_at <= :now)
    OR :limit IS NULL OR CAST(kv.value AS INTEGER) < :limit
RETURNING value
"""

#: One statement: write if absent or expired.
CREATE = """
INSERT INTO kv (key, value, expires_at) VALUES (:key, :value, :expires_at)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= :now
"""

#: One statement: replace a live value holding exactly these bytes.
REPLACE = """
UPDATE kv SET value = :value, expires_at = :expires_at
WHERE key = :key AND value = :old AND (expires_at IS NULL OR expires_at > :now)
"""

#: RETURNING (SQLite 3.35) makes the increment one statement; older libraries use a transaction.
ONE_STATEMENT_INCR = sqlite3.sqlite_version_info >= (3, 35, 0)


def _prefix_end(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix` (None: no bound)."""
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class _Connections:
    """One connection per thread per process, opened on first use."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        pid = os.getpid()
        if getattr(self._local, "pid", None) != pid:
            # no busy handler: SQLite's sleeps a whole millisecond or more when the lock is taken, and
            # the lock is held for tens of microseconds; _guarded retries at once instead
            connection = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
            # a first statement can find the file locked too (another connection opening the WAL)
            _guarded(lambda: connection.execute("PRAGMA synchronous = OFF"))
            self._local.connection, self._local.pid = connection, pid
        found: sqlite3.Connection = self._local.connection
        return found

    def close(self) -> None:
        if getattr(self._local, "pid", None) == os.getpid():
            self._local.connection.close()
        self._local = threading.local()


#: How long a statement waits for another process's write lock before the store counts as unavailable.
LOCK_WAIT = 30.0


def _guarded(work: Callable[[], T]) -> T:
    """Run `work`; while another process holds the write lock, try again (it is held for microseconds)."""
    deadline = 0.0
    pause = 0.0
    while True:
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise StoreUnavailable(f"the SQLite store failed: {exc}") from exc
            now = time.monotonic()
            deadline = deadline or now + LOCK_WAIT
            if now > deadline:
                raise StoreUnavailable(f"the SQLite store stayed locked for {LOCK_WAIT:g} s") from exc
            time.sleep(pause)  # 0 first: let the holder's thread run; then a little longer each time
            pause = min(0.001, pause * 2 or 0.00002)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"the SQLite store failed: {exc}") from exc


class SqliteJournal(KeptJournal["SqliteStore"]):
    """The journal in the store's second file: AUTOINCREMENT ids never repeat, even after a clear."""

    #: Entries past the bounds are dropped every this many records (reads never show them).
    TRIM_EVERY = 64

    def record(self, entry: Entry) -> Entry:
        raw = encode(entry)
        db = self._store._journal_connections.get()
        row = (entry.get("provider"), raw, len(raw.encode()))
        new_id = int(
            _guarded(
                lambda: (
                    db.execute("INSERT INTO journal (provider, entry, bytes) VALUES (?, ?, ?)", row).lastrowid
                )
            )
            or 0
        )
        if new_id % self.TRIM_EVERY == 0:
            bounds = {"size": self.size, "max_bytes": self.max_bytes, "newest": new_id}
            _guarded(lambda: db.execute(JOURNAL_TRIM, bounds))
        return {"id": new_id, **entry}

    def _rows(self, provider: str | None, limit: int | None) -> list[tuple[int, str]]:
        args = {
            "size": self.size,
            "max_bytes": self.max_bytes,
            "provider": provider,
            "count": min(limit or self.size, self.size),
        }
        rows = _guarded(lambda: self._store._journal_connections.get().execute(JOURNAL_READ, args).fetchall())
        return rows[::-1]

    def clear(self) -> None:
        _guarded(lambda: self._store._journal_connections.get().execute("DELETE FROM journal"))


class SqliteStore(Store):
    """The Store interface over one SQLite file that every worker process opens."""

    shared: ClassVar[bool] = True
    schemes = ("sqlite",)
    journal_type = SqliteJournal
    SWEEP_EVERY = 1024

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> Store:
        """`sqlite:///PATH`: the path is absolute."""
        path = url.removeprefix("sqlite://")
        if not path.startswith("/") or path == "/":
            raise ValueError(f"store {url!r}: give an absolute file path, e.g. sqlite:///tmp/mocks.db")
        return cls(path, clock)

    def __init__(self, path: str, clock: Clock) -> None:
        super().__init__(clock)
        self.path = path
        self.url = f"sqlite://{path}"
        self._connections = _Connections(path)
        self._journal_connections = _Connections(f"{path}-requests")
        self._writes = 0

        def setup(file: str, schema: str) -> None:
            # a connection of its own that waits on a taken lock (SQLite's busy handler): several
            # processes opening a new file at once take turns switching it to WAL
            with contextlib.closing(sqlite3.connect(file, timeout=LOCK_WAIT, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(schema)
                if schema is JOURNAL_SCHEMA:
                    columns = {row[1] for row in db.execute("PRAGMA table_info(journal)")}
                    if "bytes" not in columns:
                        db.execute(JOURNAL_BYTES_COLUMN)

        _guarded(lambda: setup(path, SCHEMA))
        _guarded(lambda: setup(self._journal_connections.path, JOURNAL_SCHEMA))

    @property
    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` holding the write lock (`BEGIN IMMEDIATE`), committed at the end."""
        with self.atomic():
            return work(self._db)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One `BEGIN IMMEDIATE` transaction: the write lock is taken once and the group commits once."""
        db = self._db
        if db.in_transaction:  # nested: the outer group commits
            yield
            return
        _guarded(lambda: db.execute("BEGIN IMMEDIATE"))
        try:
            yield
        finally:  # a group that raises keeps what it wrote, as in the other stores
            _guarded(lambda: db.execute("COMMIT"))

    def _live(self, db: sqlite3.Connection, key: str) -> tuple[str, float | None] | None:
        row = db.execute("SELECT value, expires_at FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if row[1] is not None and row[1] <= self.clock.time():
            db.execute("DELETE FROM kv WHERE key = ? AND expires_at = ?", (key, row[1]))
            return None
        return row[0], row[1]

    def _written(self) -> None:
        """Every so often drop the expired entries nobody read."""
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = self.clock.time()
            _guarded(lambda: self._db.execute("DELETE FROM kv WHERE expires_at <= ?", (now,)))

    def get(self, key: str) -> Value | None:
        found = _guarded(lambda: self._live(self._db, key))
        return None if found is None else json.loads(found[0])

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        raw = json.dumps(value)
        _guarded(
            lambda: self._db.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)", (key, raw, expires_at)
            )
        )
        self._written()

    def delete(self, key: str) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            if self._live(db, key) is None:
                return False
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
            return True

        return self._transaction(work)

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        if limit is not None and limit <= 0:
            return None  # no count is below the limit
        if ONE_STATEMENT_INCR:
            args = {"key": key, "expires_at": expires_at, "now": self.clock.time(), "limit": limit}
            rows = _guarded(lambda: self._db.execute(INCR, args).fetchall())
            self._written()
            return int(rows[0][0]) if rows else None

        def work(db: sqlite3.Connection) -> int | None:
            found = self._live(db, key)
            count = 0 if found is None else int(json.loads(found[0]))
            if limit is not None and count >= limit:
                return None
            keep = expires_at if found is None else found[1]
            db.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)",
                (key, json.dumps(count + 1), keep),
            )
            return count + 1

        counted = self._transaction(work)
        self._written()
        return counted

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        raw_new = json.dumps(new)
        args = {"key": key, "value": raw_new, "expires_at": expires_at, "now": self.clock.time()}
        if expected is None:
            done = _guarded(lambda: self._db.execute(CREATE, args).rowcount) == 1
        else:  # the bytes it was read as, most often; else compare the values, under the write lock
            args["old"] = json.dumps(expected)
            done = _guarded(lambda: self._db.execute(REPLACE, args).rowcount) == 1 or self._transaction(
                lambda db: self._compare_and_set(db, key, expected, raw_new, expires_at)
            )
        if done:
            self._written()
        return done

    def _compare_and_set(
        self, db: sqlite3.Connection, key: str, expected: Value, raw_new: str, expires_at: float | None
    ) -> bool:
        """Equal values written as other bytes (another key order): compare them decoded."""
        found = self._live(db, key)
        if (None if found is None else json.loads(found[0])) != expected:
            return False
        db.execute(
            "INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)", (key, raw_new, expires_at)
        )
        return True

    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        now = self.clock.time()
        end = _prefix_end(prefix)
        query = "SELECT key, value FROM kv WHERE key >= ? AND (expires_at IS NULL OR expires_at > ?)"
        args: tuple[Any, ...] = (prefix, now)
        if end is not None:
            query += " AND key < ?"
            args = (*args, end)
        rows = _guarded(lambda: self._db.execute(query + " ORDER BY key", args).fetchall())
        for key, raw in rows:
            yield key, json.loads(raw)

    def clear(self) -> None:
        _guarded(lambda: self._db.execute("DELETE FROM kv"))

    def ping(self) -> None:
        _guarded(lambda: self._db.execute("SELECT 1").fetchone())

    def close(self) -> None:
        self._connections.close()
        self._journal_connections.close()
