"""Every journal (in memory, SQLite, Redis): capped by count and by bytes, ids unique and
rising (also across a clear), filters."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from provider_mocks.core.clock import Clock
from provider_mocks.core.journal import Journal, encode
from provider_mocks.core.stores import SqliteStore, Store, open_store
from provider_mocks.core.stores.redis import JOURNAL, JOURNAL_BYTES_KEY, RedisStore
from tests.redis_server import RedisServer


def opened(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "memory":
        return open_store("memory", Clock())
    if kind == "sqlite":
        return open_store(f"sqlite://{tmp_path}/state.db", Clock())
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    return open_store(server.url(1), Clock())


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    found = opened(request.param, request, tmp_path)
    yield found
    found.close()


@pytest.fixture(params=["sqlite", "redis"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    found = opened(request.param, request, tmp_path)
    yield found
    found.close()


def held(store: Store, journal: Journal) -> tuple[int, int]:
    """How many entries, and bytes of them, the journal's storage holds (read or not)."""
    if isinstance(store, SqliteStore):
        with sqlite3.connect(f"{store.path}-requests") as db:
            count, size = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(entry AS BLOB))), 0) FROM journal"
            ).fetchone()
        return int(count), int(size)
    if isinstance(store, RedisStore):
        rows = cast("list[str]", store.redis.lrange(JOURNAL, 0, -1))
        size = sum(len(row.partition("|")[2].encode()) for row in rows)
        assert int(store.redis.get(JOURNAL_BYTES_KEY) or 0) == size
        return len(rows), size
    entries = journal._entries
    return len(entries), sum(size for _, _, size, _ in entries)


def test_ids_rise_and_survive_a_clear(store: Store) -> None:
    journal = store.journal(10)
    first = journal.record({"provider": "itrigger", "n": 1})
    assert first == {"id": first["id"], "provider": "itrigger", "n": 1}
    journal.clear()
    assert journal.entries() == []
    assert journal.record({"provider": "itrigger", "n": 2})["id"] == first["id"] + 1


def test_two_journals_on_one_shared_store_are_one_journal(shared_store: Store) -> None:
    one, other = shared_store.journal(100), shared_store.journal(100)
    ids = [j.record({"provider": "itrigger", "n": i})["id"] for i, j in enumerate([one, other, one, other])]
    assert ids == [ids[0] + i for i in range(4)]
    assert [e["n"] for e in other.entries()] == [0, 1, 2, 3]


def test_the_journal_keeps_the_last_size_entries(store: Store) -> None:
    journal = store.journal(5)
    for i in range(200):
        journal.record({"provider": "sugon" if i % 2 else "itrigger", "n": i})
    assert [e["n"] for e in journal.entries()] == [195, 196, 197, 198, 199]
    assert [e["n"] for e in journal.entries("itrigger")] == [196, 198]
    assert [e["n"] for e in journal.entries(limit=2)] == [198, 199]
    assert journal.size == 5
    assert isinstance(journal, Journal)
    assert held(store, journal)[0] <= 5 + 64  # SQLite trims every 64 records


def test_a_read_is_the_entries_built_as_looked_at(store: Store) -> None:
    """What the audit reads on every poll: the same entries, by index and by slice."""
    journal = store.journal(50)
    for i in range(8):
        journal.record({"provider": "sugon" if i % 2 else "itrigger", "n": i, "text": "中"})
    built, read = journal.entries(), journal.read()
    assert len(read) == len(built) == 8
    assert (read[0], read[-1]) == (built[0], built[-1])
    assert read[-1] is read[7]
    assert (read[2:5], read[::-3]) == (built[2:5], built[::-3])
    assert list(read) == built
    assert list(journal.read("sugon", limit=2)) == journal.entries("sugon", limit=2) == built[5::2]
    with pytest.raises(IndexError):
        read[8]


def entry(n: int, body: str) -> dict[str, object]:
    return {"provider": "itrigger", "n": n, "body": body}


def test_the_journal_keeps_the_newest_entries_that_fit_in_its_bytes(store: Store) -> None:
    """Large bodies: the count cap alone would keep 1,000 of them."""
    one = len(encode(entry(0, "x" * 10_000)).encode())
    journal = store.journal(1000, max_bytes=3 * one + 100)
    for i in range(300):
        journal.record(entry(i, "x" * 10_000))
    assert [e["n"] for e in journal.entries()] == [297, 298, 299]
    assert [e["n"] for e in journal.entries(limit=2)] == [298, 299]
    count, size = held(store, journal)
    assert count <= 3 + 64
    assert size <= (3 + 64) * one


def test_text_is_kept_as_utf8(store: Store) -> None:
    """Chinese text counts 3 bytes a character, not the 6 of a JSON escape."""
    one = len(encode(entry(0, "中" * 1000)).encode())
    assert one < 3100
    journal = store.journal(100, max_bytes=2 * one)
    for i in range(3):
        journal.record(entry(i, "中" * 1000))
    assert [(e["n"], e["body"]) for e in journal.entries()] == [(1, "中" * 1000), (2, "中" * 1000)]


def test_an_entry_larger_than_the_budget_is_not_kept(store: Store) -> None:
    journal = store.journal(100, max_bytes=1000)
    small = journal.record(entry(0, "small"))
    large = journal.record(entry(1, "x" * 2000))
    assert large["id"] == small["id"] + 1
    assert [e["n"] for e in journal.entries()] == []
    journal.record(entry(2, "small"))
    assert [e["n"] for e in journal.entries()] == [2]
