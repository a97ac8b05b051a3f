"""Raw HTTP for the bad-input tests: bytes no HTTP library would send, and the clean-answer check."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Exchange:
    """What came back for some bytes: the status (None: no answer), head and body, and how long
    until the server closed the connection (None: it was still open when the test gave up)."""

    status: int | None
    head: bytes
    body: bytes
    closed_after: float | None


def connect(base_url: str, timeout: float = 10) -> socket.socket:
    parts = urlsplit(base_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout)


def receive(conn: socket.socket, timeout: float = 10) -> Exchange:
    """Read until the server closes the connection, or `timeout` seconds pass."""
    begun = time.monotonic()
    data = b""
    closed_after: float | None = None
    conn.settimeout(timeout)
    try:
        while chunk := conn.recv(65536):
            data += chunk
            conn.settimeout(max(0.01, timeout - (time.monotonic() - begun)))
        closed_after = time.monotonic() - begun
    except ConnectionResetError:
        closed_after = time.monotonic() - begun
    except TimeoutError:
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    return Exchange(int(head.split()[1]) if head else None, head, body, closed_after)


def exchange(base_url: str, payload: bytes, timeout: float = 10) -> Exchange:
    """Send `payload` as it is, then read the answer until the server closes the connection."""
    with connect(base_url, timeout) as conn:
        conn.sendall(payload)
        return receive(conn, timeout)


def raw_request(
    base_url: str, request_line: bytes, headers: bytes = b"", body: bytes = b""
) -> tuple[int, bytes, bytes]:
    """Send bytes no HTTP library would produce; return the status, the head and the body."""
    answer = exchange(
        base_url,
        request_line
        + b"\r\nHost: x\r\nConnection: close\r\n"
        + headers
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body,
    )
    assert answer.status is not None, "no answer"
    return answer.status, answer.head, answer.body


def assert_clean(status: int, body: bytes) -> None:
    """A refusal, not a crash: no 5xx and no traceback."""
    assert status < 500
    assert b"Traceback" not in body


def assert_uri_too_long(base_url: str, method: bytes, path: str, parameter: bytes, size: int) -> None:
    """A request line over the server's limit, `size` bytes in one query parameter, gets a clean 414."""
    status, _, body = raw_request(
        base_url, method + b" " + path.encode() + b"?" + parameter + b"=" + b"a" * size + b" HTTP/1.1"
    )
    assert status == 414
    assert_clean(status, body)


def odd_credentials(id_name: bytes, secret_name: bytes, rest: bytes = b"") -> list[bytes]:
    """Query strings carrying a credential pair in each odd encoding a token request must refuse
    cleanly: broken percent-encoding, percent-encoded bytes that are not UTF-8, raw non-UTF-8
    bytes in the request line, Chinese and a NUL."""
    pairs = [
        (b"%ZZ", b"%"),
        (b"%FF%FE", b"%C3%28"),
        (b"\xff\xfe", b"\xe4\xb8"),
        (b"%E4%B8%AD%E6%96%87", b"%00"),
    ]
    return [id_name + b"=" + given + b"&" + secret_name + b"=" + secret + rest for given, secret in pairs]


def clean_answer(base_url: str, request_line: bytes) -> bytes:
    """The body of the answer to a bare request line, which must be a refusal, not a crash."""
    status, _, body = raw_request(base_url, request_line)
    assert_clean(status, body)
    return body
