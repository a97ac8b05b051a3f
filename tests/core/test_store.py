"""Every store: JSON values, virtual-clock expiry and the atomic operations.

Each test runs against the in-memory store, the LMDB and SQLite stores and the Redis
store (a real redis-server the session starts), so they behave alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provider_mocks.core.clock import Clock
from provider_mocks.core.stores import IfAbsent, MemoryStore, Store, open_store
from provider_mocks.core.stores.base import Count, Put, Ring, StoreUnavailable, Swap
from tests.redis_server import RedisServer, redis_server  # noqa: F401 - the fixture

from .fakes import START, FakeSource


@pytest.fixture
def clock() -> Clock:
    clock = Clock(source=FakeSource())
    clock.freeze()
    return clock


#: The stores a test opens in its own folder (Redis: the test server's).
LOCAL = ("memory", "lmdb", "sqlite")


def local_url(kind: str, folder: Path) -> str:
    """The URL of a store of `kind` in a test's folder."""
    return {"memory": "memory", "lmdb": f"lmdb://{folder}/state", "sqlite": f"sqlite://{folder}/state.db"}[
        kind
    ]


@pytest.fixture(params=["memory", "lmdb", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, clock: Clock, tmp_path: Path) -> Iterator[Store]:
    if request.param in LOCAL:
        url = local_url(request.param, tmp_path)
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        server.flush()
        url = server.url()
    opened = open_store(url, clock)
    yield opened
    opened.close()


@pytest.fixture
def other(store: Store, clock: Clock) -> Iterator[Store]:
    """Another process's view of `store`'s state: a second store on it (in memory, the same one)."""
    if store.url == "memory":
        yield store
        return
    opened = open_store(store.url, clock)
    yield opened
    opened.close()


@pytest.fixture
def memory_store(clock: Clock) -> MemoryStore:
    return MemoryStore(clock)


# -- get / set / delete -------------------------------------------------------


def test_get_absent_is_none(store: Store) -> None:
    assert store.get("nothing") is None


def test_set_then_get(store: Store) -> None:
    store.set("a", {"x": 1, "y": [1, 2], "z": "中文"})
    store.set("n", 7)
    store.set("s", "text")
    assert store.get("a") == {"x": 1, "y": [1, 2], "z": "中文"}
    assert store.get("n") == 7
    assert store.get("s") == "text"


def test_set_overwrites(store: Store) -> None:
    store.set("a", 1)
    store.set("a", 2)
    assert store.get("a") == 2


def test_set_overwrite_without_expiry_drops_the_old_expiry(store: Store, clock: Clock) -> None:
    store.set("a", 1, expires_at=START + 10)
    store.set("a", 2)
    clock.advance(100)
    assert store.get("a") == 2


def test_delete(store: Store) -> None:
    store.set("a", 1)
    assert store.delete("a") is True
    assert store.get("a") is None
    assert store.delete("a") is False
    assert store.delete("never") is False


def test_delete_an_expired_key_reports_absent(store: Store, clock: Clock) -> None:
    store.set("a", 1, expires_at=START + 5)
    clock.advance(5)
    assert store.delete("a") is False


# -- expiry ---------------------------------------------------------------------


def test_present_just_before_expiry(store: Store, clock: Clock) -> None:
    store.set("a", "v", expires_at=START + 10)
    clock.set(START + 9.999)
    assert store.get("a") == "v"


def test_absent_exactly_at_expiry(store: Store, clock: Clock) -> None:
    store.set("a", "v", expires_at=START + 10)
    clock.set(START + 10)
    assert store.get("a") is None


def test_expired_stays_gone_when_the_clock_goes_back(store: Store, clock: Clock) -> None:
    """Reading an expired key drops it; turning the clock back does not revive it."""
    store.set("a", "v", expires_at=START + 10)
    clock.advance(10)
    assert store.get("a") is None
    clock.advance(-10)
    assert store.get("a") is None


def test_expiry_in_the_past_is_never_visible(store: Store) -> None:
    store.set("a", "v", expires_at=START - 1)
    assert store.get("a") is None


# -- incr -----------------------------------------------------------------------


def test_incr_counts_from_one(store: Store) -> None:
    assert store.incr("c") == 1
    assert store.incr("c") == 2
    assert store.get("c") == 2


def test_incr_with_limit(store: Store) -> None:
    assert [store.incr("c", limit=3) for _ in range(3)] == [1, 2, 3]
    assert store.incr("c", limit=3) is None
    assert store.incr("c", limit=3) is None
    assert store.get("c") == 3  # a refused increment changes nothing
    assert store.incr("c", limit=5) == 4


def test_incr_with_zero_limit_refuses_at_once(store: Store) -> None:
    assert store.incr("c", limit=0) is None
    assert store.get("c") is None


def test_incr_sets_expiry_when_creating(store: Store, clock: Clock) -> None:
    assert store.incr("c", expires_at=START + 60) == 1
    clock.advance(59)
    assert store.get("c") == 1
    clock.advance(1)
    assert store.get("c") is None


def test_incr_keeps_the_expiry_of_an_existing_counter(store: Store, clock: Clock) -> None:
    store.incr("c", expires_at=START + 60)
    assert store.incr("c", expires_at=START + 3600) == 2
    assert store.incr("c") == 3
    clock.advance(60)
    assert store.get("c") is None


def test_incr_keeps_no_expiry_of_an_existing_counter(store: Store, clock: Clock) -> None:
    store.incr("c")
    store.incr("c", expires_at=START + 1)
    clock.advance(100)
    assert store.get("c") == 2


def test_incr_after_expiry_starts_again(store: Store, clock: Clock) -> None:
    store.incr("c", limit=2, expires_at=START + 10)
    store.incr("c", limit=2, expires_at=START + 10)
    assert store.incr("c", limit=2, expires_at=START + 10) is None
    clock.advance(10)
    assert store.incr("c", limit=2, expires_at=START + 20) == 1


# -- compare_and_set --------------------------------------------------------------


def test_cas_none_expected_on_absent(store: Store) -> None:
    assert store.compare_and_set("k", None, {"v": 1}) is True
    assert store.get("k") == {"v": 1}


def test_cas_none_expected_on_present_fails(store: Store) -> None:
    store.set("k", "old")
    assert store.compare_and_set("k", None, "new") is False
    assert store.get("k") == "old"


def test_cas_none_expected_on_expired(store: Store, clock: Clock) -> None:
    store.set("k", "old", expires_at=START + 1)
    clock.advance(1)
    assert store.compare_and_set("k", None, "new") is True
    assert store.get("k") == "new"


def test_cas_mismatch_changes_nothing(store: Store) -> None:
    store.set("k", {"n": 1})
    assert store.compare_and_set("k", {"n": 2}, {"n": 3}) is False
    assert store.get("k") == {"n": 1}


def test_cas_expected_value_on_absent_fails(store: Store) -> None:
    assert store.compare_and_set("k", "x", "y") is False
    assert store.get("k") is None


def test_cas_match(store: Store) -> None:
    store.set("k", {"n": 1, "l": [1]})
    assert store.compare_and_set("k", {"n": 1, "l": [1]}, {"n": 2}) is True
    assert store.get("k") == {"n": 2}


def test_cas_sets_the_new_expiry(store: Store, clock: Clock) -> None:
    store.set("k", 1)
    assert store.compare_and_set("k", 1, 2, expires_at=START + 5) is True
    clock.advance(4)
    assert store.get("k") == 2
    clock.advance(1)
    assert store.get("k") is None


# -- update -----------------------------------------------------------------------


def test_update_of_an_absent_key_gives_none_and_writes(store: Store) -> None:
    assert store.update("k", lambda value: [*(value or []), "a"]) == (None, ["a"])
    assert store.get("k") == ["a"]


def test_update_gives_the_value_read_and_the_value_written(store: Store) -> None:
    store.set("k", {"n": 1})
    assert store.update("k", lambda value: {"n": 2}) == ({"n": 1}, {"n": 2})
    assert store.get("k") == {"n": 2}


def test_update_sets_the_new_expiry(store: Store, clock: Clock) -> None:
    store.set("k", 1)
    store.update("k", lambda value: (value or 0) + 1, expires_at=START + 5)
    clock.advance(4)
    assert store.get("k") == 2
    clock.advance(1)
    assert store.get("k") is None


def test_update_that_keeps_the_value_writes_nothing(store: Store, clock: Clock) -> None:
    store.set("k", {"n": 1}, expires_at=START + 5)
    assert store.update("k", lambda value: value, expires_at=START + 100) == ({"n": 1}, {"n": 1})
    clock.advance(5)
    assert store.get("k") is None  # the old expiry held: nothing was written


def test_update_runs_again_on_what_another_writer_wrote_and_may_keep_it(store: Store) -> None:
    """Like a token fetch that finds another fetch's live token in its place, and uses that."""
    seen: list[object] = []

    def change(value: object) -> object:
        seen.append(value)
        if value is None:
            store.set("k", "theirs")  # another writer comes first
            return "mine"
        return value

    assert store.update("k", change) == ("theirs", "theirs")
    assert seen == [None, "theirs"]
    assert store.get("k") == "theirs"


# -- scan -------------------------------------------------------------------------


def test_scan_by_prefix_in_key_order_skipping_expired(store: Store, clock: Clock) -> None:
    store.set("p:c", 3)
    store.set("p:a", 1)
    store.set("q:a", "other")
    store.set("p:b", 2, expires_at=START + 5)
    store.set("p:d", 4, expires_at=START + 50)
    store.set("p", "exact")
    assert list(store.scan("p:")) == [("p:a", 1), ("p:b", 2), ("p:c", 3), ("p:d", 4)]
    clock.advance(5)
    assert list(store.scan("p:")) == [("p:a", 1), ("p:c", 3), ("p:d", 4)]
    assert list(store.scan("")) == [("p", "exact"), ("p:a", 1), ("p:c", 3), ("p:d", 4), ("q:a", "other")]
    assert list(store.scan("zzz")) == []


def test_scan_allows_deleting_while_iterating(store: Store) -> None:
    for name in "abc":
        store.set(f"p:{name}", name)
    for key, _ in store.scan("p:"):
        store.delete(key)
    assert list(store.scan("p:")) == []


# -- copies -----------------------------------------------------------------------


def test_values_read_are_copies(store: Store) -> None:
    store.set("k", {"list": [1], "n": 1})
    first = store.get("k")
    assert isinstance(first, dict)
    first["list"].append(2)
    first["n"] = 99
    assert store.get("k") == {"list": [1], "n": 1}


def test_values_written_are_copies(store: Store) -> None:
    value = {"list": [1]}
    store.set("k", value)
    value["list"].append(2)
    assert store.get("k") == {"list": [1]}


def test_scanned_values_are_copies(store: Store) -> None:
    store.set("p:k", {"n": 1})
    for _, value in store.scan("p:"):
        value["n"] = 2
    assert store.get("p:k") == {"n": 1}


# -- clear ------------------------------------------------------------------------


def test_clear(store: Store) -> None:
    store.set("a", 1)
    store.set("b", 2, expires_at=START + 100)
    store.incr("c")
    store.clear()
    assert store.get("a") is None
    assert store.get("b") is None
    assert store.get("c") is None
    assert list(store.scan("")) == []
    assert store.incr("c") == 1


# -- rings ------------------------------------------------------------------------------


def test_a_ring_keeps_the_last_size_keys(store: Store) -> None:
    for i in range(10):
        store.set_in_ring("ring", f"kept:{i}", {"n": i}, size=3)
    assert [store.get(f"kept:{i}") for i in range(10)] == [None] * 7 + [{"n": 7}, {"n": 8}, {"n": 9}]
    assert len(list(store.scan("ring:"))) == 4  # the counter and three slots, however many went in


def test_a_ring_key_and_its_slot_expire_together(store: Store, clock: Clock) -> None:
    store.set_in_ring("ring", "kept", 1, size=3, expires_at=START + 10)
    clock.advance(10)
    store.set_in_ring("ring", "later", 2, size=3)
    assert dict(store.scan("")) == {"later": 2, "ring:next": 2, "ring:2": "later"}


def test_the_newest_in_a_ring_come_first_and_a_limit_reads_only_those(store: Store, clock: Clock) -> None:
    assert list(store.newest_in_ring("ring", size=3)) == []
    for i in range(5):
        store.set_in_ring("ring", f"kept:{i}", i, size=3, expires_at=START + 10 * (i + 1))
    newest = [("kept:4", 4), ("kept:3", 3), ("kept:2", 2)]
    assert list(store.newest_in_ring("ring", size=3)) == newest
    assert list(store.newest_in_ring("ring", size=3, limit=2)) == newest[:2]
    assert list(store.newest_in_ring("ring", size=3, limit=9)) == newest
    clock.advance(40)  # kept:2 and kept:3 have expired
    assert list(store.newest_in_ring("ring", size=3)) == [("kept:4", 4)]
    assert list(store.newest_in_ring("ring", size=3, limit=1)) == [("kept:4", 4)]


def test_concurrent_ring_writes_keep_exactly_size_keys(store: Store) -> None:
    def work() -> None:
        for n in range(25):
            store.set_in_ring("ring", f"kept:{threading.get_ident()}:{n}", n, size=40)

    _run_threads(8, work)
    assert len(list(store.scan("kept:"))) == 40
    assert len(list(store.scan("ring:"))) == 41


def test_if_absent_writes_only_where_nothing_is(store: Store) -> None:
    store.set("there", "mine")
    seeding = IfAbsent(store)
    seeding.set("there", "seed")
    seeding.set("missing", "seed")
    assert (store.get("there"), store.get("missing")) == ("mine", "seed")


# -- groups of steps ------------------------------------------------------------------------


def test_a_group_runs_its_steps_in_order_and_answers_each(store: Store) -> None:
    store.set("current", "old")
    store.set("record:old", {"n": 1})
    done = store.run(
        Count("count", limit=2),
        Put("record:new", {"n": 2}),
        Swap("current", "new", follow="record:"),
    )
    assert done == [1, None, ("old", {"n": 1})]
    assert (store.get("count"), store.get("record:new"), store.get("current")) == (1, {"n": 2}, "new")


def test_a_refused_count_stops_the_group(store: Store) -> None:
    store.set("count", 2)
    assert store.run(Count("count", limit=2), Put("written", True), Swap("current", "new")) is None
    assert (store.get("count"), store.get("written"), store.get("current")) == (2, None, None)


def test_a_swap_replaces_whatever_is_there_and_follows_it(store: Store, clock: Clock) -> None:
    assert store.run(Swap("current", "a", follow="record:")) == [(None, None)]
    store.set("record:b", 1, expires_at=START + 5)
    store.set("current", "b")
    assert store.run(Swap("current", "c", follow="record:")) == [("b", 1)]
    store.set("current", "b")
    clock.advance(5)  # the record it names has expired
    assert store.run(Swap("current", "c", expires_at=START + 20, follow="record:")) == [("b", None)]
    clock.advance(15)  # the value there has expired: nothing is replaced
    assert store.run(Swap("current", "d", follow="record:")) == [(None, None)]
    assert store.get("current") == "d"


def test_concurrent_swaps_each_replace_another_value(store: Store) -> None:
    """Like concurrent fetches of one app's token: each token is replaced once, none twice."""
    replaced: list[object] = []
    lock = threading.Lock()

    def work() -> None:
        for n in range(25):
            done = store.run(Swap("current", f"{threading.get_ident()}:{n}"))
            assert done is not None
            with lock:
                replaced.append(done[0][0])

    _run_threads(8, work)
    assert len(set(replaced)) == len(replaced) == 200
    assert replaced.count(None) == 1


def test_writes_left_for_later_are_written_by_the_next_call(store: Store, other: Store) -> None:
    store.later(Put("a", 1), Ring("ring", "kept", 2, size=3))
    store.get("anything")
    assert (other.get("a"), other.get("kept")) == (1, 2)


# -- read-mostly keys -----------------------------------------------------------------------


def test_a_read_mostly_key_changed_anywhere_is_read_as_changed(store: Store, other: Store) -> None:
    """A store whose reads are round trips keeps a copy of these keys: never past a change."""
    for each in (store, other):
        each.read_mostly("conf:")
    for n in range(30):
        assert other.get("conf:k") == (n - 1 if n else None)  # read, and kept
        store.set("conf:k", n)
        assert other.get("conf:k") == n
    assert other.update("conf:k", lambda value: (value or 0) + 1) == (29, 30)
    assert store.get("conf:k") == 30
    assert store.compare_and_set("conf:k", 30, "cas") is True
    assert other.get("conf:k") == "cas"
    assert store.delete("conf:k") is True
    assert other.get("conf:k") is None
    store.set("conf:k", "back")
    store.clear()
    assert other.get("conf:k") is None


def test_a_read_mostly_copy_keeps_to_the_virtual_clock(store: Store, clock: Clock) -> None:
    store.read_mostly("conf:")
    store.set("conf:k", 1, expires_at=START + 10)
    assert store.get("conf:k") == 1
    clock.advance(10)
    assert store.get("conf:k") is None
    clock.advance(-10)  # dropped once read expired, as every key is
    assert store.get("conf:k") is None


def test_a_read_mostly_key_lost_with_the_state_is_an_outage_not_an_absence(
    redis_server: RedisServer,  # noqa: F811 - the fixture
    clock: Clock,
) -> None:
    """A request reads the clock, Redis restarts empty, the request reads a credential: that must
    not be "unknown credential" but the store's outage, and the next request seeds it again."""
    redis_server.flush()
    store = open_store(redis_server.url(), clock)
    try:
        store.read_mostly("conf:")
        store.marks_state("conf:state")
        store.set("conf:state", 1)
        store.set("conf:credential", "seeded")
        assert store.get("conf:unknown") is None  # the state is there: absent is absent
        redis_server.flush()  # as a Redis restarted without persistence
        with pytest.raises(StoreUnavailable, match="lost its state"):
            store.get("conf:credential")
        assert store.get("conf:state") is None  # the state's own key: not seeded yet
        assert IfAbsent(store).get("conf:credential") is None  # seeding it: absent is absent
        store.set("conf:state", 1)
        assert store.get("conf:credential") is None
    finally:
        store.close()


# -- the periodic sweep ---------------------------------------------------------------


def test_sweep_drops_expired_entries_nobody_read(memory_store: MemoryStore, clock: Clock) -> None:
    memory_store.set("stale", 1, expires_at=START + 1)
    clock.advance(1)
    for i in range(MemoryStore.SWEEP_EVERY):
        memory_store.set(f"fresh:{i}", i)
    assert "stale" not in memory_store._data
    assert memory_store.get("fresh:0") == 0


# -- concurrency ------------------------------------------------------------------


def _run_threads(count: int, work: Callable[[], None]) -> None:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # surfaced below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_concurrent_incr_with_limit_counts_exactly(store: Store) -> None:
    successes: list[int] = []
    refused: list[None] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            result = store.incr("hits", limit=500)
            with lock:
                if result is None:
                    refused.append(result)
                else:
                    successes.append(result)

    _run_threads(50, work)
    assert len(successes) == 500
    assert sorted(successes) == list(range(1, 501))
    assert len(refused) == 500
    assert store.get("hits") == 500


def test_concurrent_compare_and_set_loses_no_update(store: Store) -> None:
    threads, rounds = 20, 50

    def work() -> None:
        for _ in range(rounds):
            while True:
                current = store.get("counter")
                if store.compare_and_set("counter", current, (current or 0) + 1):
                    break

    _run_threads(threads, work)
    assert store.get("counter") == threads * rounds


def test_concurrent_update_loses_no_update(store: Store) -> None:
    threads, rounds = 20, 50
    previous: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(rounds):
            before, after = store.update("counter", lambda value: (value or 0) + 1)
            assert after == (before or 0) + 1
            with lock:
                previous.append(before or 0)

    _run_threads(threads, work)
    assert store.get("counter") == threads * rounds
    assert sorted(previous) == list(range(threads * rounds))  # each update read what the one before wrote


def test_cas_compares_values_not_their_bytes(store: Store) -> None:
    store.set("k", {"a": 1, "b": [1, 2]})
    assert store.compare_and_set("k", {"b": [1, 2], "a": 1}, "new") is True
    assert store.get("k") == "new"
    assert store.compare_and_set("k", "other", "newer") is False


def test_incr_with_a_negative_limit_refuses(store: Store) -> None:
    assert store.incr("c", limit=-1) is None
    assert store.get("c") is None


def test_scan_takes_glob_characters_literally(store: Store) -> None:
    store.set("p*:a", 1)
    store.set("p?:b", 2)
    store.set("px:c", 3)
    assert list(store.scan("p*:")) == [("p*:a", 1)]
    assert list(store.scan("p?")) == [("p?:b", 2)]


# -- atomic groups ----------------------------------------------------------------------


@pytest.fixture(params=["memory", "lmdb", "sqlite"])
def grouping_store(request: pytest.FixtureRequest, clock: Clock, tmp_path: Path) -> Iterator[Store]:
    """The stores whose `atomic()` groups writes (Redis runs each operation on its own)."""
    opened = open_store(local_url(request.param, tmp_path), clock)
    yield opened
    opened.close()


def test_a_group_is_seen_whole_or_not_at_all(grouping_store: Store, clock: Clock, tmp_path: Path) -> None:
    # another process: a second SQLite store on the same file; in memory, another thread of this one
    other = grouping_store if grouping_store.url == "memory" else open_store(grouping_store.url, clock)
    first_written, seen = threading.Event(), []

    def read() -> None:
        first_written.wait()
        seen.append((other.get("a"), other.get("b")))

    reader = threading.Thread(target=read)
    reader.start()
    with grouping_store.atomic():
        grouping_store.set("a", 1)
        first_written.set()
        reader.join(0.2)  # the reader has had its chance to look between the two writes
        grouping_store.set("b", 1)
    reader.join()
    assert seen in ([(None, None)], [(1, 1)])
    assert (other.get("a"), other.get("b")) == (1, 1)


def test_groups_nest_and_keep_what_they_wrote_when_they_raise(grouping_store: Store) -> None:
    def fail_inside() -> None:
        with grouping_store.atomic():
            grouping_store.incr("n")
            with grouping_store.atomic():
                grouping_store.set("inner", True)
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail_inside()
    assert (grouping_store.get("n"), grouping_store.get("inner")) == (1, True)
    assert grouping_store.incr("n") == 2  # and the store is usable again


def test_sweep_keeps_a_key_rewritten_with_a_later_expiry(memory_store: MemoryStore, clock: Clock) -> None:
    memory_store.set("token", "old", expires_at=START + 1)
    memory_store.set("token", "new", expires_at=START + 100)
    clock.advance(1)
    for i in range(MemoryStore.SWEEP_EVERY):
        memory_store.set(f"fresh:{i}", i)
    assert memory_store.get("token") == "new"
    clock.advance(100)
    for i in range(MemoryStore.SWEEP_EVERY):
        memory_store.set(f"fresh:{i}", i)
    assert "token" not in memory_store._data


def test_the_expiry_heap_stays_bounded_when_one_key_is_rewritten(
    memory_store: MemoryStore, clock: Clock
) -> None:
    """An app's current token is written with a new expiry at every fetch."""
    for i in range(20 * MemoryStore.SWEEP_EVERY):
        memory_store.set("current", i, expires_at=START + 7200 + i)
    assert len(memory_store._expiries) <= 2 * MemoryStore.SWEEP_EVERY + 2
    assert memory_store.get("current") == 20 * MemoryStore.SWEEP_EVERY - 1
    clock.advance(7200 + 20 * MemoryStore.SWEEP_EVERY)
    assert memory_store.get("current") is None
