"""Real `provider-mocks serve` processes, and a burst of concurrent requests against them."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:  # annotations only: bench/run.py imports this module without pytest's fixtures
    import pytest

    from tests.redis_server import RedisServer

COMMAND = [sys.executable, "-m", "provider_mocks.cli"]

#: The three ways to serve, by name: werkzeug's threaded server, one granian worker, two.
STACKS: dict[str, tuple[str, ...]] = {
    "serve": (),
    "workers-1": ("--workers", "1"),
    "workers-2": ("--workers", "2"),
}

ITRIGGER_TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
APPAUTH_TOKEN = "/auth/getAccessToken"


@contextmanager
def serving(
    *args: str, host: str = "127.0.0.1", command: Sequence[str | Path] = COMMAND, cwd: Path | None = None
) -> Iterator[str]:
    """Start `serve --port 0 ARGS`, wait for its banner, yield its URL; stop it afterwards.

    `command` is the CLI to start (this checkout's by default), `cwd` where it runs.
    """
    with serving_process(*args, host=host, command=command, cwd=cwd) as (url, _):
        yield url


def worker_pids(process: subprocess.Popen[str]) -> list[int]:
    """The processes `process` forked (its workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == process.pid:
            found.append(int(stat.parent.name))
    return found


def processes_with(name: str, value: str) -> list[int]:
    """The live processes whose environment sets `name` to `value` (a marker given to one start)."""
    found = []
    setting = f"{name}={value}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if setting in environ.read_bytes().split(b"\0") and not _zombie(environ.parent):
                found.append(int(environ.parent.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def _zombie(proc: Path) -> bool:
    return proc.joinpath("stat").read_text().rpartition(")")[2].split()[0] == "Z"


def _banner(process: subprocess.Popen[str], within: float) -> list[str]:
    """The banner's lines up to "Ready.", read within `within` seconds (a start that hangs fails)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
            if line.startswith("Ready."):
                return
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    banner: list[str] = []
    while not banner or not banner[-1].startswith("Ready."):
        try:
            line = lines.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no banner within {within:g} s: {banner}") from None
        if line is None:
            raise AssertionError(f"serve exited early: {process.stderr.read() if process.stderr else ''}")
        banner.append(line)
    return banner


@contextmanager
def serving_process(
    *args: str,
    host: str = "127.0.0.1",
    command: Sequence[str | Path] = COMMAND,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    start_within: float = 60,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`serving`, yielding the process too; `env` is added to the environment."""
    process = subprocess.Popen(
        [*command, "serve", "--port", "0", "--host", host, "--quiet", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        first = _banner(process, start_within)[0]
        match = re.search(r"on (http://\S+)", first)
        assert match, first
        yield match.group(1), process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def burst(
    urls: Sequence[str], count: int, params: dict[str, str], *, threads: int = 50, code: str = "code"
) -> Counter[Any]:
    """`count` GETs at once, spread over `urls` in turn; the answers' codes (field `code`) counted."""
    sessions = [requests.Session() for _ in range(threads)]

    def fetch(i: int) -> Any:
        answer = sessions[i % threads].get(urls[i % len(urls)], params=params, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()[code]

    try:
        with ThreadPoolExecutor(threads) as pool:
            return Counter(pool.map(fetch, range(count)))
    finally:
        for session in sessions:
            session.close()


def itrigger_app_with_limit(base_url: str, daily_limit: int) -> dict[str, str]:
    """A fresh tenant with `daily_limit`, and an app of it: its credentials as query parameters."""
    tenant = requests.post(
        f"{base_url}/__admin/itrigger/tenants", json={"daily_limit": daily_limit}, timeout=10
    ).json()
    app = requests.post(f"{base_url}/__admin/itrigger/apps", json={"tenant": tenant["id"]}, timeout=10).json()
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}


def appauth_app_with_limit(base_url: str, rate_limit: int) -> dict[str, str]:
    app = requests.post(
        f"{base_url}/__admin/appauth/apps", json={"rate_limit": rate_limit}, timeout=10
    ).json()
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}


@dataclass
class Held:
    """One connection of a siege: what the server sent on it, and when it closed it."""

    kind: str
    conn: socket.socket
    received: bytes = b""
    closed_after: float | None = None


class Siege:
    """Clients that stall, held open against a server from one thread, until the `with` ends.

    Each of `uploads` sends a head announcing a 200-byte body and one byte of it; each of
    `heads` sends a head a byte at a time, every half second, and never ends it. What the
    server sends and when it closes each connection is kept (`held`); with `reopen`, a closed
    connection is replaced at once, so that the siege lasts (bench/run.py).
    """

    UPLOAD = b"POST /getAtripToken.do HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200\r\n\r\n{"
    HEAD = b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "

    def __init__(self, base_url: str, uploads: int = 300, heads: int = 300, *, reopen: bool = False) -> None:
        parts = urlsplit(base_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.counts = {"upload": uploads, "head": heads}
        self.reopen = reopen
        self.held: list[Held] = []
        self.replaced = 0
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def __enter__(self) -> Siege:
        self.begun = time.monotonic()
        for kind, count in self.counts.items():
            for _ in range(count):
                self._open(kind)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for held in self.held:
            held.conn.close()
        self._selector.close()

    def _open(self, kind: str) -> None:
        conn = socket.create_connection(self.address, timeout=10)
        conn.sendall(self.UPLOAD if kind == "upload" else self.HEAD)
        conn.setblocking(False)
        held = Held(kind, conn)
        self.held.append(held)
        self._selector.register(conn, selectors.EVENT_READ, held)

    def _hold(self) -> None:
        trickled = time.monotonic()
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.05):
                self._read(key.data)
            if time.monotonic() - trickled >= 0.5:
                trickled = time.monotonic()
                for held in self.held:
                    if held.kind == "head" and held.closed_after is None:
                        with contextlib.suppress(OSError):  # closed meanwhile: the read says so
                            held.conn.send(b"a")

    def _read(self, held: Held) -> None:
        try:
            data = held.conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        held.received += data
        if data:
            return
        held.closed_after = time.monotonic() - self.begun
        self._selector.unregister(held.conn)
        if self.reopen and not self._stop.is_set():
            self.replaced += 1
            self._open(held.kind)


def raise_file_limit(wanted: int) -> bool:
    """At least `wanted` open files for this process and the servers it starts (False: the
    system's hard limit is lower)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return True
    if hard != resource.RLIM_INFINITY and hard < wanted:
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return True


def store_option(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, db: int
) -> tuple[str, ...]:
    """`serve`'s arguments for the store `request.param` names: its default (LMDB), `sqlite`, or
    `redis`, the session's Redis, its database `db` emptied."""
    if request.param == "sqlite":
        return ("--store", f"sqlite://{tmp_path_factory.mktemp('sqlite')}/state.db")
    if request.param == "redis":
        redis: RedisServer = request.getfixturevalue("redis_server")
        redis.flush()
        return ("--store", redis.url(db))
    return ()
