"""Serving one app from several worker processes: gunicorn's threaded workers.

The app is built once, in the parent, and the workers are forked from it, so
start-up costs one app build whatever the number of workers. Each worker
opens its own connections to the shared store (SQLite or Redis), which holds
every piece of state, the clock and the journal: whichever worker answers, a
client sees the same mock.

gunicorn's `gthread` worker keeps connections alive and serves several at
once per process; it measured fastest of the servers tried on the iTrigger
token endpoint (see README, Performance). Its request limits: a request line
up to 8190 bytes (414 beyond), 100 headers, a header line up to 64 KiB.
"""

from __future__ import annotations

import socket
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

#: Threads per worker process: enough to overlap slow clients, few enough to keep p99 low.
THREADS = 2


class WorkerServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving `app` on an already bound listening socket."""

    def __init__(self, app: Flask, listener: socket.socket, workers: int, *, quiet: bool) -> None:
        self.app = app
        self.fd = listener.detach()  # gunicorn owns the socket from here on
        self.options: dict[str, Any] = {
            "bind": [f"fd://{self.fd}"],
            "workers": workers,
            "worker_class": "gthread",
            "threads": THREADS,
            "preload_app": True,
            "keepalive": 5,
            "timeout": 600,  # a delay fault may hold a request for 300 s
            "graceful_timeout": 5,
            "limit_request_line": 8190,
            "limit_request_fields": 100,
            "limit_request_field_size": 65536,
            "accesslog": None if quiet else "-",
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "provider-mocks",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.app


def listen(host: str, port: int) -> socket.socket:
    """Bind the listening socket here, so a port in use is an OSError for the caller to report."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=2048)
    listener.set_inheritable(True)
    return listener


def url_of(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
