"""The limits every serving stack holds a client to, alike (mocks/core/server.py).

The request's line and headers: 32 KiB and 64 fields at most, else a 431. Its body: whole
within the body timeout after the headers, else a 408 and the connection closed; over
max_body_bytes, however framed, a 413 in the provider's envelope. Two Content-Length values
that differ: a 400 at once. A head that never ends: the connection closed after the header
timeout, as is an idle kept-alive one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from tests.itrigger.helpers import POST_API, token
from tests.rawhttp import connect, exchange, receive

from .helpers import STACKS, serving

TIMEOUT = 2.0  # --header-timeout and --body-timeout
LIMIT = 1024 * 1024  # max_body_bytes, the default
HEAD = 32 * 1024  # a request's line and headers, at most


@pytest.fixture(scope="module", params=list(STACKS), ids=list(STACKS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(
        *STACKS[request.param], "--header-timeout", str(TIMEOUT), "--body-timeout", str(TIMEOUT)
    ) as url:
        yield url


def chunked(body: bytes, size: int = 64 * 1024) -> bytes:
    """`body` in the chunked framing, in chunks of `size`."""
    chunks = [body[at : at + size] for at in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


def post_chunked(path: bytes, body: bytes) -> bytes:
    return (
        b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body)
    )


# -- bodies -------------------------------------------------------------------------------------

CHUNKED_OVER_LIMIT = [
    ("itrigger", b"/itrigger-tenant/v1/basic/openAPItest/test/post", {"code": 413, "message": "请求体过大"}),
    ("sugon", b"/ac/openapi/v2/tokens", {"code": "413", "msg": "请求体过大"}),
    ("credential", b"/openapi/auth/credential", {"code": 413, "message": "请求体过大"}),
]


@pytest.mark.parametrize(
    ("slug", "path", "fields"), CHUNKED_OVER_LIMIT, ids=[c[0] for c in CHUNKED_OVER_LIMIT]
)
def test_a_chunked_body_over_the_limit_is_a_413_in_the_envelope(
    base_url: str, slug: str, path: bytes, fields: dict[str, object]
) -> None:
    answer = exchange(base_url, post_chunked(path, b"x" * (LIMIT + 1)))
    assert answer.status == 413
    assert b"content-type: application/json;charset=utf-8" in answer.head.lower()
    envelope = json.loads(answer.body)
    assert {key: envelope.get(key) for key in fields} == fields


def test_a_chunked_body_of_the_limit_is_read(base_url: str) -> None:
    answer = exchange(base_url, post_chunked(POST_API.encode(), b"x" * LIMIT))
    assert (answer.status, json.loads(answer.body)["code"]) == (200, 401)  # read whole; no token


def test_a_chunked_body_reaches_the_app_whole(base_url: str) -> None:
    access = token(requests.Session(), base_url).encode()
    body = json.dumps({"name": "张三", "pad": "p" * 100_000}, ensure_ascii=False).encode()
    answer = exchange(base_url, post_chunked(POST_API.encode() + b"?accessToken=" + access, body))
    assert answer.status == 200
    assert json.loads(answer.body)["data"] == json.loads(body)


def test_a_body_that_stops_coming_is_a_408_and_its_connection_closes(base_url: str) -> None:
    with connect(base_url) as conn:
        conn.sendall(b"POST /getAtripToken.do HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n{")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert answer.status == 408
    assert answer.closed_after is not None
    assert TIMEOUT - 0.5 < answer.closed_after < TIMEOUT + 3


def test_a_slow_body_that_comes_in_time_is_served(base_url: str) -> None:
    access = token(requests.Session(), base_url).encode()
    body = b'{"name": "slow"}'
    with connect(base_url) as conn:
        conn.sendall(
            b"POST " + POST_API.encode() + b"?accessToken=" + access + b" HTTP/1.1\r\nHost: x\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        for part in (body[:5], body[5:10], body[10:]):
            time.sleep(TIMEOUT / 4)
            conn.sendall(part)
        answer = receive(conn)
    assert answer.status == 200
    assert json.loads(answer.body)["data"] == {"name": "slow"}


@pytest.mark.parametrize(
    "lengths",
    [b"Content-Length: 1\r\nContent-Length: 5\r\n", b"Content-Length: 1, 5\r\n", b"Content-Length: abc\r\n"],
    ids=["two headers", "one list", "not a number"],
)
def test_content_lengths_that_do_not_agree_are_a_400_at_once(base_url: str, lengths: bytes) -> None:
    with connect(base_url) as conn:
        conn.sendall(b"POST /getAtripToken.do HTTP/1.1\r\nHost: x\r\n" + lengths + b"\r\nx")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert answer.status == 400
    assert answer.closed_after is not None
    assert answer.closed_after < 1.0  # not after a timeout


# -- heads --------------------------------------------------------------------------------------


def head_of(size: int, *, in_the_url: bool = False) -> bytes:
    """A GET whose line and headers take exactly `size` bytes, the padding in a header or the URL."""
    if in_the_url:
        rest = b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        start = b"GET /__admin/health?q="
        return start + b"q" * (size - len(start) - len(rest)) + rest
    start = b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: "
    return start + b"p" * (size - len(start) - 4) + b"\r\n\r\n"


def fields(count: int) -> bytes:
    """A GET with `count` header fields."""
    extra = b"".join(b"X-F%d: v\r\n" % n for n in range(count - 2))
    return b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n"


HEADS = [
    ("32 KiB", head_of(HEAD), 200),
    ("32 KiB and a byte", head_of(HEAD + 1), 431),
    ("32 KiB in the URL", head_of(HEAD, in_the_url=True), 200),
    ("a URL over 32 KiB", head_of(HEAD + 1, in_the_url=True), 431),
    ("a URL of 200 KB", head_of(200_000, in_the_url=True), 431),
    ("a header of 1 MB", head_of(1_000_000), 431),
    ("64 fields", fields(64), 200),
    ("65 fields", fields(65), 431),
    ("200 fields", fields(200), 431),
]


@pytest.mark.parametrize(("payload", "status"), [h[1:] for h in HEADS], ids=[h[0] for h in HEADS])
def test_a_head_over_the_limits_is_a_431(base_url: str, payload: bytes, status: int) -> None:
    assert exchange(base_url, payload).status == status


def test_a_head_that_never_ends_is_closed_after_the_header_timeout(base_url: str) -> None:
    with connect(base_url) as conn:
        conn.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert (answer.status, answer.body) == (None, b"")
    assert answer.closed_after is not None
    assert TIMEOUT - 0.5 < answer.closed_after < TIMEOUT + 3


def test_an_idle_kept_alive_connection_is_closed_after_the_header_timeout(base_url: str) -> None:
    """granian keeps a connection alive for a next request, up to the header timeout;
    werkzeug's server closes each after its answer."""
    with connect(base_url) as conn:
        conn.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert answer.status == 200
    assert answer.closed_after is not None
    assert answer.closed_after < TIMEOUT + 3
    if b"connection: close" not in answer.head.lower():
        assert answer.closed_after > TIMEOUT - 0.5
