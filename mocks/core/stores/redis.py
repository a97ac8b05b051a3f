"""A store several instances on several machines share: one Redis database.

Each value is kept as `<expires_at>|<json>`: the expiry is an instant on the
virtual clock (Redis TTLs are real time, and the clock can be frozen or moved
by days). A real TTL is added only as a generous upper bound, so entries
nobody reads again do not pile up. The atomic operations are Lua scripts,
which Redis runs one at a time: increment-and-check, compare-and-set, and
delete-if-live, each judging expiry by the virtual instant the caller passes.

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

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from ..journal import Entry, KeptJournal, encode
from .base import Store, StoreUnavailable, Value

if TYPE_CHECKING:
    import redis

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
#: Real seconds an entry with an expiry outlives it in Redis: a bound for memory, never a rule.
REAL_TTL_MARGIN = 7 * 86400

_PARSE = """
local function live_body(raw, now)
  if not raw then return false, '' end
  local bar = string.find(raw, '|', 1, true)
  local exp = string.sub(raw, 1, bar - 1)
  if exp ~= '' and tonumber(exp) <= tonumber(now) then return false, exp end
  return string.sub(raw, bar + 1), exp
end
"""

#: KEYS[1]; ARGV: now, limit or '', expires_at or '', real ttl ms or ''. Returns the count, or -1.
INCR = (
    _PARSE
    + """
local body, exp = live_body(redis.call('GET', KEYS[1]), ARGV[1])
local count = 0
local keep = false
if body then
  count = tonumber(body)
  keep = true
else
  exp = ARGV[3]
end
if ARGV[2] ~= '' and count >= tonumber(ARGV[2]) then return -1 end
count = count + 1
local payload = exp .. '|' .. string.format('%d', count)
if keep then
  redis.call('SET', KEYS[1], payload, 'KEEPTTL')
elseif ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], payload, 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], payload)
end
return count
"""
)

#: KEYS[1]; ARGV: now, 'absent' or 'value', expected json, new payload, real ttl ms or ''.
#: Returns {1} when written, else {0} or {0, current json}.
CAS = (
    _PARSE
    + """
local body = live_body(redis.call('GET', KEYS[1]), ARGV[1])
if ARGV[2] == 'absent' then
  if body then return {0, body} end
elseif body ~= ARGV[3] then
  if body then return {0, body} end
  return {0}
end
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return {1}
"""
)

#: KEYS[1]; ARGV: now. Returns 1 if a live entry was deleted.
DELETE = (
    _PARSE
    + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
redis.call('DEL', KEYS[1])
if live_body(raw, ARGV[1]) then return 1 end
return 0
"""
)

#: KEYS[1]; ARGV: the raw value read. Drops an expired entry unless it changed meanwhile.
DROP_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

#: KEYS: the list, the id counter, the bytes of the list's entries (JSON, without the ids);
#: ARGV: entry json, size, max bytes.
#: Appends the entry under the next id, drops the oldest past either bound; returns the id.
#: A missing counter starts at the current time in microseconds (above any id a lost one gave).
RECORD = """
local id
if redis.call('EXISTS', KEYS[2]) == 1 then
  id = redis.call('INCR', KEYS[2])
else
  local now = redis.call('TIME')
  id = tonumber(now[1]) * 1000000 + tonumber(now[2])
  redis.call('SET', KEYS[2], string.format('%d', id))
end
local row = string.format('%d', id) .. '|' .. ARGV[1]
local count = redis.call('RPUSH', KEYS[1], row)
local total = redis.call('INCRBY', KEYS[3], #ARGV[1])
while count > tonumber(ARGV[2]) or total > tonumber(ARGV[3]) do
  local oldest = redis.call('LPOP', KEYS[1])
  if not oldest then
    redis.call('SET', KEYS[3], 0)
    break
  end
  count = count - 1
  total = redis.call('DECRBY', KEYS[3], #oldest - string.find(oldest, '|', 1, true))
end
return id
"""

#: KEYS: the ring's counter, the key written; ARGV: the slot keys' prefix, ring size, the slot's
#: payload, the key's payload, real ttl ms or '', now, the namespace. Store.set_in_ring in one call.
RING = (
    _PARSE
    + """
local raw = redis.call('GET', KEYS[1])
local count = 1
if raw then count = tonumber(string.sub(raw, string.find(raw, '|', 1, true) + 1)) + 1 end
redis.call('SET', KEYS[1], '|' .. string.format('%d', count))
local slot = ARGV[1] .. string.format('%d', count % tonumber(ARGV[2]))
local held = live_body(redis.call('GET', slot), ARGV[6])
if held then
  local evicted = ARGV[7] .. cjson.decode(held)
  if evicted ~= KEYS[2] then redis.call('DEL', evicted) end
end
for _, pair in ipairs({{slot, ARGV[3]}, {KEYS[2], ARGV[4]}}) do
  if ARGV[5] ~= '' then
    redis.call('SET', pair[1], pair[2], 'PX', ARGV[5])
  else
    redis.call('SET', pair[1], pair[2])
  end
end
"""
)


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _split(raw: str) -> tuple[float | None, str]:
    exp, _, body = raw.partition("|")
    return (float(exp) if exp else None), body


class RedisJournal(KeptJournal["RedisStore"]):
    """The journal as a Redis list capped by count and bytes; ids from a counter a clear leaves alone."""

    def record(self, entry: Entry) -> Entry:
        args: list[str | int] = [encode(entry), self.size, self.max_bytes]
        store = self._store
        keys = [JOURNAL, JOURNAL_IDS, JOURNAL_BYTES_KEY]
        new_id = int(store._call(lambda: store._record(keys=keys, args=args)))
        return {"id": new_id, **entry}

    def _rows(self, provider: str | None, limit: int | None) -> list[tuple[int, str]]:
        store = self._store
        rows = cast("list[str]", store._call(lambda: store.redis.lrange(JOURNAL, -self.size, -1)))
        found = [(int(row_id), raw) for row_id, _, raw in (row.partition("|") for row in rows)]
        if provider is not None:
            found = [row for row in found if json.loads(row[1]).get("provider") == provider]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        store = self._store
        store._call(lambda: store.redis.delete(JOURNAL, JOURNAL_BYTES_KEY))


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
        self._incr = self.redis.register_script(INCR)
        self._cas = self.redis.register_script(CAS)
        self._delete = self.redis.register_script(DELETE)
        self._drop = self.redis.register_script(DROP_IF_SAME)
        self._record = self.redis.register_script(RECORD)
        self._ring = self.redis.register_script(RING)
        #: monotonic instant until which calls fail at once: Redis timed out just before.
        self._held_until = 0.0

    def _call(self, work: Callable[[], T]) -> T:
        if time.monotonic() < self._held_until:
            raise StoreUnavailable(f"the Redis store at {self.url} did not answer a moment ago")
        try:
            return work()
        except self._timed_out as exc:
            self._held_until = time.monotonic() + HOLD
            raise StoreUnavailable(f"the Redis store at {self.url} did not answer: {exc}") from exc
        except self._failed as exc:
            raise StoreUnavailable(f"the Redis store at {self.url} failed: {exc}") from exc

    def _ttl_ms(self, expires_at: float | None) -> str:
        if expires_at is None:
            return ""
        return str(int((max(0.0, expires_at - self.clock.time()) + REAL_TTL_MARGIN) * 1000))

    @staticmethod
    def _payload(raw: str, expires_at: float | None) -> str:
        return f"{'' if expires_at is None else repr(float(expires_at))}|{raw}"

    def get(self, key: str) -> Value | None:
        raw = cast("str | None", self._call(lambda: self.redis.get(NAMESPACE + key)))
        if raw is None:
            return None
        expires_at, body = _split(raw)
        if expires_at is not None and expires_at <= self.clock.time():
            self._call(lambda: self._drop(keys=[NAMESPACE + key], args=[raw]))
            return None
        return json.loads(body)

    def set(self, key: str, value: Value, *, expires_at: float | None = None) -> None:
        payload = self._payload(json.dumps(value), expires_at)
        ttl = self._ttl_ms(expires_at)
        self._call(lambda: self.redis.set(NAMESPACE + key, payload, px=int(ttl) if ttl else None))

    def delete(self, key: str) -> bool:
        now = repr(self.clock.time())
        return bool(self._call(lambda: self._delete(keys=[NAMESPACE + key], args=[now])))

    def incr(self, key: str, *, limit: int | None = None, expires_at: float | None = None) -> int | None:
        args = [
            repr(self.clock.time()),
            "" if limit is None else str(limit),
            "" if expires_at is None else repr(float(expires_at)),
            self._ttl_ms(expires_at),
        ]
        count = int(self._call(lambda: self._incr(keys=[NAMESPACE + key], args=args)))
        return None if count < 0 else count

    def compare_and_set(
        self, key: str, expected: Value | None, new: Value, *, expires_at: float | None = None
    ) -> bool:
        payload = self._payload(json.dumps(new), expires_at)
        ttl = self._ttl_ms(expires_at)
        expected_raw = "" if expected is None else json.dumps(expected)
        for _ in range(3):
            args = [
                repr(self.clock.time()),
                "absent" if expected is None else "value",
                expected_raw,
                payload,
                ttl,
            ]
            answer = self._cas_call(key, args)
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
        args = [
            NAMESPACE + ring + ":",
            str(size),
            self._payload(json.dumps(key), expires_at),
            self._payload(json.dumps(value), expires_at),
            self._ttl_ms(expires_at),
            repr(self.clock.time()),
            NAMESPACE,
        ]
        keys = [NAMESPACE + ring + ":next", NAMESPACE + key]
        self._call(lambda: self._ring(keys=keys, args=args))

    def _cas_call(self, key: str, args: list[str]) -> list[Any]:
        return cast("list[Any]", self._call(lambda: self._cas(keys=[NAMESPACE + key], args=args)))

    def _keys(self, prefix: str) -> list[str]:
        pattern = _glob_escape(NAMESPACE + prefix) + "*"
        return sorted(self._call(lambda: list(self.redis.scan_iter(match=pattern, count=1000))))

    def _mget(self, keys: list[str]) -> list[str | None]:
        return cast("list[str | None]", self._call(lambda: self.redis.mget(keys)))

    def _delete_keys(self, keys: list[str]) -> None:
        self._call(lambda: self.redis.delete(*keys))

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
        self.redis.close()
