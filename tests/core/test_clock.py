"""The virtual clock, driven by a fake time source so every instant is exact."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from provider_mocks.core.clock import Clock
from provider_mocks.core.stores import MemoryStore

from .fakes import START, FakeSource


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def clock(source: FakeSource) -> Clock:
    return Clock(source=source)


def test_follows_the_source(clock: Clock, source: FakeSource) -> None:
    assert clock.time() == START
    source.tick(12.5)
    assert clock.time() == START + 12.5
    assert not clock.frozen


def test_now_is_an_aware_utc_datetime(clock: Clock) -> None:
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert now == datetime(2026, 1, 1, tzinfo=UTC)


def test_freeze_stops_the_clock(clock: Clock, source: FakeSource) -> None:
    source.tick(5)
    clock.freeze()
    assert clock.frozen
    source.tick(100)
    assert clock.time() == START + 5


def test_freeze_twice_keeps_the_first_instant(clock: Clock, source: FakeSource) -> None:
    clock.freeze()
    source.tick(30)
    clock.freeze()
    assert clock.time() == START


def test_unfreeze_continues_from_the_frozen_instant(clock: Clock, source: FakeSource) -> None:
    clock.freeze()
    source.tick(3600)
    clock.freeze(False)
    assert not clock.frozen
    assert clock.time() == START  # no jump to the source's time
    source.tick(2)
    assert clock.time() == START + 2


def test_unfreeze_a_running_clock_changes_nothing(clock: Clock, source: FakeSource) -> None:
    clock.advance(10)
    clock.freeze(False)
    assert clock.time() == START + 10
    assert not clock.frozen


def test_set_aware_datetime_on_a_running_clock(clock: Clock, source: FakeSource) -> None:
    target = datetime(2030, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    clock.set(target)
    assert clock.time() == target.timestamp()
    assert clock.now() == target
    source.tick(7)
    assert clock.time() == target.timestamp() + 7
    assert not clock.frozen


def test_set_float_on_a_running_clock(clock: Clock, source: FakeSource) -> None:
    clock.set(1_000_000.0)
    assert clock.time() == 1_000_000.0
    source.tick(1)
    assert clock.time() == 1_000_001.0


def test_set_keeps_a_frozen_clock_frozen(clock: Clock, source: FakeSource) -> None:
    clock.freeze()
    clock.set(datetime(2027, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert clock.frozen
    source.tick(50)
    assert clock.now() == datetime(2027, 3, 4, 5, 6, 7, tzinfo=UTC)
    clock.set(42.0)
    source.tick(50)
    assert clock.time() == 42.0
    assert clock.frozen


def test_set_into_the_past(clock: Clock) -> None:
    clock.set(START - 86_400)
    assert clock.time() == START - 86_400


def test_advance_forward_and_back_on_a_running_clock(clock: Clock, source: FakeSource) -> None:
    clock.advance(3600)
    assert clock.time() == START + 3600
    clock.advance(-7200)
    assert clock.time() == START - 3600
    source.tick(1)
    assert clock.time() == START - 3599


def test_advance_forward_and_back_on_a_frozen_clock(clock: Clock, source: FakeSource) -> None:
    clock.freeze()
    clock.advance(86_400)
    source.tick(10)
    assert clock.time() == START + 86_400
    clock.advance(-0.5)
    assert clock.time() == START + 86_399.5
    assert clock.frozen


def test_advance_then_unfreeze_runs_on_from_the_moved_instant(clock: Clock, source: FakeSource) -> None:
    clock.freeze()
    clock.advance(60)
    source.tick(1000)
    clock.freeze(False)
    assert clock.time() == START + 60
    source.tick(1)
    assert clock.time() == START + 61


def test_reset_follows_the_source_again(clock: Clock, source: FakeSource) -> None:
    clock.advance(500)
    clock.freeze()
    source.tick(20)
    clock.reset()
    assert not clock.frozen
    assert clock.time() == START + 20
    source.tick(1)
    assert clock.time() == START + 21


def test_state_of_a_running_clock(clock: Clock) -> None:
    clock.advance(90)
    assert clock.state() == {
        "now": "2026-01-01T00:01:30Z",
        "timestamp": START + 90,
        "frozen": False,
        "offset": 90.0,
    }


def test_state_of_a_frozen_clock(clock: Clock, source: FakeSource) -> None:
    clock.freeze()
    source.tick(30)
    state = clock.state()
    assert state["frozen"] is True
    assert state["timestamp"] == START
    assert state["offset"] == -30.0
    assert state["now"] == "2026-01-01T00:00:00Z"


def test_state_now_with_fraction_ends_in_z(clock: Clock) -> None:
    clock.set(START + 0.25)
    now = clock.state()["now"]
    assert isinstance(now, str)
    assert now.endswith("Z")
    assert datetime.fromisoformat(now) == datetime(2026, 1, 1, 0, 0, 0, 250_000, tzinfo=UTC)


def test_default_source_is_real_time() -> None:
    before = time.time()
    now = Clock().time()
    after = time.time()
    assert before <= now <= after


# -- sharing through a store ------------------------------------------------------


def test_a_shared_clock_keeps_its_state_in_the_store(source: FakeSource) -> None:
    store = MemoryStore(Clock(source=source))
    first, second = Clock(source=source), Clock(source=source)
    first.share(store)
    second.share(store)
    assert (first.shared, second.load()) == (True, False)  # nothing claimed yet
    assert first.claim() is True
    assert second.claim() is False
    first.freeze()
    first.advance(60)
    assert second.load() is True
    assert (second.frozen, second.time()) == (True, START + 60)


def test_clocks_moved_at_once_through_one_store_lose_no_move(source: FakeSource) -> None:
    store = MemoryStore(Clock(source=source))
    clocks = [Clock(source=source) for _ in range(8)]
    for clock in clocks:
        clock.share(store)

    def move(clock: Clock) -> None:
        for _ in range(50):
            clock.advance(1)

    threads = [threading.Thread(target=move, args=(clock,)) for clock in clocks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for clock in clocks:
        clock.load()
        assert clock.time() == START + 8 * 50
