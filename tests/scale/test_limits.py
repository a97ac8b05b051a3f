"""The limits every serving stack holds a client to, alike (mocks/core/server.py).

A request line of 64 KiB at most, else a 414; a header line of 64 KiB, 64 fields and 256 KiB of
head at most, else a 431. Its body: whole
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
LINE = 64 * 1024  # a request line or a header line, CRLF included, at most
HEAD = 256 * 1024  # a request's line and headers, at most


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
        b"POST " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body)
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
        conn.sendall(b"POST /getAtripToken.do HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200\r\n\r\n{")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert answer.status == 408
    assert answer.closed_after is not None
    assert TIMEOUT - 0.5 < answer.closed_after < TIMEOUT + 3


def test_a_slow_body_that_comes_in_time_is_served(base_url: str) -> None:
    access = token(requests.Session(), base_url).encode()
    body = b'{"name": "slow"}'
    with connect(base_url) as conn:
        conn.sendall(
            b"POST " + POST_API.encode() + b"?accessToken=" + access + b" HTTP/1.1\r\nHost: localhost\r\n"
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
        conn.sendall(b"POST /getAtripToken.do HTTP/1.1\r\nHost: localhost\r\n" + lengths + b"\r\nx")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert answer.status == 400
    assert answer.closed_after is not None
    assert answer.closed_after < 1.0  # not after a timeout


# -- heads --------------------------------------------------------------------------------------


START = b"GET /__admin/health"
REST = b"Host: localhost\r\nConnection: close\r\n"


def request_line(size: int) -> bytes:
    """A GET whose request line takes `size` bytes, CRLF included."""
    pad = b"?q=" + b"q" * (size - len(START) - 3 - len(b" HTTP/1.1\r\n"))
    return START + pad + b" HTTP/1.1\r\n" + REST + b"\r\n"


def header_line(size: int) -> bytes:
    """A GET with a header line of `size` bytes, CRLF included."""
    return START + b" HTTP/1.1\r\n" + REST + b"X-Pad: " + b"p" * (size - 9) + b"\r\n\r\n"


def head_of(size: int) -> bytes:
    """A GET whose line and headers take `size` bytes in all, in header lines of 60,000 at most."""
    head = START + b" HTTP/1.1\r\n" + REST
    left = size - len(head) - 2
    while left:
        line = min(left, 60_000)
        if 0 < left - line < 12:  # too short for a header line of its own
            line -= 12
        head += b"X-P%d: " % len(head) + b"p" * (line - 2 - len(b"X-P%d: " % len(head))) + b"\r\n"
        left -= line
    return head + b"\r\n"


def fields(count: int) -> bytes:
    """A GET with `count` header fields."""
    extra = b"".join(b"X-F%d: v\r\n" % n for n in range(count - 2))
    return START + b" HTTP/1.1\r\n" + REST + extra + b"\r\n"


HEADS = [
    ("a request line of 64 KiB", request_line(LINE), 200),
    ("a request line of 64 KiB and a byte", request_line(LINE + 1), 414),
    ("a URL of 200 KB", request_line(200_000), 414),
    ("a header line of 64 KiB", header_line(LINE), 200),
    ("a header line of 64 KiB and a byte", header_line(LINE + 1), 431),
    ("a header of 1 MB", header_line(1_000_000), 431),
    ("a head of 256 KiB", head_of(HEAD), 200),
    ("a head of 256 KiB and a byte", head_of(HEAD + 1), 431),
    ("64 fields", fields(64), 200),
    ("65 fields", fields(65), 431),
    ("200 fields", fields(200), 431),
]


@pytest.mark.parametrize(("payload", "status"), [h[1:] for h in HEADS], ids=[h[0] for h in HEADS])
def test_a_head_over_the_limits_is_a_414_or_a_431(base_url: str, payload: bytes, status: int) -> None:
    assert exchange(base_url, payload).status == status


def test_a_head_that_never_ends_is_closed_after_the_header_timeout(base_url: str) -> None:
    with connect(base_url) as conn:
        conn.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\n")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert (answer.status, answer.body) == (None, b"")
    assert answer.closed_after is not None
    assert TIMEOUT - 0.5 < answer.closed_after < TIMEOUT + 3


def test_an_idle_kept_alive_connection_is_closed_after_the_header_timeout(base_url: str) -> None:
    """granian keeps a connection alive for a next request, up to the header timeout;
    werkzeug's server closes each after its answer."""
    with connect(base_url) as conn:
        conn.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = receive(conn, timeout=TIMEOUT + 5)
    assert answer.status == 200
    assert answer.closed_after is not None
    assert answer.closed_after < TIMEOUT + 3
    if b"connection: close" not in answer.head.lower():
        assert answer.closed_after > TIMEOUT - 0.5
