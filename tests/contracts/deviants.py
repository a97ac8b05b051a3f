"""Deliberately deviating servers: our mock with one documented behaviour broken.

A deviation either configures the mock against the documentation (a token
that is never overwritten), rewrites its answers on the provider's paths (a
sorted key, a `\\u`-escaped message, a 500 on malformed input), or changes the
requests it reads (a server that reads a body the documentation says it ignores). A
gzip answer is rewritten uncompressed, then compressed again unless the rewrite
dropped its Content-Encoding (`without_header("Content-Encoding")`: gzip ignored).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from werkzeug.test import run_wsgi_app

from provider_mocks import create_app
from provider_mocks.core.server import LiveServer

#: (path, status, headers, body) -> (status, headers, body), for answers on the provider's paths.
Rewrite = Callable[[str, int, list[tuple[str, str]], bytes], tuple[int, list[tuple[str, str]], bytes]]
#: Changes a request's WSGI environ in place before the mock reads it.
RequestRewrite = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Deviant:
    name: str
    #: A fragment the failing case's reason must contain: the suite names the deviation.
    named: str
    config: dict[str, Any] = field(default_factory=dict)
    rewrite: Rewrite | None = None
    request: RequestRewrite | None = None


def configured(name: str, named: str, **settings: Any) -> Deviant:
    """A deviant that is the mock with other settings: its own rules differ, no answer is rewritten."""
    return Deviant(name, named, config={"settings": settings})


def token_lives(hours: int, named: str) -> Deviant:
    """The mock with tokens living `hours`, against the documented lifetime."""
    return configured(
        f"token lives {hours} hour{'' if hours == 1 else 's'}", named, token_lifetime=hours * 3600
    )


def body_rewrite(change: Callable[[Any], bytes]) -> Rewrite:
    """Rewrite every JSON answer's body with `change(parsed)`."""

    def rewrite(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
        try:
            parsed = json.loads(body)
        except ValueError:
            return status, headers, body
        return status, headers, change(parsed)

    return rewrite


def sorted_keys() -> Rewrite:
    return body_rewrite(
        lambda p: json.dumps(p, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )


def keys_first(*keys: str) -> Rewrite:
    """Every JSON object answer with `keys` first, in that order (others after)."""
    return body_rewrite(
        lambda p: json.dumps(
            {**{k: p[k] for k in keys if k in p}, **p} if isinstance(p, dict) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


def escaped_unicode() -> Rewrite:
    return body_rewrite(lambda p: json.dumps(p, separators=(",", ":")).encode())


def renamed_key(old: str, new: str) -> Rewrite:
    return body_rewrite(
        lambda p: json.dumps(
            {new if k == old else k: v for k, v in p.items()} if isinstance(p, dict) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


def removed_key(key: str) -> Rewrite:
    return body_rewrite(
        lambda p: json.dumps(
            {k: v for k, v in p.items() if k != key} if isinstance(p, dict) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


def changed_value(key: str, change: Callable[[Any], Any]) -> Rewrite:
    return body_rewrite(
        lambda p: json.dumps(
            {k: change(v) if k == key else v for k, v in p.items()} if isinstance(p, dict) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


def without_key(key: str, when: Callable[[dict[str, Any]], bool] = lambda body: True) -> Rewrite:
    """The envelope without `key` wherever `when(body)` holds (an error answer, say)."""
    return body_rewrite(
        lambda p: json.dumps(
            {k: v for k, v in p.items() if k != key} if isinstance(p, dict) and when(p) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


def without_header(name: str) -> Rewrite:
    """Answers without the header `name`; without Content-Encoding, a gzip answer goes out plain."""

    def rewrite(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
        return status, [(k, v) for k, v in headers if k.lower() != name.lower()], body

    return rewrite


def replaced_text(old: str, new: str) -> Rewrite:
    def rewrite(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
        return status, headers, body.replace(old.encode(), new.encode())

    return rewrite


def content_type(value: str) -> Rewrite:
    def rewrite(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
        return status, [(k, value if k.lower() == "content-type" else v) for k, v in headers], body

    return rewrite


def server_error_when(answered_code: Any) -> Rewrite:
    """A 500 with a stack trace wherever the mock answered `answered_code` (malformed input)."""

    def rewrite(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
        try:
            parsed = json.loads(body)
        except ValueError:
            return status, headers, body
        if isinstance(parsed, dict) and answered_code in parsed.values():
            return (
                500,
                [("Content-Type", "text/html")],
                b"<h1>500</h1><pre>Traceback (most recent call last)</pre>",
            )
        return status, headers, body

    return rewrite


def _gzipped(headers: list[tuple[str, str]]) -> bool:
    return any(k.lower() == "content-encoding" and v.strip().lower() == "gzip" for k, v in headers)


def json_body_as_form(path: str) -> RequestRewrite:
    """A server that reads a JSON object body on `path` as if its fields were form parameters."""

    def rewrite(environ: dict[str, Any]) -> None:
        if environ.get("PATH_INFO") != path or not environ.get("CONTENT_TYPE", "").startswith(
            "application/json"
        ):
            return
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            raw = urlencode(
                {k: v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()}
            ).encode()
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))

    return rewrite


class RequestRewriting:
    """WSGI middleware changing requests outside the admin API before the app reads them."""

    def __init__(self, app: Any, rewrite: RequestRewrite) -> None:
        self.app, self.rewrite = app, rewrite

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith("/__admin"):
            self.rewrite(environ)
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def jwt_claims(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Rewrite:
    """Every JWT in a JSON answer with its claims `change`d (the signature kept, so no longer valid)."""

    def rewrite_token(token: str) -> str:
        head, payload, signature = token.split(".")
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return token
        if not isinstance(claims, dict):
            return token
        raw = json.dumps(change(claims), ensure_ascii=False, separators=(",", ":")).encode()
        return f"{head}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}.{signature}"

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str) and _JWT.match(node):
            return rewrite_token(node)
        return node

    return body_rewrite(lambda p: json.dumps(walk(p), ensure_ascii=False, separators=(",", ":")).encode())


def on_paths(rewrite: Rewrite, *paths: str) -> Rewrite:
    """`rewrite` applied only to answers on `paths`; others pass unchanged."""

    def only(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
        if path in paths:
            return rewrite(path, status, headers, body)
        return status, headers, body

    return only


#: Deviations of a kind every provider can have: the same break, planted in each provider's list.
CHARSET_DROPPED = Deviant(
    "Content-Type without charset",
    "Content-Type is ['application/json']",
    rewrite=content_type("application/json"),
)
ESCAPED_CHINESE = Deviant("\\u-escaped Chinese", "\\u-escaped", rewrite=escaped_unicode())


def keys_sorted(named: str) -> Deviant:
    """Every JSON answer with its keys sorted, against the documented order."""
    return Deviant("sorted keys", named, rewrite=sorted_keys())


def renamed(old: str, new: str, named: str) -> Deviant:
    """The envelope's key `old` sent as `new`."""
    return Deviant(f"{old} renamed {new}", named, rewrite=renamed_key(old, new))


def as_string(key: str, named: str, change: Callable[[Any], Any] = str) -> Deviant:
    """The envelope's `key` sent as the string `change` makes of it, documented another type."""
    return Deviant(f"{key} as a string", named, rewrite=changed_value(key, change))


def reworded(named: str, documented: str, sent: str, name: str = "wrong message text") -> Deviant:
    """Every answer with the text `documented` replaced by `sent`."""
    return Deviant(name, named, rewrite=replaced_text(documented, sent))


def crashing(answered_code: Any, name: str = "500 on malformed input") -> Deviant:
    """A 500 with a stack trace wherever the mock answered `answered_code`."""
    return Deviant(name, "HTTP status 500", rewrite=server_error_when(answered_code))


class Rewriting:
    """WSGI middleware applying a rewrite to answers outside the admin API."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self.app, self.rewrite = app, rewrite

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        answer, status, sent = run_wsgi_app(self.app, environ, buffered=True)
        body, headers = b"".join(answer), sent.to_wsgi_list()
        if path.startswith("/__admin"):
            start_response(status, headers)
            return [body]
        gzipped = _gzipped(headers)
        if gzipped:
            body = gzip.decompress(body)
        code, headers, body = self.rewrite(path, int(status.split()[0]), headers, body)
        if gzipped and _gzipped(headers):
            body = gzip.compress(body, mtime=0)
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(f"{code} DEVIANT", headers)
        return [body]


@contextmanager
def serving(provider: str, deviant: Deviant) -> Iterator[str]:
    """The deviating server on a loopback port; yields its base URL."""
    app: Flask = create_app({provider: deviant.config} if deviant.config else None, providers=[provider])
    if deviant.request is not None:
        app.wsgi_app = RequestRewriting(app.wsgi_app, deviant.request)  # type: ignore[method-assign]
    if deviant.rewrite is not None:
        app.wsgi_app = Rewriting(app.wsgi_app, deviant.rewrite)  # type: ignore[method-assign]
    with LiveServer(app) as server:
        yield server.url
