"""The recorder: a reverse proxy that writes a provider's traffic to a cassette as it passes.

Clients call it as they would call the provider. Each request goes to the upstream as it came
(method, path, query string, header fields but the hop-by-hop ones, the upstream's Host, the
body), and the upstream's answer goes back unchanged: status, header fields but the hop-by-hop
ones, the body's bytes as sent (still compressed). No redirect is followed: the client gets it.
Before the answer leaves, the exchange is aliased (`aliases.py`) and written to the cassette,
so an answered exchange is on the disk even if the recorder is killed.

An upstream that cannot be reached, or that fails mid-answer, gets the client a 502 whose JSON
body says why; the cassette keeps that 502 with `error` set, so the recording shows the gap.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, request
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import HTTPError
from urllib3.util import SKIP_HEADER
from werkzeug.datastructures import Headers

from ..core.config import ServerSettings
from ..core.server import RequestHandler
from .aliases import Aliases
from .cassette import Fields, Recorded, Writer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ..core.provider import Provider

#: Seconds the upstream has to accept the connection, and then between the bytes of its answer.
TIMEOUT = 60.0
#: Header fields of one connection, not of the message: never forwarded (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
#: Header fields the HTTP client adds of its own unless told not to: a client that sent none sends none.
_ADDED = ("User-Agent", "Accept-Encoding")
#: The WSGI environ's keys: the request's header fields as the client wrote them; what to call
#: once its exchange is over, the answer sent (or the client gone).
FIELDS_KEY = "provider_mocks.recorder.fields"
DONE_KEY = "provider_mocks.recorder.done"


@dataclass(frozen=True)
class Upstream:
    """The provider's base URL, and the Host every forwarded request carries."""

    url: str
    host: str

    @classmethod
    def parse(cls, text: str) -> Upstream:
        """`text` as an upstream; a ValueError says what is wrong with it."""
        try:
            parts = urlsplit(text)
            bad_port = parts.port == 0
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or bad_port:
            raise ValueError(
                f"{text!r}: give an http:// or https:// URL with a host, e.g. https://api.scnet.cn"
            )
        if "@" in parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{text!r}: give the base URL alone, without credentials, query or fragment")
        return cls(f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", parts.netloc)


class Handler(RequestHandler):
    """The serving handler the recorder's app needs. The answer carries the upstream's Server and
    Date, so it adds none of its own; the app gets the header fields as the client wrote them
    (names in their case, in order, a repeated one apart), which the WSGI environ folds
    together; and it learns when an exchange is over, the answer sent or the client gone (a
    response's own close is skipped when the client leaves early)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[FIELDS_KEY] = self.headers.items()
        return environ

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            done = getattr(self, "environ", {}).pop(DONE_KEY, None)
            if done is not None:
                done()


class _Forwarding(Flask):
    """An app whose one view answers every method and path: it has no routes to match."""

    def __init__(self, view: Callable[[], Response]) -> None:
        super().__init__(__name__, static_folder=None)
        self._view = view

    def dispatch_request(self) -> Response:
        return self._view()


def end_to_end(fields: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields but the connection's: the hop-by-hop ones and those its `Connection` names."""
    fields = list(fields)
    named = {
        token.strip().lower()
        for name, value in fields
        if name.lower() == "connection"
        for token in value.split(",")
    }
    return [(name, value) for name, value in fields if name.lower() not in HOP_BY_HOP | named]


def _forwarded(fields: Iterable[tuple[str, str]], host: str) -> CaseInsensitiveDict[str]:
    """The request's header fields for the upstream: its Host, a repeated field as one (joined
    by commas, as HTTP allows), and nothing the HTTP client would add."""
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for name, value in end_to_end(fields):
        if name.lower() == "host":
            value = host
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    headers.setdefault("Host", host)
    for name in _ADDED:
        headers.setdefault(name, SKIP_HEADER)
    return headers


def _text(value: str) -> str:
    """A header value as the cassette keeps it: its bytes (Latin-1 on the wire) read as UTF-8
    where they are, so that a Chinese user name reads as one."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def readable(body: bytes, fields: Fields) -> bytes:
    """The body with its Content-Encoding undone (gzip, deflate), for people to read; as sent
    where it names another coding or does not decode."""
    codings = [
        coding.strip().lower()
        for name, value in fields
        if name.lower() == "content-encoding"
        for coding in value.split(",")
    ]
    decoded = body
    try:
        for coding in reversed(codings):
            if coding in ("gzip", "x-gzip"):
                decoded = gzip.decompress(decoded)
            elif coding == "deflate":
                try:
                    decoded = zlib.decompress(decoded)
                except zlib.error:  # deflate as some servers send it: without the zlib wrapper
                    decoded = zlib.decompress(decoded, -zlib.MAX_WBITS)
            elif coding != "identity":
                return body
    except (OSError, EOFError, zlib.error):
        return body
    return decoded


def why(failure: BaseException) -> str:
    """The innermost cause of a failed upstream call, in its own words ("Connection refused")."""
    while True:
        reason = getattr(failure, "reason", None)
        inner = reason if isinstance(reason, BaseException) else failure.__cause__ or failure.__context__
        if inner is None or inner is failure:
            break
        failure = inner
    if isinstance(failure, OSError) and failure.strerror:
        return str(failure.strerror)
    return str(failure) or type(failure).__name__


def _own(status: HTTPStatus, said: dict[str, str]) -> Response:
    """The recorder's own answer, where the upstream gave none: JSON saying why."""
    body = json.dumps(said, ensure_ascii=False).encode("utf-8")
    return Response(body, status=status, content_type="application/json")


class Recorder:
    """Forwards every request to the upstream and writes each exchange to the cassette as it ends;
    its `app` is served with `Handler`.

    The cassette's header line is written with the first exchange (or on closing if none
    came): its provider is `provider`, else the one of `providers` that owns the first
    request's path, else null. Exchanges are numbered in the order they are written.
    """

    def __init__(
        self, upstream: Upstream, stream: IO[str], provider: str | None, providers: Sequence[Provider] = ()
    ) -> None:
        self.upstream = upstream
        self.started = datetime.now(UTC)
        #: The exchanges written so far.
        self.count = 0
        self._stream = stream
        self._provider = provider
        self._providers = providers
        self._first: str | None = None  # the first request's path
        self._writer: Writer | None = None
        self._aliases = Aliases()
        self._lock = threading.Condition()
        self._busy = 0  # exchanges in flight
        self._closed = False
        self._http = requests.Session()
        self._http.trust_env = False  # no proxy, no .netrc: the request goes as the client sent it
        self.app = _Forwarding(self._exchange)
        self.app.config["MAX_CONTENT_LENGTH"] = ServerSettings().max_body_bytes

    def _exchange(self) -> Response:
        arrived = datetime.now(UTC)
        target: str = request.environ["RAW_URI"]  # as on the request line
        with self._lock:
            if self._closed:  # came in while the recorder stopped: not forwarded, so nothing to record
                return _own(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "the recorder is stopping"})
            self._busy += 1
            self._first = self._first or target.partition("?")[0]
        request.environ[DONE_KEY] = self._done  # once sent: a recorder that stops waits for that too
        return self._forward(arrived, target)

    def _done(self) -> None:
        with self._lock:
            self._busy -= 1
            self._lock.notify_all()

    def _forward(self, arrived: datetime, target: str) -> Response:
        path, _, query = target.partition("?")
        sent = request.get_data()
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=request.method,
            url=self.upstream.url,
            headers=_forwarded(request.environ[FIELDS_KEY], self.upstream.host),
            data=sent or None,
        )
        prepared.url = self.upstream.url + target  # as received: requests would requote it
        sent_fields = tuple(
            (name, _text(value)) for name, value in prepared.headers.items() if value != SKIP_HEADER
        )
        exchange = Recorded(
            n=0,
            time=arrived,
            method=request.method,
            path=path,
            query=query,
            headers=sent_fields,
            body=readable(sent, sent_fields),
            status=0,
            response_headers=(),
            response=b"",
        )
        began = time.monotonic()
        try:
            answer = self._http.send(prepared, stream=True, allow_redirects=False, timeout=TIMEOUT)
            try:
                body = answer.raw.read(decode_content=False)
            finally:
                answer.close()
        except (requests.RequestException, HTTPError, OSError) as failure:
            reason = why(failure)
            said = {"error": "the upstream could not be reached", "upstream": self.upstream.url}
            own = _own(HTTPStatus.BAD_GATEWAY, {**said, "reason": reason})
            self._record(
                replace(
                    exchange,
                    ms=(time.monotonic() - began) * 1000,
                    status=own.status_code,
                    response_headers=tuple(own.headers.items()),
                    response=own.get_data(),
                    error=reason,
                )
            )
            return own
        kept = end_to_end(answer.raw.headers.items())
        passed = Response(body, status=f"{answer.status_code} {answer.reason or ''}".strip())
        passed.headers = Headers(kept)
        answer_fields = tuple((name, _text(value)) for name, value in kept)
        self._record(
            replace(
                exchange,
                ms=(time.monotonic() - began) * 1000,
                status=answer.status_code,
                response_headers=answer_fields,
                response=readable(body, answer_fields),
            )
        )
        return passed

    def _provider_of(self, path: str | None) -> str | None:
        """The provider given, else the one whose real host the upstream is, else the one owning
        the first path."""
        if self._provider or path is None:
            return self._provider
        host = self.upstream.host.rpartition(":")[0] or self.upstream.host
        by_host = (p.slug for p in self._providers if host.lower() in map(str.lower, p.hosts))
        owning = (p.slug for p in self._providers if p.owns(path))
        return next(by_host, None) or next(owning, None)

    def _writing(self) -> Writer:
        if self._writer is None:
            provider = self._provider_of(self._first)
            self._writer = Writer(self._stream, provider, self.upstream.url, self.started)
        return self._writer

    def _record(self, exchange: Recorded) -> None:
        """Number, alias and write the exchange under one lock: the file is in the order of its numbers."""
        with self._lock:
            if self._closed:  # outlived the wait for exchanges in flight
                return
            writer = self._writing()
            self.count += 1
            writer.append(self._aliases.redact(replace(exchange, n=self.count)))

    def close(self, wait: float = TIMEOUT) -> int:
        """Let the exchanges in flight end (for at most `wait` seconds), then close the cassette;
        how many exchanges it holds."""
        with self._lock:
            self._lock.wait_for(lambda: self._busy == 0, wait)
            self._writing().close()
            self._closed = True
        self._http.close()
        return self.count
