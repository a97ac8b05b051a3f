"""Route calls to the providers' real hosts into the mocks, in-process: no port, no network.

`requests` is intercepted with `responses`, httpx with `respx`. Both hand the
call to the same Flask app, so the Python API (clock, journal, violations)
sees every call, and a test can move the clock between two of them.
"""

from __future__ import annotations

import functools
import io
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, Self, TypeVar
from urllib.parse import unquote_to_bytes, urlsplit

import httpx
import requests
import responses
import respx
from flask import Flask

from ..app import create_app
from ..core.faults import IN_PROCESS_KEY, ConnectionDropped
from ..core.lifecycle import Started
from ..core.services import Mocks, get_mocks

P = ParamSpec("P")
R = TypeVar("R")


class Interceptor(Started):
    """While active, calls to the providers' hosts (and `hosts`) are answered by `app`."""

    def __init__(self, app: Flask | None = None, hosts: Iterable[str] = ()) -> None:
        self.app = app or create_app()
        self.mocks: Mocks = get_mocks(self.app)
        known = [host for provider in self.mocks.providers.values() for host in provider.hosts]
        self.hosts = tuple(dict.fromkeys([*known, *hosts]))
        self._responses: responses.RequestsMock | None = None
        self._respx: respx.MockRouter | None = None

    def _answer(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Hand the call to the app as a WSGI request from loopback, and collect its answer."""
        parts = urlsplit(url)
        default_port = "443" if parts.scheme == "https" else "80"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method.upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or default_port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": parts.netloc,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            IN_PROCESS_KEY: True,
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            elif key != "HOST":
                key = "HTTP_" + key
                environ[key] = f"{environ[key]}, {value}" if key in environ else value
        environ["CONTENT_LENGTH"] = str(len(body))
        started: list[Any] = []

        def start_response(status: str, answer_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, answer_headers]
            return lambda _: None

        chunks = self.app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return int(started[0].split(" ", 1)[0]), list(started[1]), data

    def _from_requests(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        raw = request.body or b""
        body = raw.encode() if isinstance(raw, str) else raw
        try:
            status, headers, answer = self._answer(
                str(request.method), str(request.url), dict(request.headers), body
            )
        except ConnectionDropped as exc:
            raise requests.ConnectionError(str(exc), request=request) from exc
        return status, dict(headers), answer

    def _from_httpx(self, request: httpx.Request) -> httpx.Response:
        try:
            status, headers, body = self._answer(
                request.method, str(request.url), dict(request.headers), request.read()
            )
        except ConnectionDropped as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return httpx.Response(status, headers=headers, content=body)

    def start(self) -> Self:
        pattern = re.compile(rf"https?://({'|'.join(map(re.escape, self.hosts))})(:\d+)?(/.*)?$")
        self._responses = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            self._responses.add_callback(method, pattern, callback=self._from_requests)
        self._responses.add_passthru(re.compile(r".*"))
        self._responses.start()
        self._respx = respx.mock(assert_all_mocked=False, assert_all_called=False)
        for host in self.hosts:
            self._respx.route(host=host).mock(side_effect=self._from_httpx)
        self._respx.route().pass_through()
        self._respx.start()
        return self

    def stop(self) -> None:
        if self._responses is not None:
            self._responses.stop()
            self._responses.reset()
        if self._respx is not None:
            self._respx.stop()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        """As a decorator: intercept for the duration of each call."""

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return func(*args, **kwargs)

        return wrapper


def intercept(app: Flask | None = None, hosts: Iterable[str] = ()) -> Interceptor:
    """`with intercept() as mocks:` or `@intercept()`: the providers' hosts answered in-process."""
    return Interceptor(app, hosts)
