"""The state store: every piece of provider state goes through it.

A store shared by several worker processes (LMDB, `lmdb`; SQLite, `sqlite`), or by
several machines (Redis, `redis`), implements the interface of `base` as the store in
memory does, so provider code never changes. `open_store(url, clock)` picks
one by URL, among the stores of `STORES` by the schemes each serves:

- `memory` (the default): this process only, the fastest;
- `lmdb:///PATH`: worker processes on one machine, at about the memory store's speed
  (`serve --workers N` makes a temporary one);
- `sqlite:///PATH`: worker processes on one machine, in one file;
- `redis://HOST:PORT/DB`: instances on several machines sharing one Redis.

A shared store also keeps the clock's state (`clock_state`) and the journal,
so every worker sees the same time, requests and fault rules. When a shared
store cannot be reached, its operations raise StoreUnavailable, which the app
answers with each provider's documented system error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import IfAbsent, Store, StoreUnavailable, Value, unknown_url
from .lmdb import LmdbStore
from .memory import MemoryStore
from .redis import RedisStore
from .sqlite import SqliteStore

if TYPE_CHECKING:
    from ..clock import Clock

__all__ = [
    "STORES",
    "IfAbsent",
    "LmdbStore",
    "MemoryStore",
    "RedisStore",
    "SqliteStore",
    "Store",
    "StoreUnavailable",
    "Value",
    "open_store",
]

#: The stores `open_store` can open, each for the URL schemes it names.
STORES: tuple[type[Store], ...] = (MemoryStore, LmdbStore, SqliteStore, RedisStore)


def open_store(url: str | None, clock: Clock) -> Store:
    """The store a URL names: `memory`, `lmdb:///PATH`, `sqlite:///PATH` or `redis://HOST:PORT/DB`.

    A ValueError says what is wrong with the URL.
    """
    url = "memory://" if not url or url == "memory" else url
    scheme, sep, _ = url.partition("://")
    kind = next((kind for kind in STORES if scheme in kind.schemes), None)
    if kind is None or not sep:
        raise unknown_url(url)
    return kind.from_url(url, clock)
