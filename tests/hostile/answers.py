"""Sending raw bytes and telling what came back: the answers allowed, and everything else.

Allowed answers, by kind:

- `envelope`: the provider's own JSON envelope (its keys in one of the orders its spec
  documents, `application/json;charset=UTF-8`), HTTP 200 or the provider's documented
  mapping of an HTTP failure (400, 404, 405, 413), or a documented limit's 403.
- `page`: on ATRIP's portal paths, the portal's own HTML page.
- `refused`: the server itself refuses the request before the app sees it: 400, 408, 413,
  414 or 431 with an empty body or the server's own short HTML or text page.
- `closed`: no answer, the connection closed; for protocol errors only.
- `bare`: bytes without a status line; for protocol errors only (the standard library's
  server answers a request line it cannot read as HTTP/0.9 would, with the page alone).

Never: a 5xx, a traceback, an admin-style `{"error"}` on a provider path, or no answer
within the timeout.
"""

from __future__ import annotations

import functools
import gzip
import http.client
import io
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from provider_mocks.contracts.checks import documented_content_type, key_order_problem
from provider_mocks.contracts.expect import spec
from provider_mocks.core.plugins import load

from .routes import Route

TIMEOUT = 5.0
#: The pause between the pieces of a slow input.
GAP = 0.05
#: 403: a documented refusal of a limit (DingTalk's new API), which fast inputs may reach.
ENVELOPE_STATUSES = frozenset({200, 400, 403, 404, 405, 413})
REFUSALS = frozenset({400, 408, 413, 414, 431})
PROTOCOL_ONLY = frozenset({"closed", "bare"})


@functools.cache
def envelope_orders(slug: str) -> tuple[list[str], ...]:
    """Every key order the provider's spec documents for its envelope."""
    found: list[list[str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(keys := node.get("x-envelope-keys"), list) and keys not in found:
                found.append(keys)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec(slug).raw_schema)
    return tuple(found)


def route_content_type(route: Route) -> str:
    """The Content-Type the route's answers carry: its operation's, else its provider's."""
    schema = spec(route.slug).raw_schema
    operation = schema["paths"].get(route.path.removeprefix(load(route.slug).mount), {})
    return documented_content_type(schema, operation.get(route.method.lower()))


def exchange(url: str, pieces: Sequence[bytes], *, half_close: bool, head: bool) -> bytes | None:
    """Send the pieces (GAP apart) while reading; the bytes that came back, None on a timeout.

    The answer is read while the request is still going out (a server may answer a body over
    the limit before it has all of it), and until it is complete by its own framing or the
    server closes: as a client reads it, without waiting for a close the server may put off.
    """
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as conn:

        def send() -> None:
            try:
                for i, piece in enumerate(pieces):
                    if i:
                        time.sleep(GAP)
                    conn.sendall(piece)
                if half_close:
                    conn.shutdown(socket.SHUT_WR)
            except OSError:  # the server answered and closed first
                pass

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                if _complete(received, head):
                    break
        except TimeoutError:
            return None
        except ConnectionResetError:
            pass
        sender.join(TIMEOUT)
        return received


class _Stream(io.BytesIO):
    def close(self) -> None:
        """Kept open: http.client closes it after each answer, and the next may follow in it."""


class _Received:
    """A socket whose `makefile` gives the bytes received, for http.client's parser."""

    def __init__(self, data: bytes) -> None:
        self.stream = _Stream(data)

    def makefile(self, mode: str) -> io.BytesIO:
        return self.stream


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def parse(data: bytes, head: bool, *, framed: bool = False) -> list[Answer]:
    """Every answer in the bytes (pipelined requests get several); 1xx interim answers skipped.

    `framed`: an answer whose end is not marked (no Content-Length, not chunked) is an error.
    """
    source = _Received(data)
    found: list[Answer] = []
    while source.stream.tell() < len(data):
        response = http.client.HTTPResponse(source, method="HEAD" if head else "GET")  # type: ignore[arg-type]
        response.begin()
        if framed and response.length is None and not response.chunked and not head:
            raise http.client.IncompleteRead(b"")
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        found.append(Answer(response.status, response.getheader("Content-Type") or "", body))
        if response.will_close:
            break
    return found


def _complete(data: bytes, head: bool) -> bool:
    """The bytes hold a whole answer, by its own framing."""
    if not data.startswith(b"HTTP/"):
        return False
    try:
        return bool(parse(data, head, framed=True))
    except (http.client.HTTPException, ValueError, OSError):
        return False


def kind(answer: Answer, route: Route, head: bool) -> str:
    """The allowed kind of an answer, or an AssertionError saying what is wrong with it."""
    if answer.status >= 500:
        raise AssertionError(f"HTTP {answer.status}: {answer.body[:200]!r}")
    if b"Traceback" in answer.body:
        raise AssertionError(f"a traceback in the answer: {answer.body[:500]!r}")
    if answer.content_type == route_content_type(route):
        if not head:
            orders = envelope_orders(route.slug)
            if all(key_order_problem(answer.body, order) for order in orders):
                raise AssertionError(f"not {route.slug}'s envelope {orders}: {answer.body[:200]!r}")
        if answer.status not in ENVELOPE_STATUSES:
            raise AssertionError(f"{route.slug}'s envelope with HTTP {answer.status}")
        return "envelope"
    if (
        route.portal
        and answer.content_type.startswith("text/html")
        and (head or b"Atlas customer service portal" in answer.body)
    ):
        return "page"
    if answer.status in REFUSALS and not answer.body.lstrip().startswith((b"{", b"[")):
        return "refused"
    raise AssertionError(f"HTTP {answer.status} {answer.content_type!r}: {answer.body[:200]!r}")


def kinds(data: bytes | None, route: Route, head: bool, status: int | None = None) -> list[str]:
    """The kinds of everything that came back from one send (`head`: to a HEAD request), each
    answer with `status` where one is given."""
    if data is None:
        raise AssertionError(f"no answer within {TIMEOUT:.0f} s")
    if not data:
        return ["closed"]
    if not data.startswith(b"HTTP/"):
        if b"Traceback" in data:
            raise AssertionError(f"a traceback in the answer: {data[:500]!r}")
        return ["bare"]
    try:
        answers = parse(data, head)
    except (http.client.HTTPException, ValueError, OSError) as exc:
        raise AssertionError(f"an answer that does not parse ({exc!r}): {data[:300]!r}") from None
    wrong = [answer.status for answer in answers if status not in (None, answer.status)]
    if wrong:
        raise AssertionError(f"HTTP {wrong}, not {status}: {data[:200]!r}")
    return [kind(answer, route, head) for answer in answers]
