"""Serving an app on a real port: the CLI's foreground server and the tests' background one.

Every serving stack (werkzeug's threaded server here, granian's workers in workers.py) holds
each client to the same limits, so that no client can stall another:

- a request's line and headers must arrive within `header_timeout` seconds of its first byte
  being awaited (an idle kept-alive connection waits as long for its next request); else the
  connection is closed without an answer;
- a request line over MAX_LINE_BYTES is a 414; a header line over it, more than MAX_HEADERS
  fields, or a head (line and headers) over MAX_HEAD_BYTES in all, a 431 (werkzeug's server
  holds each line to 64 KiB itself, with these answers);
- its body must arrive whole within `body_timeout` seconds after its headers; else a 408 and
  the connection is closed;
- two different Content-Length values are a 400, at once.

The body is read in full before the app runs, at most one byte over `max_body_bytes` (the app
answers a longer body with a 413 in the provider's envelope): the app never waits on a client.
"""

from __future__ import annotations

import io
import math
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Self

from flask import Flask
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .config import ServerSettings
from .lifecycle import Started

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

_NOT_ASCII = re.compile(rb"[\x80-\xff]")

#: A request line, or a header line, takes at most this many bytes, CRLF included (414, 431).
MAX_LINE_BYTES = 64 * 1024
#: A request's line and headers together take at most this many bytes (a 431 beyond).
MAX_HEAD_BYTES = 256 * 1024
#: A request has at most this many header fields (a 431 beyond).
MAX_HEADERS = 64


@dataclass(frozen=True)
class Limits:
    """How long a client may take to send a request, and how large its body may be."""

    header_timeout: float
    body_timeout: float
    max_body_bytes: int

    @classmethod
    def of(cls, app: Flask, header_timeout: float | None = None, body_timeout: float | None = None) -> Limits:
        """The limits `create_app` configured (the defaults for another app); a timeout given wins."""
        defaults = ServerSettings()
        config = app.config
        return cls(
            header_timeout or config.get("HEADER_TIMEOUT", defaults.header_timeout),
            body_timeout or config.get("BODY_TIMEOUT", defaults.body_timeout),
            config.get("MAX_CONTENT_LENGTH") or defaults.max_body_bytes,
        )


def body_to_read(content_length: str | None, chunked: bool, max_body_bytes: int) -> int:
    """How many body bytes the server reads before the app runs.

    A body up to the limit, whole; a chunked one, up to one byte over it (the app answers 413);
    nothing when the Content-Length is over the limit (the app answers 413 from the header, and
    the connection closes with the body unread).
    """
    if chunked:
        return max_body_bytes + 1
    length = int(content_length or 0)
    return length if length <= max_body_bytes else 0


def conflicting_lengths(values: Iterable[str]) -> bool:
    """Content-Length values that do not name one length (HTTP's rule: answer 400)."""
    found = {part.strip() for value in values for part in value.split(",")}
    return len(found) > 1 or not all(part.isdigit() for part in found)


class _Deadline(io.RawIOBase):
    """A connection's reads, each allowed what is left until the current deadline."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.until = math.inf

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.until - time.monotonic()
        if left <= 0:
            raise TimeoutError("the client took too long")
        self.connection.settimeout(left)
        return self.connection.recv_into(buffer)


class _Reads(io.BufferedReader):
    """The connection's buffered reads: under a deadline, and in a request's head, under a size budget.

    Over the budget a line is cut one byte past it and the head reads as ended, so that the
    header that broke it is never read whole; the handler then answers 431.
    """

    raw: _Deadline

    def __init__(self, connection: socket.socket) -> None:
        super().__init__(_Deadline(connection))
        self.head_left: int | None = None

    def start(self, seconds: float, head_bytes: int | None = None) -> None:
        """From now on, `seconds` for what follows; `head_bytes` for a head (None: a body)."""
        self.raw.until = time.monotonic() + seconds
        self.head_left = head_bytes

    def readline(self, size: int | None = -1) -> bytes:
        if self.head_left is None:
            return super().readline(size)
        if self.head_left < 0:
            return b""
        cap = self.head_left + 1
        line = super().readline(cap if size is None or size < 0 else min(size, cap))
        self.head_left -= len(line)
        return line


def _read(stream: Any, count: int) -> bytes:
    """Up to `count` bytes from `stream`, fewer only at its end."""
    parts: list[bytes] = []
    while count > 0 and (part := stream.read(count)):
        parts.append(part)
        count -= len(part)
    return b"".join(parts)


class _Server(ThreadedWSGIServer):
    limits: Limits


class RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, held to the serving limits, reading a request line's raw bytes as a
    client meant them.

    Clients send Chinese unencoded in URLs (curl does). The standard library decodes the
    request line as Latin-1 and splits it on any Unicode whitespace, so the bytes 0x85 and
    0xA0 inside a UTF-8 character split it (an HTML 400), and the rest reach the app
    encoded twice (mojibake). Each byte above 0x7F is percent-encoded before the line is
    parsed: the request reads exactly as the same URL percent-encoded, as granian and the
    providers' own servers read it.
    """

    raw_requestline: bytes
    rfile: _Reads
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the plain reader; the socket stays open
        self.rfile = _Reads(self.connection)

    def handle_one_request(self) -> None:
        self.rfile.start(self.server.limits.header_timeout, MAX_HEAD_BYTES)
        super().handle_one_request()

    def parse_request(self) -> bool:
        if not self.raw_requestline.isascii():
            self.raw_requestline = _NOT_ASCII.sub(lambda byte: b"%%%02X" % byte[0][0], self.raw_requestline)
        if not super().parse_request():
            return False
        if (self.rfile.head_left or 0) < 0 or len(self.headers) > MAX_HEADERS:
            return self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
        if conflicting_lengths(self.headers.get_all("Content-Length", [])):
            return self._refuse(HTTPStatus.BAD_REQUEST)
        return True

    def _refuse(self, status: HTTPStatus) -> bool:
        self.send_error(status)
        return False

    def make_environ(self) -> WSGIEnvironment:
        """werkzeug's environ, its body read in full first, within the body timeout."""
        environ = super().make_environ()
        limits = self.server.limits
        self.rfile.start(limits.body_timeout)
        chunked = "wsgi.input_terminated" in environ
        wanted = body_to_read(environ.get("CONTENT_LENGTH"), chunked, limits.max_body_bytes)
        try:
            body = _read(environ["wsgi.input"], wanted)
        except TimeoutError:
            self._answer_and_close(HTTPStatus.REQUEST_TIMEOUT)
            raise
        except ConnectionError:
            raise
        except OSError:  # a chunked body that breaks the chunked framing
            self._answer_and_close(HTTPStatus.BAD_REQUEST)
            raise ConnectionAbortedError("a malformed chunked body") from None
        if not chunked and len(body) < wanted:
            raise ConnectionAbortedError("the client left before its body was whole")
        self.connection.settimeout(limits.body_timeout)  # for writing the answer
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True
        return environ

    def _answer_and_close(self, status: HTTPStatus) -> None:
        self.connection.settimeout(self.server.limits.body_timeout)
        self.send_error(status)

    def log_error(self, format: str, *args: Any) -> None:
        """A client that took too long is the limits at work: noted at info level, not as an error."""
        if args and isinstance(args[0], TimeoutError):
            self.log("info", format, *args)
        else:
            super().log_error(format, *args)


#: Seconds between the serving loop's looks at whether it should stop: what a stop waits at most
#: (socketserver's 0.5 s made every stop of a test's or a recorder's server half a second).
POLL_INTERVAL = 0.05


class LiveServer(Started):
    """A threaded WSGI server on `host:port` (port 0: any free one).

    It binds the socket itself, so a port in use is an OSError for the caller
    to report, not werkzeug's exit. `handler` may be a RequestHandler of the caller's own.
    """

    def __init__(
        self,
        app: Flask,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits | None = None,
        handler: type[RequestHandler] = RequestHandler,
    ) -> None:
        self.app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family, backlog=1024) as listener:
            self._server = _Server(host, port, app, handler, fd=listener.fileno())
        self._server.limits = limits or Limits.of(app)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self._server.serve_forever(POLL_INTERVAL)

    def start(self) -> Self:
        """Serve from a daemon thread and return at once."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
