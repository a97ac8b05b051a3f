"""Serving an app on a real port: the CLI's foreground server and the tests' background one."""

from __future__ import annotations

import re
import socket
import threading
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

_NOT_ASCII = re.compile(rb"[\x80-\xff]")


class RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, reading a request line's raw bytes as a client meant them.

    Clients send Chinese unencoded in URLs (curl does). The standard library decodes the
    request line as Latin-1 and splits it on any Unicode whitespace, so the bytes 0x85 and
    0xA0 inside a UTF-8 character split it (an HTML 400), and the rest reach the app
    encoded twice (mojibake). Each byte above 0x7F is percent-encoded before the line is
    parsed: the request reads exactly as the same URL percent-encoded, as granian and the
    providers' own servers read it.
    """

    raw_requestline: bytes

    def parse_request(self) -> bool:
        if not self.raw_requestline.isascii():
            self.raw_requestline = _NOT_ASCII.sub(lambda byte: b"%%%02X" % byte[0][0], self.raw_requestline)
        return super().parse_request()


class LiveServer:
    """A threaded WSGI server on `host:port` (port 0: any free one).

    It binds the socket itself, so a port in use is an OSError for the caller
    to report, not werkzeug's exit.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family, backlog=128) as listener:
            self._server: BaseWSGIServer = make_server(
                host, port, app, threaded=True, request_handler=RequestHandler, fd=listener.fileno()
            )
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
