"""Envelope checks the providers' gateways hold to, registered as schemathesis checks.

A spec states its envelope's key order at the top level:
`x-envelope-keys: [code, message, data]`. Where the provider's documentation and
its captured answers spell a key differently, `x-envelope-key-aliases` maps each
other spelling to the one in `x-envelope-keys` (`{trackId: _trackId}`), and either
is accepted in that place. Each check is one small function, registered with
`schemathesis.check` like schemathesis's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

JSON_UTF8 = "application/json;charset=UTF-8"
#: A `\uXXXX` escape not preceded by an escaped backslash, for a non-ASCII code point.
_ESCAPED_NON_ASCII = re.compile(r"(?<!\\)(?:\\\\)*\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")


def _header(response: Response, name: str) -> list[str]:
    return next((values for key, values in response.headers.items() if key.lower() == name), [])


@schemathesis.check
def exact_json_content_type(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """The gateways send exactly `application/json;charset=UTF-8`: clients that compare it must work."""
    found = _header(response, "content-type")
    if found != [JSON_UTF8]:
        raise AssertionError(f"Content-Type is {found or 'missing'}, the provider sends {JSON_UTF8!r}")
    return None


@schemathesis.check
def utf8_not_escaped(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Chinese text goes out as UTF-8 bytes; `\\u` escapes change the bytes clients sign or log."""
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AssertionError(f"the body is not UTF-8: {exc}") from exc
    if match := _ESCAPED_NON_ASCII.search(text):
        raise AssertionError(f"non-ASCII text is \\u-escaped ({match.group(0)!r}); the provider sends UTF-8")
    return None


@schemathesis.check
def envelope_key_order(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """The envelope's keys come in the documented order, never sorted (aliases in their key's place)."""
    raw_schema = case.operation.schema.raw_schema
    expected: list[str] | None = raw_schema.get("x-envelope-keys")
    if not expected:
        return None
    aliases: dict[str, str] = raw_schema.get("x-envelope-key-aliases") or {}
    try:
        body: Any = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise AssertionError(f"the body is {type(body).__name__}, not the {expected} envelope")
    if [aliases.get(key, key) for key in body] != expected:
        also = f" (also accepted: {aliases})" if aliases else ""
        raise AssertionError(f"envelope keys are {list(body)}, documented order is {expected}{also}")
    return None


#: The project's checks, for `checks=` / `additional_checks=`.
ENVELOPE_CHECKS = (exact_json_content_type, utf8_not_escaped, envelope_key_order)
