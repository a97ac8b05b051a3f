"""The hostile inputs: each a name and how to send it, built from a route's well-formed request.

Every input is sent to every provider route on every serving stack; what may come back is
written in answers.py. A `protocol` input breaks HTTP itself, so the server may also close
the connection or answer without a status line. Where HTTP gives an input one meaning
(a body over the limit is 413), `status` is the one status every answer must have.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .routes import Plain

MIB = 1024 * 1024
JSON_TYPE = b"application/json"
FORM_TYPE = b"application/x-www-form-urlencoded"
#: Every header a provider reads a credential or token from.
CREDENTIAL_HEADERS = (
    b"user",
    b"password",
    b"orgId",
    b"accessKey",
    b"timestamp",
    b"signature",
    b"token",
    b"x-atlas-client-id",
    b"x-atlas-client-secret",
    b"Access-Token",
    b"Request-Id",
    b"appId",
    b"appSecret",
    b"accessToken",
    b"clientId",
    b"secret",
)
#: A body with every field a provider reads, each of a type the documentation does not give it.
WRONG_TYPES = json.dumps(
    {
        "orderNo": 1,
        "userName": ["a"],
        "role": {"x": 1},
        "cid": None,
        "echo": True,
        "appId": 1.5,
        "clientId": [],
        "secret": {},
        "userType": 2,
    }
).encode()


@dataclass(frozen=True)
class Hostile:
    name: str
    #: The request's bytes, or its pieces to send a little apart (a slow client).
    send: Callable[[Plain], bytes | Sequence[bytes]]
    protocol: bool = False
    #: Stop sending once it is out (shut the write side): the server sees the end of the input.
    half_close: bool = False
    status: int | None = None


def misframed(
    name: str,
    body: bytes,
    *headers: bytes,
    after: bytes = b"",
    half_close: bool = False,
    status: int | None = None,
) -> Hostile:
    """A protocol input: the request with `body`, header lines `headers` framing it wrongly,
    and `after` sent behind it."""
    return Hostile(
        name,
        lambda p: p.raw(body=body, more=headers) + after,
        protocol=True,
        half_close=half_close,
        status=status,
    )


def every_header(value: bytes) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name, value) for name in CREDENTIAL_HEADERS)


def json_body(p: Plain, body: bytes) -> bytes:
    return p.raw(body=body, content_type=JSON_TYPE)


def form_body(p: Plain, body: bytes, content_type: bytes = FORM_TYPE) -> bytes:
    return p.raw(body=body, content_type=content_type)


def chunked(p: Plain, chunks: bytes) -> bytes:
    return p.raw(body=chunks, length=False, more=(b"Transfer-Encoding: chunked",))


def pieces(raw: bytes, count: int) -> list[bytes]:
    size = -(-len(raw) // count)
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def line_by_line(raw: bytes) -> list[bytes]:
    """The head a line at a time, then the blank line and the body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    return [line + b"\r\n" for line in head.split(b"\r\n")] + [b"\r\n" + body]


def body_slowly(raw: bytes, count: int) -> list[bytes]:
    """The head at once, then the body in `count` pieces."""
    head, blank, body = raw.partition(b"\r\n\r\n")
    return [head + blank, *pieces(body, count)]


def nested(depth: int) -> bytes:
    return b'{"echo":' + b"[" * depth + b"]" * depth + b"}"


CHUNKS_100_KIB = b"".join(b"1000\r\n" + b"a" * 0x1000 + b"\r\n" for _ in range(25)) + b"0\r\n\r\n"
CHUNKS_OVER_LIMIT = b"".join(b"10000\r\n" + b"a" * 0x10000 + b"\r\n" for _ in range(17)) + b"0\r\n\r\n"
TLS_HELLO = bytes.fromhex("16030100a5010000a10303") + bytes(150)

INPUTS = [
    # -- malformed -----------------------------------------------------------
    Hostile("JSON cut short", lambda p: json_body(p, b'{"orderNo": "TK1", "userName": "ho')),
    Hostile("not JSON", lambda p: json_body(p, b"{not json")),
    Hostile("JSON of the wrong types", lambda p: json_body(p, WRONG_TYPES)),
    Hostile("JSON array", lambda p: json_body(p, b"[1, 2, 3]")),
    Hostile("JSON string", lambda p: json_body(p, b'"TK1"')),
    Hostile(
        "empty body declared JSON",
        lambda p: p.raw(body=b"", content_type=JSON_TYPE, more=(b"Content-Length: 0",)),
    ),
    Hostile(
        "duplicate JSON keys",
        lambda p: json_body(p, b'{"orderNo":"TK1","orderNo":2,"role":"Admin","role":[]}'),
    ),
    Hostile("JSON after a byte order mark", lambda p: json_body(p, b'\xef\xbb\xbf{"orderNo": "TK1"}')),
    Hostile("JSON with trailing bytes", lambda p: json_body(p, b'{"orderNo": "TK1"} }{')),
    Hostile(
        "JSON numbers out of range",
        lambda p: json_body(p, b'{"orderNo": 1e999, "userName": -1e999, "role": ' + b"9" * 5000 + b"}"),
    ),
    Hostile("JSON NaN and Infinity", lambda p: json_body(p, b'{"orderNo": NaN, "userName": -Infinity}')),
    Hostile("form body malformed", lambda p: form_body(p, b"clientId=%zz&&=&secret&userType=%")),
    Hostile("query malformed", lambda p: p.raw(query=b"appId=%zz&&=&%&accessToken&token=%g0")),
    Hostile("every parameter twice", lambda p: p.raw(query=p.query + b"&" + p.query)),
    Hostile("parameters as arrays", lambda p: p.raw(query=b"appId[]=1&appSecret[0]=2&accessToken[a]=3")),
    Hostile(
        "multipart cut short",
        lambda p: form_body(
            p,
            b'--x\r\nContent-Disposition: form-data; name="clientId"\r\n\r\nab',
            b"multipart/form-data; boundary=x",
        ),
    ),
    Hostile(
        "JSON in an unknown charset",
        lambda p: form_body(p, WRONG_TYPES, b"application/json; charset=x-bogus"),
    ),
    Hostile(
        "UTF-16 declared, UTF-8 sent",
        lambda p: form_body(p, WRONG_TYPES, b"application/json; charset=utf-16"),
    ),
    Hostile("Content-Type garbage", lambda p: form_body(p, WRONG_TYPES, b';;=;/"x')),
    Hostile(
        "gzip declared, not gzip",
        lambda p: p.raw(body=WRONG_TYPES, content_type=JSON_TYPE, more=(b"Content-Encoding: gzip",)),
    ),
    Hostile("Accept-Encoding garbage", lambda p: p.raw(more=(b"Accept-Encoding: gzip;q=x, *;q=-1, ;;",))),
    Hostile("Accept garbage", lambda p: p.raw(more=(b"Accept: */*;q=x, application/json;;; , /",))),
    Hostile("Host garbage", lambda p: p.raw(host=b"[::1:bad]:x:-1")),
    Hostile(
        "forwarding headers garbage",
        lambda p: p.raw(
            more=(
                b'Forwarded: for="[::1";host=a b;proto=gopher, ,;;',
                b"X-Forwarded-Host: a b c, ,",
                b"X-Forwarded-Proto: javascript",
            )
        ),
    ),
    # -- huge ----------------------------------------------------------------
    Hostile("60 KB query value", lambda p: p.raw(query=p.query + b"&appId=" + b"a" * 60_000)),
    Hostile("10,000 parameters", lambda p: p.raw(query=b"&".join([p.query] + [b"a=1"] * 10_000))),
    Hostile("60 KB header", lambda p: p.raw(more=(b"X-Long: " + b"a" * 60_000,))),
    Hostile("every credential header 4 KB", lambda p: p.raw(headers=every_header(b"a" * 4096))),
    Hostile("200 headers", lambda p: p.raw(more=tuple(b"X-H%d: 1" % i for i in range(200))), status=431),
    Hostile("body just under 1 MiB", lambda p: json_body(p, b'{"echo": "' + b"a" * (MIB - 13) + b'"}')),
    Hostile("body over 1 MiB", lambda p: json_body(p, b"a" * (MIB + 1)), status=413),
    Hostile(
        "Content-Length of 1 GiB, no body",
        lambda p: p.raw(body=b"", more=(b"Content-Length: 1073741824",)),
        status=413,
    ),
    Hostile("chunked body of 100 KiB", lambda p: chunked(p, CHUNKS_100_KIB)),
    Hostile(
        "chunked body over 1 MiB",
        lambda p: chunked(p, CHUNKS_OVER_LIMIT),
        status=413,
    ),
    Hostile("8 KB path", lambda p: p.raw(target=p.path + b"/" + b"a" * 8000)),
    Hostile("70 KB path", lambda p: p.raw(target=p.path + b"/" + b"a" * 70_000), status=414),
    Hostile("900 KB JSON string", lambda p: json_body(p, b'{"orderNo": "' + b"x" * 900_000 + b'"}')),
    Hostile(
        "60,000 JSON keys",
        lambda p: json_body(p, b"{" + b",".join(b'"k%d":1' % i for i in range(60_000)) + b"}"),
    ),
    # -- nested --------------------------------------------------------------
    Hostile("JSON nested 100,000 deep", lambda p: json_body(p, nested(100_000))),
    Hostile(
        "JSON objects nested 50,000 deep", lambda p: json_body(p, b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
    ),
    Hostile("JSON nested 900 deep", lambda p: json_body(p, nested(900))),
    # -- invalid bytes -------------------------------------------------------
    Hostile("raw bytes over 0x7F in the query", lambda p: p.raw(query=p.query + b"&appId=\xff\xfe\xc0\xaf")),
    Hostile(
        "invalid UTF-8 percent-encoded in the query",
        lambda p: p.raw(query=p.query + b"&appId=%ff%fe%c0%af&token=%ed%a0%80"),
    ),
    Hostile("raw invalid UTF-8 in the path", lambda p: p.raw(target=p.path + b"\xff\xfe")),
    Hostile("invalid UTF-8 percent-encoded in the path", lambda p: p.raw(target=p.path + b"%ff%fe")),
    Hostile(
        "invalid UTF-8 in every credential header", lambda p: p.raw(headers=every_header(b"\xff\xfe\xc0\xaf"))
    ),
    Hostile("invalid UTF-8 in a header name", lambda p: p.raw(more=(b"X-\xff\xfe: 1",)), protocol=True),
    Hostile(
        "invalid UTF-8 in a JSON body",
        lambda p: json_body(p, b'{"orderNo": "\xff\xfe", "userName": "\xc0\xaf", "echo": "\xed\xa0\x80"}'),
    ),
    Hostile(
        "invalid UTF-8 in a form body",
        lambda p: form_body(p, b"clientId=\xff&secret=%ff%fe&userType=2"),
    ),
    Hostile(
        "lone surrogates escaped in JSON",
        lambda p: json_body(
            p, b'{"orderNo": "\\ud800", "userName": "\\udfff", "role": "\\ud800", "echo": "\\ud800"}'
        ),
    ),
    Hostile("Chinese unencoded in the query", lambda p: p.raw(query=p.query + "&name=中文".encode())),
    # -- NUL -----------------------------------------------------------------
    Hostile("NUL percent-encoded in the query", lambda p: p.raw(query=p.query + b"&appId=%00&token=a%00b")),
    Hostile("raw NUL in the query", lambda p: p.raw(query=p.query + b"&appId=\x00")),
    Hostile("NUL percent-encoded in the path", lambda p: p.raw(target=p.path + b"%00")),
    Hostile(
        "raw NUL in every credential header", lambda p: p.raw(headers=every_header(b"a\x00b")), protocol=True
    ),
    Hostile("raw NUL in a JSON body", lambda p: json_body(p, b'{"orderNo": "a\x00b"}')),
    Hostile(
        "NUL escaped in JSON",
        lambda p: json_body(p, b'{"orderNo": "\\u0000", "userName": "\\u0000", "echo": "\\u0000"}'),
    ),
    # -- protocol errors -----------------------------------------------------
    Hostile("four-part request line", lambda p: p.raw(target=p.path + b" x"), protocol=True),
    Hostile(
        "no HTTP version (HTTP/0.9)",
        lambda p: p.method + b" " + p.path + b"\r\n",
        protocol=True,
        half_close=True,
    ),
    Hostile("HTTP/2.0 request line", lambda p: p.raw(version=b"HTTP/2.0"), protocol=True),
    Hostile("garbage HTTP version", lambda p: p.raw(version=b"HTTQ/1.1"), protocol=True),
    Hostile("HTTP/1.0 without Host", lambda p: p.raw(version=b"HTTP/1.0", host=None)),
    Hostile("HTTP/1.1 without Host", lambda p: p.raw(host=None), protocol=True),
    Hostile("bare LF line ends", lambda p: p.raw().replace(b"\r\n", b"\n"), protocol=True),
    Hostile("header without a colon", lambda p: p.raw(more=(b"no colon here",)), protocol=True),
    Hostile("folded header (obs-fold)", lambda p: p.raw(more=(b"X-A: b\r\n c",)), protocol=True),
    Hostile("invalid header name", lambda p: p.raw(more=(b"X(A)[]: b",)), protocol=True),
    Hostile("chunk size not hex", lambda p: chunked(p, b"zz\r\nabc\r\n0\r\n\r\n"), protocol=True),
    Hostile(
        "chunk size overflowing",
        lambda p: chunked(p, b"f" * 20 + b"\r\nabc\r\n0\r\n\r\n"),
        protocol=True,
        half_close=True,
    ),
    Hostile("chunked body cut short", lambda p: chunked(p, b"5\r\nab"), protocol=True, half_close=True),
    misframed("chunked and Content-Length", b"3\r\nabc\r\n0\r\n\r\n", b"Transfer-Encoding: chunked"),
    misframed("unknown Transfer-Encoding", b"abc", b"Transfer-Encoding: bogus"),
    misframed("Content-Length not a number", b"", b"Content-Length: abc"),
    misframed(
        "two Content-Lengths that disagree",
        b"",
        b"Content-Length: 3",
        b"Content-Length: 2000",
        after=b"abc",
        status=400,
    ),
    misframed(
        "body shorter than its Content-Length", b"", b"Content-Length: 100", after=b'{"a"', half_close=True
    ),
    Hostile("unknown method", lambda p: p.raw(method=b"BREW"), status=405),
    Hostile("lowercase method", lambda p: p.raw(method=p.method.lower())),
    Hostile("8 KB method", lambda p: p.raw(method=b"A" * 8000), protocol=True, status=405),
    Hostile("HEAD", lambda p: p.raw(method=b"HEAD")),
    Hostile(
        "absolute-form target",
        lambda p: p.raw(target=b"http://mock.test" + p.path + (b"?" + p.query if p.query else b"")),
    ),
    Hostile("Expect: 100-continue", lambda p: p.raw(more=(b"Expect: 100-continue",))),
    Hostile(
        "pipelined garbage after a request",
        lambda p: p.raw(close=False) + b"\x00\x01\xff junk\r\n\r\n",
        protocol=True,
    ),
    Hostile("TLS handshake on the plain port", lambda p: TLS_HELLO, protocol=True, half_close=True),
    Hostile("binary junk", lambda p: bytes(range(256)), protocol=True, half_close=True),
    Hostile("nothing, then the end", lambda p: b"", protocol=True, half_close=True),
    # -- slow ----------------------------------------------------------------
    Hostile("sent in 10 pieces", lambda p: pieces(p.raw(), 10)),
    Hostile("header lines one by one", lambda p: line_by_line(p.raw())),
    Hostile("body in 5 pieces", lambda p: body_slowly(json_body(p, WRONG_TYPES), 5)),
]
