"""Serving one app from several worker processes: granian (a Rust HTTP server) over WSGI.

The app is built once, in the parent, and the workers are forked from it, so
start-up costs one app build whatever the number of workers. Each worker
opens its own connections to the shared store (SQLite or Redis), which holds
every piece of state, the clock and the journal: whichever worker answers, a
client sees the same mock. A single worker keeps the state in its own memory
(the parent never serves), which is the fastest: no store to share.

granian measured fastest of the servers tried (gunicorn gthread and sync,
waitress, werkzeug; see README, Performance): it reads and writes HTTP in Rust,
so a worker's Python thread spends its time on the mock alone. Each worker runs
the app on `threads` Python threads (default 1, the fastest: more contend for
the interpreter lock); a delay fault holds one of them for its delay.

granian does not hand the app the client's socket, so under `--workers` a `drop`
fault sends the status line and headers and then closes the connection (the
client sees a broken answer rather than none); `truncate`, `malformed` and
`slow_body` behave as in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server


def pick_port(host: str, port: int) -> int:
    """Check that `host:port` can be bound (an OSError says why not); port 0: a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        found: int = probe.getsockname()[1]
        return found


def url_for(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _announce_when_listening(host: str, port: int, ready: Callable[[], None]) -> Callable[[], None]:
    """A startup hook: a detached process waits until the port accepts, then calls `ready`.

    granian's workers bind the port themselves (SO_REUSEPORT), after its startup hooks
    have run; a thread would be unsafe across the workers' fork, so a process waits.
    """
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)

    def hook() -> None:
        child = os.fork()
        if child:
            os.waitpid(child, 0)  # the intermediate process exits at once
            return
        try:
            if os.fork():
                return  # the intermediate process (os._exit below)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with socket.create_connection((target, port), timeout=0.5):
                        ready()
                        break
                except OSError:
                    time.sleep(0.005)
        finally:
            os._exit(0)

    return hook


def serve_workers(
    app: Flask,
    host: str,
    port: int,
    workers: int,
    *,
    threads: int = 1,
    quiet: bool = False,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve `app` from `workers` forked processes until stopped; `ready` runs once the port listens."""
    multiprocessing.set_start_method("fork", force=True)  # the workers inherit the app built here
    server = Server(
        "provider-mocks",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backlog=2048,
        log_level=LogLevels.warning,
        log_access=not quiet,
        respawn_failed_workers=True,
    )
    server.on_startup(_announce_when_listening(host, port, ready))

    def load(target: str, *args: Any, **kwargs: Any) -> Flask:
        return app

    server.serve(target_loader=load)
