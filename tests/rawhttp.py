"""Raw HTTP for the bad-input tests: bytes no HTTP library would send, and the clean-answer check."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


def raw_request(
    base_url: str, request_line: bytes, headers: bytes = b"", body: bytes = b""
) -> tuple[int, bytes, bytes]:
    """Send bytes no HTTP library would produce; return the status, the head and the body."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(
            request_line
            + b"\r\nHost: x\r\nConnection: close\r\n"
            + headers
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head, payload


def assert_clean(status: int, body: bytes) -> None:
    """A refusal, not a crash: no 5xx and no traceback."""
    assert status < 500
    assert b"Traceback" not in body
