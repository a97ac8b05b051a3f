"""Serving an app on a real port: the CLI's foreground server and the tests' background one."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class LiveServer:
    """A threaded WSGI server on `host:port` (port 0: any free one).

    It binds the socket itself, so a port in use is an OSError for the caller
    to report, not werkzeug's exit.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family, backlog=128) as listener:
            self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, fd=listener.fileno())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> LiveServer:
        """Serve from a daemon thread and return at once."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
