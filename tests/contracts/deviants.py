"""Deliberately deviating servers: our mock with one documented behaviour broken.

A deviation either configures the mock against the documentation (a token
that is never overwritten) or rewrites its answers on the provider's paths (a
sorted key, a `\\u`-escaped message, a 500 on malformed input).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from mocks import create_app
from mocks.core.server import LiveServer

#: (path, status, headers, body) -> (status, headers, body), for answers on the provider's paths.
Rewrite = Callable[[str, int, list[tuple[str, str]], bytes], tuple[int, list[tuple[str, str]], bytes]]


@dataclass(frozen=True)
class Deviant:
    name: str
    #: A fragment the failing case's reason must contain: the suite names the deviation.
    named: str
    config: dict[str, Any] = field(default_factory=dict)
    rewrite: Rewrite | None = None


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


def changed_value(key: str, change: Callable[[Any], Any]) -> Rewrite:
    return body_rewrite(
        lambda p: json.dumps(
            {k: change(v) if k == key else v for k, v in p.items()} if isinstance(p, dict) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


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


def reordered_keys(*order: str) -> Rewrite:
    """Every JSON object answer with `order`'s keys first, in that order (others after)."""
    return body_rewrite(
        lambda p: json.dumps(
            {**{k: p[k] for k in order if k in p}, **p} if isinstance(p, dict) else p,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


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


class Rewriting:
    """WSGI middleware applying a rewrite to answers outside the admin API."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self.app, self.rewrite = app, rewrite

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda _: None

        body = b"".join(self.app(environ, capture))
        if path.startswith("/__admin"):
            start_response(captured["status"], captured["headers"])
            return [body]
        code, headers, body = self.rewrite(
            path, int(captured["status"].split()[0]), captured["headers"], body
        )
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(f"{code} DEVIANT", headers)
        return [body]


@contextmanager
def serving(provider: str, deviant: Deviant) -> Iterator[str]:
    """The deviating server on a loopback port; yields its base URL."""
    app: Flask = create_app({provider: deviant.config} if deviant.config else None, providers=[provider])
    if deviant.rewrite is not None:
        app.wsgi_app = Rewriting(app.wsgi_app, deviant.rewrite)  # type: ignore[method-assign]
    with LiveServer(app) as server:
        yield server.url
