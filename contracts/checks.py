"""Envelope rules the providers' gateways hold to.

Each rule is a small function returning the problem it found (or None), so
the contract cases and schemathesis share it. Registered with
`schemathesis.check`, like schemathesis's own checks, they run in every
property-based run.

A spec states its envelope's key order with `x-envelope-keys: [...]`, at the
top level or, where one operation differs, on that operation. Where the
provider's documentation and its captured answers spell a key differently,
`x-envelope-key-aliases` maps each other spelling to the one in
`x-envelope-keys` (`{trackId: _trackId}`), and either is accepted in its place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from ..core.openapi import resolved

JSON_UTF8 = "application/json;charset=UTF-8"
#: A `\uXXXX` escape not preceded by an escaped backslash, for a non-ASCII code point.
_ESCAPED_NON_ASCII = re.compile(r"(?<!\\)(?:\\\\)*\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")


def content_type_problem(content_types: list[str], expected: str = JSON_UTF8) -> str | None:
    """The provider's exact Content-Type (the gateways' `application/json;charset=UTF-8`, unless
    its spec documents another): clients that compare it must work."""
    if content_types != [expected]:
        return f"Content-Type is {content_types or 'missing'}, the provider sends {expected!r}"
    return None


def documented_content_type(spec: Mapping[str, Any], operation: Mapping[str, Any] | None = None) -> str:
    """The exact Content-Type the provider's answers carry: the operation's `x-content-type`, else
    its spec's, else the gateways' (a response's media type key need not be the header as sent).
    An operation says its own where one provider's hosts differ (DingTalk's two API generations)."""
    return str((operation or {}).get("x-content-type", spec.get("x-content-type", JSON_UTF8)))


def escaping_problem(content: bytes) -> str | None:
    """Chinese text goes out as UTF-8 bytes; `\\u` escapes change the bytes clients sign or log."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the body is not UTF-8: {exc}"
    if match := _ESCAPED_NON_ASCII.search(text):
        return f"non-ASCII text is \\u-escaped ({match.group(0)!r}); the provider sends UTF-8"
    return None


def key_order_problem(
    content: bytes, expected: list[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The envelope's keys come in the documented order, never sorted or renamed (aliases in place)."""
    try:
        body: Any = json.loads(content)
    except ValueError as exc:
        return f"the body is not JSON: {exc}"
    if not isinstance(body, dict):
        return f"the body is {type(body).__name__}, not the {expected} envelope"
    aliases = aliases or {}
    if [aliases.get(key, key) for key in body] != expected:
        also = f" (also accepted: {dict(aliases)})" if aliases else ""
        return f"envelope keys are {list(body)}, documented order is {expected}{also}"
    return None


def envelope_keys(
    spec: Mapping[str, Any], operation: Mapping[str, Any], status: int | None = None, body: Any = None
) -> list[str] | None:
    """The documented key order for an answer: its matching oneOf branch's, else the operation's or spec's."""
    if status is not None:
        for branch in answer_schemas(spec, operation, status):
            if branch.get("x-envelope-keys") and matches(spec, branch, body):
                branch_keys: list[str] = branch["x-envelope-keys"]
                return branch_keys
    keys: list[str] | None = operation.get("x-envelope-keys", spec.get("x-envelope-keys"))
    return keys


def matches(spec: Mapping[str, Any], schema: Mapping[str, Any], body: Any) -> bool:
    """Whether `body` is valid against `schema`, one of the spec's, read as OpenAPI 3.0 reads it
    (`nullable: true` lets a field be null), its `$ref`s into the spec's components."""
    from openapi_schema_validator import OAS30Validator

    return bool(OAS30Validator({**schema, "components": spec.get("components", {})}).is_valid(body))


def answer_schemas(
    spec: Mapping[str, Any], operation: Mapping[str, Any], status: int
) -> list[Mapping[str, Any]]:
    """The oneOf branches of the operation's JSON answer schema for `status`."""
    answer = resolved(spec, operation.get("responses", {}).get(str(status), {}))
    for media in (answer.get("content") or {}).values():
        schema = resolved(spec, media.get("schema", {}))
        return [resolved(spec, branch) for branch in schema.get("oneOf", [])]
    return []


def _fail(problem: str | None) -> None:
    if problem is not None:
        raise AssertionError(problem)


def _content_types(response: Response) -> list[str]:
    return next((values for key, values in response.headers.items() if key.lower() == "content-type"), [])


@schemathesis.check
def exact_json_content_type(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """The provider sends exactly its documented Content-Type (`application/json;charset=UTF-8`)."""
    expected = documented_content_type(case.operation.schema.raw_schema, case.operation.definition.raw)
    _fail(content_type_problem(_content_types(response), expected))
    return None


@schemathesis.check
def utf8_not_escaped(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Non-ASCII text is UTF-8, not `\\u` escapes."""
    _fail(escaping_problem(response.content))
    return None


@schemathesis.check
def envelope_key_order(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """The envelope's keys come in the documented order."""
    spec = case.operation.schema.raw_schema
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    expected = envelope_keys(spec, case.operation.definition.raw, response.status_code, body)
    if expected:
        _fail(key_order_problem(response.content, expected, spec.get("x-envelope-key-aliases")))
    return None


#: The project's checks, for `checks=` / `additional_checks=`.
ENVELOPE_CHECKS = (exact_json_content_type, utf8_not_escaped, envelope_key_order)
