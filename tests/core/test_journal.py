"""The request journal: bounded, ordered, filterable; bodies cut and made readable."""

from __future__ import annotations

from typing import Any

from provider_mocks.core.journal import BODY_LIMIT, Journal, excerpt


def entry(provider: str | None = "itrigger", **extra: Any) -> dict[str, Any]:
    return {"provider": provider, "path": "/x", **extra}


def test_record_returns_the_entry_with_an_id() -> None:
    journal = Journal()
    recorded = journal.record(entry(path="/a"))
    assert recorded == {"id": 1, "provider": "itrigger", "path": "/a"}
    assert next(iter(recorded)) == "id"
    assert journal.entries() == [recorded]


def test_record_does_not_change_the_caller_dict() -> None:
    journal = Journal()
    mine = entry()
    journal.record(mine)
    assert "id" not in mine


def test_ids_increase() -> None:
    journal = Journal()
    ids = [journal.record(entry())["id"] for _ in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert [e["id"] for e in journal.entries()] == ids


def test_entries_oldest_first() -> None:
    journal = Journal()
    for i in range(3):
        journal.record(entry(n=i))
    assert [e["n"] for e in journal.entries()] == [0, 1, 2]


def test_bounded_size_oldest_fall_off() -> None:
    journal = Journal(size=3)
    assert journal.size == 3
    for i in range(5):
        journal.record(entry(n=i))
    kept = journal.entries()
    assert [e["n"] for e in kept] == [2, 3, 4]
    assert [e["id"] for e in kept] == [3, 4, 5]


def test_default_size() -> None:
    assert Journal().size == 5000


def test_filter_by_provider() -> None:
    journal = Journal()
    journal.record(entry("itrigger", n=0))
    journal.record(entry("atrip", n=1))
    journal.record(entry(None, n=2))
    journal.record(entry("itrigger", n=3))
    assert [e["n"] for e in journal.entries(provider="itrigger")] == [0, 3]
    assert [e["n"] for e in journal.entries(provider="atrip")] == [1]
    assert journal.entries(provider="sugon") == []
    assert len(journal.entries()) == 4


def test_limit_keeps_the_newest() -> None:
    journal = Journal()
    for i in range(5):
        journal.record(entry(n=i))
    assert [e["n"] for e in journal.entries(limit=2)] == [3, 4]
    assert [e["n"] for e in journal.entries(limit=10)] == [0, 1, 2, 3, 4]
    assert len(journal.entries(limit=None)) == 5


def test_limit_applies_after_the_provider_filter() -> None:
    journal = Journal()
    for i in range(6):
        journal.record(entry("itrigger" if i % 2 else "atrip", n=i))
    assert [e["n"] for e in journal.entries(provider="itrigger", limit=2)] == [3, 5]


def test_entries_is_a_snapshot() -> None:
    journal = Journal()
    journal.record(entry())
    listed = journal.entries()
    listed.clear()
    journal.record(entry())
    assert len(journal.entries()) == 2


def test_clear_empties_but_ids_go_on() -> None:
    journal = Journal()
    journal.record(entry())
    journal.record(entry())
    journal.clear()
    assert journal.entries() == []
    assert journal.record(entry())["id"] == 3


# -- excerpt --------------------------------------------------------------------


def test_excerpt_short_body_as_text() -> None:
    assert excerpt(b"") == ""
    assert excerpt('{"a":"中文"}'.encode()) == '{"a":"中文"}'


def test_excerpt_body_at_the_limit_is_whole() -> None:
    data = b"a" * BODY_LIMIT
    assert excerpt(data) == "a" * BODY_LIMIT


def test_excerpt_cuts_long_bodies() -> None:
    data = b"a" * (BODY_LIMIT + 100)
    text = excerpt(data)
    assert text.startswith("a" * BODY_LIMIT)
    assert len(text) == BODY_LIMIT + 1
    assert text.endswith("…")


def test_excerpt_replaces_bad_utf8() -> None:
    assert excerpt(b"ok\xff\xfe!") == "ok\ufffd\ufffd!"


def test_excerpt_of_binary_data_is_still_text() -> None:
    text = excerpt(bytes(range(256)))
    assert isinstance(text, str)
    assert "\ufffd" in text
