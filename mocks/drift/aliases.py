"""Aliases: a cassette shows `<token:1>` where the traffic carried a token, so it is safe to share.

Secrets, passwords, signatures and every token are replaced by `<kind:N>`, N counting from 1
per kind in the order the values were first seen. The same value always gets the same alias,
so a cassette still shows that a fetch answered the same token again, or that a call used
the token an earlier fetch answered.

The values are found by parsing, by the name of the field that carries them (in any case,
`-` and `_` ignored), wherever a field can be: the query string, a form body, a JSON body at
any depth, a URL's query inside a JSON string (ATRIP's answer `url`), and the header fields
(`Authorization: Bearer X` too). Every JWT-shaped string is a token wherever it is. Each field
is replaced where it stands, whatever its length; a value once known is then replaced
wherever else it occurs (raw, URL-encoded or JSON-escaped) if it is long enough not to hit
unrelated text (`MIN_LENGTH`). Every other character stays as it was: key order, spacing and
`\\u` escapes of the provider's answer are what drift compares.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import quote, quote_plus, unquote_plus

from .cassette import Fields, Recorded

KINDS = ("token", "secret", "password", "signature")
#: A value this short is replaced only in the field that carries it: elsewhere it could be any text.
MIN_LENGTH = 6

_ALIAS = re.compile(rf"<(?:{'|'.join(KINDS)}):\d+>")
#: A token's alias, as the cassette writes it (replay and the offline checks find tokens by it).
TOKEN_ALIAS = re.compile(r"<token:[0-9]+>")
#: A signature's alias: each signed request's own, so each is judged on its own in a replay.
SIGNATURE_ALIAS = re.compile(r"<signature:[0-9]+>")
_JWT = re.compile(r"(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*(?![\w-])", re.ASCII)
_SPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_LITERAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")
_FORM = "application/x-www-form-urlencoded"


def kind_of(name: str) -> str | None:
    """The kind of value a field called `name` carries, None for one that is no secret (an id)."""
    key = name.lower().replace("-", "").replace("_", "")
    if key.endswith(("password", "passwd")) or key == "pwd":
        return "password"
    if key.endswith("signature") or key == "sign":
        return "signature"
    if "secret" in key:
        return "secret"
    if key.endswith(("token", "tokens")) or key == "jwt":
        return "token"
    return None


@dataclass(frozen=True)
class Found:
    """A value to alias, and where its field stands in the text (None: known, but not placed)."""

    kind: str
    value: str
    span: tuple[int, int] | None = None
    #: A JSON number: its alias is written as a string, so the JSON stays JSON.
    quoted: bool = False


def _end(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where `pattern` ends that matches at `at` (the text being JSON, it does)."""
    found = pattern.match(text, at)
    assert found is not None
    return found.end()


def _pairs(text: str, offset: int = 0) -> Iterator[Found]:
    """The secret fields of a query string or form body (`a=1&b=2`), placed."""
    start = 0
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        kind = kind_of(unquote_plus(name))
        if kind and value:
            begin = offset + start + len(name) + len(equals)
            yield Found(kind, unquote_plus(value), (begin, begin + len(value)))
        start += len(pair) + 1


def _in_url(text: str) -> Iterator[Found]:
    """The secret fields of the query of a URL within `text` (a portal link, a Location)."""
    at = text.find("?")
    if at >= 0:
        yield from _pairs(text[at + 1 :].partition("#")[0], at + 1)


def _json(text: str) -> Iterator[Found]:
    """The secret fields of a JSON text, at any depth, placed; nothing if it is not JSON.

    Each scalar is under the nearest key (an array's items under the array's); a string's
    span is inside its quotes, so only the value changes.
    """
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return
    stack: list[str | None] = []  # the key each open object or array is under
    key: str | None = None
    at = 0
    while (at := _end(_SPACE, text, at)) < len(text):
        char = text[at]
        if char in "{[":
            stack.append(key)
            at += 1
        elif char in "}]":
            key = stack.pop()
            at += 1
        elif char in ",:":
            at += 1
        elif char == '"':
            end = _end(_STRING, text, at)
            value = json.loads(text[at:end])
            after = _end(_SPACE, text, end)
            if text.startswith(":", after):
                key = value
            else:
                yield from _string(key, value, text[at + 1 : end - 1], at + 1)
            at = end
        else:
            end = _end(_LITERAL, text, at)
            kind = kind_of(key) if key else None
            if kind and text[at:end] not in ("true", "false", "null"):
                yield Found(kind, text[at:end], (at, end), quoted=True)
            at = end


def _string(key: str | None, value: str, raw: str, offset: int) -> Iterator[Found]:
    """A JSON string's secrets: itself under a secret key, else the fields of a URL it holds
    (placed where its text has no escapes, so that its value is its text)."""
    kind = kind_of(key) if key else None
    if kind:
        if value:
            yield Found(kind, value, (offset, offset + len(raw)))
        return
    for found in _in_url(value):
        start, end = found.span or (0, 0)
        yield replace(found, span=(offset + start, offset + end) if raw == value else None)


def _header(name: str, value: str) -> Iterator[Found]:
    """A header field's secret: its whole value, the credentials of an `Authorization`, or the
    fields of a URL it holds."""
    if name.lower() == "authorization":
        scheme, space, credentials = value.partition(" ")
        if credentials:
            scheme_kind = "token" if scheme.lower() == "bearer" else "secret"
            yield Found(scheme_kind, credentials, (len(scheme) + len(space), len(value)))
    elif kind := kind_of(name):
        if value:
            yield Found(kind, value, (0, len(value)))
    else:
        yield from _in_url(value)


def _jwts(text: str) -> Iterator[Found]:
    for found in _JWT.finditer(text):
        yield Found("token", found.group(), found.span())


def _variants(value: str) -> set[str]:
    """How a value may be written: raw, URL-encoded, JSON-escaped."""
    return {
        value,
        quote(value, safe="", errors="surrogateescape"),
        quote(value, errors="surrogateescape"),
        quote_plus(value, errors="surrogateescape"),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


def _placed(text: str, founds: Iterable[Found], alias: dict[str, str]) -> str:
    """`text` with each placed field replaced by its value's alias (an overlapping one skipped)."""
    parts: list[str] = []
    done = 0
    for found in sorted((f for f in founds if f.span is not None), key=lambda f: f.span or (0, 0)):
        start, end = found.span or (0, 0)
        if start < done:
            continue
        name = alias[found.value]
        parts += [text[done:start], f'"{name}"' if found.quoted else name]
        done = end
    return "".join([*parts, text[done:]])


class Aliases:
    """The aliases of one recording, kept from its first exchange to its last."""

    def __init__(self) -> None:
        self._alias: dict[str, str] = {}  # value -> alias
        self._counts: Counter[str] = Counter()
        self._written: dict[str, str] = {}  # each way a long value may be written -> its alias
        self._pattern: re.Pattern[str] | None = None

    def alias(self, kind: str, value: str) -> str:
        """The value's alias: the one it got when first seen, else the kind's next."""
        if value not in self._alias:
            self._counts[kind] += 1
            self._alias[value] = name = f"<{kind}:{self._counts[kind]}>"
            if len(value) >= MIN_LENGTH:
                self._written.update(dict.fromkeys(_variants(value), name))
                self._pattern = None
        return self._alias[value]

    def _elsewhere(self, text: str) -> str:
        """`text` with every known long value replaced wherever it occurs (aliases left alone)."""
        if not self._written:
            return text
        if self._pattern is None:
            written = sorted(self._written, key=len, reverse=True)
            self._pattern = re.compile("|".join([_ALIAS.pattern, *map(re.escape, written)]))
        return self._pattern.sub(lambda found: self._written.get(found.group(), found.group()), text)

    def redact(self, exchange: Recorded) -> Recorded:
        """The exchange with every secret and token replaced by its alias.

        All values are found first, the request's before the answer's, so a value the answer
        reveals (a token echoed back) is replaced in the request as well.
        """
        texts: list[tuple[str, list[Found]]] = []

        def take(text: str, *finders: Iterable[Found]) -> int:
            """Keep `text` and what is found in it, in the order it comes; its index among the texts."""
            founds = [found for finder in finders for found in finder]
            founds.sort(key=lambda found: found.span[0] if found.span else len(text))
            texts.append((text, founds))
            return len(texts) - 1

        def fields(pairs: Fields) -> list[tuple[str, int]]:
            return [(name, take(value, _header(name, value), _jwts(value))) for name, value in pairs]

        def body(data: bytes, answer: bool) -> int:
            # bytes that are not UTF-8 ride along as lone surrogates, and come back as they were
            text = data.decode("utf-8", errors="surrogateescape")
            form = (exchange.header("Content-Type", answer) or "").split(";")[0].strip().lower() == _FORM
            return take(text, _pairs(text) if form else _json(text), _jwts(text))

        path = take(exchange.path, _jwts(exchange.path))
        query = take(exchange.query, _pairs(exchange.query), _jwts(exchange.query))
        headers = fields(exchange.headers)
        sent = body(exchange.body, answer=False)
        answer_headers = fields(exchange.response_headers)
        answered = body(exchange.response, answer=True)

        for _, founds in texts:
            for found in founds:
                self.alias(found.kind, found.value)
        done = [self._elsewhere(_placed(text, founds, self._alias)) for text, founds in texts]
        return replace(
            exchange,
            path=done[path],
            query=done[query],
            headers=tuple((name, done[n]) for name, n in headers),
            body=done[sent].encode("utf-8", errors="surrogateescape"),
            response_headers=tuple((name, done[n]) for name, n in answer_headers),
            response=done[answered].encode("utf-8", errors="surrogateescape"),
        )
