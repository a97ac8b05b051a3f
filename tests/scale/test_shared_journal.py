"""The journal kept in a shared store: capped, ids unique and rising (also across a clear), filters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provider_mocks.core.clock import Clock
from provider_mocks.core.journal import Journal
from provider_mocks.core.store import Store, open_store
from tests.redis_server import RedisServer


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path}/state.db"
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        server.flush()
        url = server.url(1)
    opened = open_store(url, Clock())
    yield opened
    opened.close()


def test_ids_rise_and_survive_a_clear(store: Store) -> None:
    journal = store.journal(10)
    first = journal.record({"provider": "itrigger", "n": 1})
    assert first == {"id": first["id"], "provider": "itrigger", "n": 1}
    journal.clear()
    assert journal.entries() == []
    assert journal.record({"provider": "itrigger", "n": 2})["id"] == first["id"] + 1


def test_two_journals_on_one_store_are_one_journal(store: Store) -> None:
    one, other = store.journal(100), store.journal(100)
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
