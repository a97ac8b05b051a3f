"""A store several instances on several machines share: one Redis database.

Each value is kept as `<expires_at>|<json>`: the expiry is an instant on the
virtual clock (Redis TTLs are real time, and the clock can be frozen or moved
by days). A real TTL is added only as a generous upper bound, so entries
nobody reads again do not pile up.

Every call is one Lua script, STEPS, which Redis runs whole, one at a time:
it runs a list of steps (read, write, increment-and-check, compare-and-set,
delete, swap, ring, journal entry), each judging expiry by the virtual instant
the caller passes. So a call is one round trip however many steps it holds: a
group of `Store.run` is one, and the writes `Store.later` defers (a replaced
token's move into the trace, dropping an expired entry) wait in the calling
thread's list and go first in its next call (a request's journal entry at the
latest, so they are written before the request is answered). A call that fails
loses the writes it carried, as it would have lost them sent alone.

Keys declared `read_mostly` (the clock, fault rules, credentials) are read once
and then served from this process's copy (`LocalCopies`), kept right by Redis:
see LocalCopies for why a copy is never served stale. (redis-py's own client-side
cache needs Redis 7.4 and serves a copy from one connection of the pool without
reading the others' pushes; this needs Redis 6, and one listener sees every change.)

All keys live under `provider-mocks:`, so the database can hold other data.
A Redis that cannot be reached raises StoreUnavailable; the client reconnects
by itself on the next call once Redis is back. A Redis that does not answer
(hung, stopped) fails a call after TIMEOUT seconds, and every call for HOLD
seconds after that at once, so each request is answered within a second;
`?socket_timeout=SECONDS` in the URL sets another timeout.

Journal ids come from a counter that Redis creates at the current time in
microseconds: a Redis that lost its data (restarted without persistence)
starts above every id it gave before, so an id never names two requests.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast

from ..journal import Entry, KeptJournal, encode
from .base import Count, Put, Ring, Step, Store, StoreUnavailable, Swap, Value

if TYPE_CHECKING:
    import redis
    from redis.connection import AbstractConnection

    from ..clock import Clock

T = TypeVar("T")

NAMESPACE = "provider-mocks:"
JOURNAL = NAMESPACE + "journal"
JOURNAL_IDS = NAMESPACE + "journal-ids"
JOURNAL_BYTES_KEY = NAMESPACE + "journal-bytes"
#: Keys of the journal, which are not JSON values: scans skip them.
JOURNAL_KEYS = (JOURNAL, JOURNAL_IDS, JOURNAL_BYTES_KEY)
#: Seconds a call waits for Redis to connect or answer before the store counts as unavailable.
TIMEOUT = 0.5
#: Seconds after a timed-out call during which every call fails at once (then one tries again).
HOLD = 0.5
#: Seconds since Redis last answered this process within which a local copy is served as it is;
#: past them a ping comes first, so a hung Redis fails a request that reads only copies too.
LEASE = 0.5
#: Real seconds an entry with an expiry outlives it in Redis: a bound for memory, never a rule.
REAL_TTL_MARGIN = 7 * 86400

#: KEYS: each step's keys, in order; ARGV[1]: now (virtual epoch seconds), then each step's kind
#: and arguments. Returns each step's answer; a count refused by its limit (-1) ends the list.
STEPS = """
local now = tonumber(ARGV[1])

local function live_body(raw)
  if not raw then return false, '' end
  local bar = string.find(raw, '|', 1, true)
  local exp = string.sub(raw, 1, bar - 1)
  if exp ~= '' and tonumber(exp) <= now then return false, exp end
  return string.sub(raw, bar + 1), exp
end

local function write(key, payload, ttl)
  if ttl ~= '' then
    redis.call('SET', key, payload, 'PX', ttl)
  else
    redis.call('SET', key, payload)
  end
end

-- Each step: its keys, its arguments (how many of each: `shape`); its answer, never nil.
local step, shape = {}, {}

-- The raw entry (its expiry for the caller to judge), or false.
shape.get = {1, 0}
function step.get(keys)
  return redis.call('GET', keys[1])
end

-- ARGV: payload, real ttl ms or ''.
shape.set = {1, 2}
function step.set(keys, payload, ttl)
  write(keys[1], payload, ttl)
  return 1
end

-- ARGV: limit or '', expires_at or '', real ttl ms or ''. The count, or -1 past the limit.
shape.count = {1, 3}
function step.count(keys, limit, expires_at, ttl)
  local body, exp = live_body(redis.call('GET', keys[1]))
  local count = 0
  if body then count = tonumber(body) else exp = expires_at end
  if limit ~= '' and count >= tonumber(limit) then return -1 end
  count = count + 1
  local payload = exp .. '|' .. string.format('%d', count)
  if body then
    redis.call('SET', keys[1], payload, 'KEEPTTL')
  else
    write(keys[1], payload, ttl)
  end
  return count
end

-- ARGV: 'absent' or 'value', expected json, new payload, real ttl ms or ''.
-- {1} when written, else {0} or {0, current json}.
shape.cas = {1, 4}
function step.cas(keys, mode, expected, payload, ttl)
  local body = live_body(redis.call('GET', keys[1]))
  if mode == 'absent' then
    if body then return {0, body} end
  elseif body ~= expected then
    if body then return {0, body} end
    return {0}
  end
  write(keys[1], payload, ttl)
  return {1}
end

-- 1 if a live entry was deleted.
shape.delete = {1, 0}
function step.delete(keys)
  local raw = redis.call('GET', keys[1])
  if not raw then return 0 end
  redis.call('DEL', keys[1])
  if live_body(raw) then return 1 end
  return 0
end

-- ARGV: the raw entry read. Drops an expired entry unless it changed meanwhile.
shape.drop = {1, 1}
function step.drop(keys, raw)
  if redis.call('GET', keys[1]) == raw then return redis.call('DEL', keys[1]) end
  return 0
end

-- ARGV: new payload, real ttl ms or '', the prefix of the key to follow or ''.
-- {the live json replaced or false, the raw entry of prefix .. the value replaced or false}.
shape.swap = {1, 3}
function step.swap(keys, payload, ttl, follow)
  local body = live_body(redis.call('GET', keys[1]))
  write(keys[1], payload, ttl)
  local followed = false
  if body and follow ~= '' then
    local name = cjson.decode(body)
    if type(name) == 'string' then followed = redis.call('GET', follow .. name) end
  end
  return {body, followed}
end

-- KEYS: the ring's counter, the key written; ARGV: the slot keys' prefix, ring size, the slot's
-- payload, the key's payload, real ttl ms or '', the namespace. Store.set_in_ring.
shape.ring = {2, 6}
function step.ring(keys, slots, size, slot_payload, payload, ttl, namespace)
  local raw = redis.call('GET', keys[1])
  local count = 1
  if raw then count = tonumber(string.sub(raw, string.find(raw, '|', 1, true) + 1)) + 1 end
  redis.call('SET', keys[1], '|' .. string.format('%d', count))
  local slot = slots .. string.format('%d', count % tonumber(size))
  local held = live_body(redis.call('GET', slot))
  if held then
    local evicted = namespace .. cjson.decode(held)
    if evicted ~= keys[2] then redis.call('DEL', evicted) end
  end
  write(slot, slot_payload, ttl)
  write(keys[2], payload, ttl)
  return 1
end

-- KEYS: the list, the id counter, the bytes of the list's entries (JSON, without the ids);
-- ARGV: entry json, size, max bytes.
-- Appends the entry under the next id, drops the oldest past either bound; returns the id.
-- A missing counter starts at the current time in microseconds (above any id a lost one gave).
shape.record = {3, 3}
function step.record(keys, entry, size, max_bytes)
  local id
  if redis.call('EXISTS', keys[2]) == 1 then
    id = redis.call('INCR', keys[2])
  else
    local clock = redis.call('TIME')
    id = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
    redis.call('SET', keys[2], string.format('%d', id))
  end
  local count = redis.call('RPUSH', keys[1], string.format('%d', id) .. '|' .. entry)
  local total = redis.call('INCRBY', keys[3], #entry)
  while count > tonumber(size) or total > tonumber(max_bytes) do
    local oldest = redis.call('LPOP', keys[1])
    if not oldest then
      redis.call('SET', keys[3], 0)
      break
    end
    count = count - 1
    total = redis.call('DECRBY', keys[3], #oldest - string.find(oldest, '|', 1, true))
  end
  return id
end

local answers = {}
local k, a = 1, 2
while a <= #ARGV do
  local kind = ARGV[a]
  local keys, args = shape[kind][1], shape[kind][2]
  local answer = step[kind]({unpack(KEYS, k, k + keys - 1)}, unpack(ARGV, a + 1, a + args))
  answers[#answers + 1] = answer
  if kind == 'count' and answer == -1 then return answers end
  k, a = k + keys, a + 1 + args
end
return answers
"""


class Op(NamedTuple):
    """One step of STEPS, as sent: its kind, its keys (namespaced) and its arguments."""

    kind: str
    keys: tuple[str, ...]
    args: tuple[str, ...] = ()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _split(raw: str) -> tuple[float | None, str]:
    exp, _, body = raw.partition("|")
    return (float(exp) if exp else None), body


#: A key this process holds no copy of (a copy may say "absent": None).
UNKNOWN = object()


class LocalCopies:
    """This process's copies of the read-mostly keys, which Redis tells it to drop.

    A connection of its own (the listener, RESP3) asks Redis to broadcast every change of a key
    under the declared prefixes (`CLIENT TRACKING ON BCAST PREFIX ...`): whoever writes one,
    through any connection, Redis pushes its name to every listener. A copy is served only
    after the pushes that have arrived are read, so it is never staler than what Redis has told
    this process, and the writer makes sure Redis has told everyone before it answers its
    client: after a write of a read-mostly key it waits for one more round trip (RedisStore
    `_written`), by when Redis has written its pushes out (it sends them in the same turn of its
    event loop as the write's own reply). So a clock move, a fault rule or a credential changed
    through one process is seen by the next request any process answers: on one machine the push
    is in every listener's socket before that last round trip is answered, and between machines
    it has left Redis by then, as far ahead of the writer's answer as a round trip.

    The rest keeps a copy from outliving what it copies: a read that raced a push is not kept
    (`epoch`); a listener that is lost (Redis restarted, a network failure) drops every copy
    and serves none until it listens again; a FLUSHALL pushes "everything"; a forked worker
    starts with none; and none is served while Redis has not answered lately (LEASE), so a hung
    Redis fails a request that needs nothing else from it.
    """

    #: Copies kept at most: past them, all are dropped (names of unknown credentials included).
    LIMIT = 10_000

    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self.prefixes: tuple[str, ...] = ()
        self._copies: dict[str, str | None] = {}
        #: Counts what made copies unsafe to keep: a read started before a change is not kept.
        self.epoch = 0
        self._listener: AbstractConnection | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def declare(self, prefixes: Iterable[str]) -> None:
        """Copy the keys under `prefixes` (namespaced) too: the listener listens for them anew."""
        wanted = {*self.prefixes, *prefixes}
        # Redis refuses prefixes of one another: the shortest covers the others
        found = tuple(sorted(p for p in wanted if not any(p != q and p.startswith(q) for q in wanted)))
        if found != self.prefixes:
            with self._lock:
                self.prefixes = found
                self._drop_listener()

    def covers(self, name: str) -> bool:
        return bool(self.prefixes) and name.startswith(self.prefixes)

    def lookup(self, name: str) -> object:
        """The copy of `name`, or UNKNOWN; StoreUnavailable when Redis cannot vouch for copies."""
        with self._lock:
            self._listen()
            return self._copies.get(name, UNKNOWN)

    def keep(self, name: str, raw: str | None, epoch: int) -> None:
        """Keep what a read begun at `epoch` found, unless a change may have come since."""
        with self._lock:
            if self._listener is None:
                return
            self._drain()
            if epoch == self.epoch:
                if len(self._copies) >= self.LIMIT:
                    self._copies.clear()
                self._copies[name] = raw

    def forget(self, names: Iterable[str] | None = None) -> None:
        """Drop the copies of `names` (None: all), which this process has just written."""
        with self._lock:
            self._forget(names)

    def close(self) -> None:
        with self._lock:
            self._drop_listener()

    def _forget(self, names: Iterable[str] | None) -> None:
        self.epoch += 1
        if names is None:
            self._copies.clear()
        else:
            for name in names:
                self._copies.pop(name, None)

    def _invalidated(self, push: list[Any]) -> None:
        """A push from Redis: `["invalidate", names]`, names None for "everything" (a flush)."""
        self._forget(push[1])

    def _listen(self) -> None:
        """Make sure the copies may be served: a listener of this process is on, its pushes read,
        Redis heard from within LEASE."""
        store = self._store
        if self._pid != os.getpid():  # a forked worker: the parent's listener and copies are not its own
            self._drop_listener()
        if self._listener is not None:
            self._drain()
        if self._listener is None:
            self._listener = store._call(self._connect)
            self._pid = os.getpid()
        store._confirm()

    def _connect(self) -> AbstractConnection:
        pool = self._store.redis.connection_pool
        listener: AbstractConnection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        listener.connect()  # type: ignore[no-untyped-call]
        listener._parser.set_invalidation_push_handler(self._invalidated)
        prefixes = (word for prefix in self.prefixes for word in ("PREFIX", prefix))
        listener.send_command("CLIENT", "TRACKING", "ON", "BCAST", *prefixes)  # type: ignore[no-untyped-call]
        listener.read_response()
        self._forget(None)  # whatever was read before it listened
        return listener

    def _drain(self) -> None:
        """Read the pushes that have arrived; a listener that fails is dropped, with every copy."""
        from redis import RedisError

        listener = self._listener
        assert listener is not None
        try:
            while listener.can_read(timeout=0):
                listener.read_response(push_request=True)
        except RedisError:
            self._drop_listener()

    def _drop_listener(self) -> None:
        if self._listener is not None:
            self._listener.disconnect()  # type: ignore[no-untyped-call]
            self._listener = None
        self._forget(None)


class RedisJournal(KeptJournal["RedisStore"]):
    """The journal as a Redis list capped by count and bytes; ids from a counter a clear leaves alone."""

    def record(self, entry: Entry) -> Entry:
        args = (encode(entry), str(self.size), str(self.max_bytes))
        op = Op("record", (JOURNAL, JOURNAL_IDS, JOURNAL_BYTES_KEY), args)
        return {"id": int(self._store._send([op])[0]), **entry}

    def _rows(self, provider: str | None, limit: int | None) -> list[tuple[int, str]]:
        store = self._store
        rows = cast("list[str]", store._command(lambda: store.redis.lrange(JOURNAL, -self.size, -1)))
        found = [(int(row_id), raw) for row_id, _, raw in (row.partition("|") for row in rows)]
        if provider is not None:
            found = [row for row in found if json.loads(row[1]).get("provider") == provider]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        store = self._store
        store._command(lambda: store.redis.delete(JOURNAL, JOURNAL_BYTES_KEY))


class RedisStore(Store):
    """The Store interface over one Redis database."""

    shared: ClassVar[bool] = True
    schemes = ("redis", "rediss", "unix")
    journal_type = RedisJournal

    @classmethod
    def from_url(cls, url: str, clock: Clock) -> Store:
        """`redis://HOST:PORT/DB` (`rediss://` with TLS, `unix://PATH` by a socket)."""
        return cls(url, clock)

    def __init__(self, url: str, clock: Clock) -> None:
        # the client is imported with the first Redis store, not with this module: it takes a
        # tenth of a second, and most runs use no Redis
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        super().__init__(clock)
        self.url = url
        #: The client's errors `_call` answers with StoreUnavailable: a call that timed out, any other.
        self._timed_out: type[Exception] = redis.TimeoutError
        self._failed: type[Exception] = redis.RedisError
        try:
            self.redis: redis.Redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=TIMEOUT,
                socket_connect_timeout=TIMEOUT,
                # one quick retry on a fresh connection (after Redis restarted), no backoff: while
                # Redis is down each call fails at once with the provider's system error. A timeout
                # is not retried: a hung Redis would double the wait.
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
            )
        except ValueError as exc:
            raise ValueError(f"store {url!r}: {exc}") from exc
        self._steps = self.redis.register_script(STEPS)
        #: monotonic instant until which calls fail at once: Redis timed out just before.
        self._held_until = 0.0
        #: monotonic instant Redis last answered (see LEASE).
        self._heard = 0.0
        self._copies = LocalCopies(self)
        #: The key present whenever the store holds its state (`marks_state`).
        self._state: str | None = None
        #: Each thread's writes waiting for its next call (`later`).
        self._waiting = threading.local()

    # -- calls ------------------------------------------------------------------------------

    def _call(self, work: Callable[[], T]) -> T:
        if time.monotonic() < self._held_until:
            raise StoreUnavailable(f"the Redis store at {self.url} did not answer a moment ago")
        try:
            done = work()
        except self._timed_out as exc:
            self._held_until = time.monotonic() + HOLD
            raise StoreUnavailable(f"the Redis store at {self.url} did not answer: {exc}") from exc
        except self._failed as exc:
            raise StoreUnavailable(f"the Redis store at {self.url} failed: {exc}") from exc
        self._heard = time.monotonic()
        return done

    def _confirm(self) -> None:
        """Before serving a local copy: Redis answered lately and is not held (else ask it: a ping
        that fails at once while held, or after TIMEOUT when Redis hangs)."""
        now = time.monotonic()
        if now - self._heard > LEASE or now < self._held_until:
            self._call(self.redis.ping)

    def _pending(self) -> list[Op]:
        """This thread's writes that wait for its next call."""
        pending: list[Op] | None = getattr(self._waiting, "ops", None)
        if pending is None:
            pending = self._waiting.ops = []
        return pending

    def _send(self, ops: list[Op]) -> list[Any]:
        """Run this thread's waiting writes, then `ops`, in one call of STEPS: the answers to `ops`
        (fewer when a count refused)."""
        pending = self._pending()
        waited = len(pending)
        batch = [*pending, *ops]
        pending.clear()
        keys = [key for op in batch for key in op.keys]
        args = [repr(self.clock.time()), *(arg for op in batch for arg in (op.kind, *op.args))]
        answers = cast("list[Any]", self._call(lambda: self._steps(keys=keys, args=args)))
        self._written(key for op in batch if op.kind != "get" for key in op.keys)
        return answers[waited:]

    def _written(self, names: Iterable[str]) -> None:
        """After a call that wrote read-mostly keys: this process drops its copies, and a round
        trip more lets Redis send every listener the change before the writer answers anyone."""
        copied = {name for name in names if self._copies.covers(name)}
        if copied:
            self._copies.forget(copied)
            self._call(self.redis.ping)

    def _later(self, ops: list[Op]) -> None:
        """Let `ops` wait for this thread's next call; a write of a read-mostly key goes now."""
        if any(self._copies.covers(key) for op in ops for key in op.keys):
            self._send(ops)
        else:
            self._pending().extend(ops)

    def _flush(self) -> None:
        """Send this thread's waiting writes now."""
        if self._pending():
            self._send([])

    def _command(self, work: Callable[[], T]) -> T:
        """A plain Redis command, after this thread's waiting writes."""
        self._flush()
        return self._call(work)

    # -- steps ---------------------------------------------------------------------------------

    def _ttl_ms(self, expires_at: float | None) -> str:
        if expires_at is None:
            return ""
        return str(int((max(0.0, expires_at - self.clock.time()) + REAL_TTL_MARGIN) * 1000))

    def _payload(self, value: Value, expires_at: float | None) -> str:
        return f"{'' if expires_at is None else repr(float(expires_at))}|{json.dumps(value)}"

    def _op(self, step: Step) -> Op:
        """`step` as STEPS runs it."""
        match step:
            case Count(key, limit, expires_at):
                exp = "" if expires_at is None else repr(float(expires_at))
                limit_arg = "" if limit is None else str(limit)
                return Op("count", (NAMESPACE + key,), (limit_arg, exp, self._ttl_ms(expires_at)))
            case Put(key, value, expires_at):
                payload = self._payload(value, expires_at)
                return Op("set", (NAMESPACE + key,), (payload, self._ttl_ms(expires_at)))
            case Swap(key, value, expires_at, follow):
                payload = self._payload(value, expires_at)
                followed = "" if follow is None else NAMESPACE + follow
                return Op("swap", (NAMESPACE + key,), (payload, self._ttl_ms(expires_at), followed))
            case Ring(ring, key, value, size, expires_at):
                args = (
                    NAMESPACE + ring + ":",
                    str(size),
                    self._payload(key, expires_at),
                    self._payload(value, expires_at),
                    self._ttl_ms(expires_at),
                    NAMESPACE,
                )
                return Op("ring", (NAMESPACE + ring + ":next", NAMESPACE + key), args)
        raise TypeError(f"not a step of this store: {step!r}")

    def _answer(self, step: Step, answer: Any) -> Any:
        """What `step` answers, from what STEPS answered for it."""
        if isinstance(step, Count):
            return None if int(answer) < 0 else int(answer)
        if isinstance(step, Swap):
            body, followed = answer
            return (None if body is None else json.loads(body)), self._live(followed)
        return None

    def _live(self, raw: str | None) -> Value | None:
        """The value of a raw entry, None when absent or expired."""
        if raw is None:
            return None
        expires_at, body = _split(raw)
        if expires_at is not None and expires_at <= self.clock.time():
            return None
        return json.loads(body)

    def run(self, *steps: Step) -> list[Any] | None:
        answers = self._send([self._op(step) for step in steps])
        done = [self._answer(step, answer) for step, answer in zip(steps, answers, strict=False)]
        # STEPS stops at a refused count: its answer is the last
        refused = bool(done) and isinstance(steps[len(done) - 1], Count) and done[-1] is None
        return None if refused else done

    def later(self, *steps: Put | Ring) -> None:
        self._later([self._op(step) for step in steps])

    # -- the Store interface -------------------------------------------------------------------

    def read_mostly(self, *prefixes: str) -> None:
        self._copies.declare(NAMESPACE + prefix for prefix in prefixes)

    def marks_state(self, key: str) -> None:
        self._state = NAMESPACE + key

    def _read(self, name: str, vouch: bool = True) -> str | None:
        """The raw entry `name`: this process's copy of a read-mostly key, else Redis's. A
        read-mostly key Redis does not hold is read with the state's key (`marks_state`), in the
        same script: absent too, Redis lost its state (restarted empty) after this request read
        the clock, and the request fails as in an outage; the next one seeds it again."""
        copies = self._copies
        if not copies.covers(name):
            return cast("str | None", self._send([Op("get", (name,))])[0])
        found = copies.lookup(name)
        if found is not UNKNOWN:
            return cast("str | None", found)
        epoch = copies.epoch
        state = self._state if vouch and self._state not in (None, name) else None
        answers = self._send([Op("get", (name,)), *([Op("get", (state,))] if state else [])])
        raw = cast("str | None", answers[0])
        if state and raw is None and answers[1] is None:
            raise StoreUnavailable(f"the Redis store at {self.url} lost its state (restarted empty?)")
        copies.keep(name, raw, epoch)
        return raw

    def get(self, key: str) -> Value | None:
        return self._get(key, vouch=True)

    def get_unvouched(self, key: str) -> Value | None:
        return self._get(key, vouch=False)

    def _get(self, key: str, vouch: bool) -> Value | None:
        name = NAMESPACE + key
        raw = self._read(name, vouch)
        value = self._live(raw)
        if value is None and raw is not None:  # expired: dropped with the next call
            self._later([Op("drop", (name,), (raw,))])
        return value

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        self._send([self._op(Put(key, value, expires_at))])

    def delete(self, key: str) -> bool:
        return bool(self._send([Op("delete", (NAMESPACE + key,))])[0])

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        step = Count(key, limit, expires_at)
        return cast("int | None", self._answer(step, self._send([self._op(step)])[0]))

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        payload = self._payload(new, expires_at)
        ttl = self._ttl_ms(expires_at)
        expected_raw = "" if expected is None else json.dumps(expected)
        for _ in range(3):
            mode = "absent" if expected is None else "value"
            answer = self._send([Op("cas", (NAMESPACE + key,), (mode, expected_raw, payload, ttl))])[0]
            if int(answer[0]) == 1:
                return True
            if expected is None or len(answer) < 2 or json.loads(answer[1]) != expected:
                return False
            # equal values written with another key order or spacing: compare against those bytes
            expected_raw = answer[1]
        return False

    def set_in_ring(
        self, ring: str, key: str, value: Value, *, size: int, expires_at: float | None = None
    ) -> None:
        self._send([self._op(Ring(ring, key, value, size, expires_at))])

    def _keys(self, prefix: str) -> list[str]:
        pattern = _glob_escape(NAMESPACE + prefix) + "*"
        return sorted(self._command(lambda: list(self.redis.scan_iter(match=pattern, count=1000))))

    def _mget(self, keys: list[str]) -> list[str | None]:
        return cast("list[str | None]", self._command(lambda: self.redis.mget(keys)))

    def _delete_keys(self, keys: list[str]) -> None:
        self._command(lambda: self.redis.delete(*keys))
        self._written(keys)

    def scan(self, prefix: str) -> Iterator[tuple[str, Value]]:
        keys = [k for k in self._keys(prefix) if k not in JOURNAL_KEYS]
        now = self.clock.time()
        found: list[tuple[str, str]] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            values = self._mget(chunk)
            for key, raw in zip(chunk, values, strict=True):
                if raw is None:
                    continue
                expires_at, body = _split(raw)
                if expires_at is None or expires_at > now:
                    found.append((key.removeprefix(NAMESPACE), body))
        for key, body in found:
            yield key, json.loads(body)

    def clear(self) -> None:
        keys = [k for k in self._keys("") if k != JOURNAL_IDS]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            self._delete_keys(chunk)

    def ping(self) -> None:
        self._call(self.redis.ping)

    def close(self) -> None:
        with contextlib.suppress(StoreUnavailable):  # what waits is lost with a Redis that is gone
            self._flush()
        self._copies.close()
        self.redis.close()
