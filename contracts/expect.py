"""Checking a whole answer against the documentation: the one assertion every case makes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok

from ..core.plugins import load
from .checks import (
    content_type_problem,
    documented_content_type,
    envelope_keys,
    escaping_problem,
    key_order_problem,
)


class Deviation(AssertionError):
    """The answer differs from the documentation; the message names how."""


#: A field whose value is checked by a predicate, with what the documentation says it is.
Predicate = tuple[Callable[[Any], bool], str]


def is_string(what: str = "a non-empty string") -> Predicate:
    return (lambda v: isinstance(v, str) and v != ""), what


@functools.cache
def spec(provider: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_path(load(provider).spec_path)


def documented(schema: schemathesis.BaseSchema, provider: str) -> list[Any]:
    """Every operation of a provider's spec: one that schemathesis cannot read is an error, not a gap."""
    operations = []
    for found in schema.get_all_operations():
        if not isinstance(found, Ok):
            raise ValueError(f"the {provider} spec has an operation schemathesis cannot read: {found.err()}")
        operations.append(found.ok())
    return operations


def failures(error: BaseException) -> list[str]:
    """Each of schemathesis's failures in one line: its title and the first line of its message."""
    found = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    return [
        f"{f.title}: {f.message.strip().splitlines()[0] if f.message.strip() else ''}"
        if isinstance(f, Failure)
        else f"{type(f).__name__}: {f}"
        for f in found
    ]


def _same(got: Any, want: Any) -> bool:
    """Equal and of the same JSON type: 200 is not "200", 1 is not true."""
    if isinstance(want, dict):
        return (
            isinstance(got, dict) and got.keys() == want.keys() and all(_same(got[k], want[k]) for k in want)
        )
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(_same, got, want))
    return type(got) is type(want) and got == want


def expect(
    response: requests.Response,
    provider: str,
    *,
    status: int = 200,
    method: str | None = None,
    envelope: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The whole answer as documented, else a Deviation listing every difference.

    HTTP status, the exact Content-Type, UTF-8 text, the envelope's key order,
    the spec's schema for the operation, and each named field's exact value
    (or a `Predicate`). `method` names the documented operation whose answers
    apply when the request's own method is not documented (a 405). `envelope`
    gives field values too, for a field named like a parameter here (ATRIP's `status`).
    """
    fields = {**(envelope or {}), **fields}
    problems: list[str] = []
    if response.status_code != status:
        problems.append(f"HTTP status {response.status_code}, documented {status}")
    schema = spec(provider)
    # the spec's real path: a prefixed provider of our own is served under its mount
    path = urlsplit(response.request.path_url).path
    mount = load(provider).mount
    if mount and path.startswith(f"{mount}/") and path not in schema.raw_schema.get("paths", {}):
        path = path.removeprefix(mount)
    operation = schema[path][method or str(response.request.method)]
    media = documented_content_type(schema.raw_schema, operation.definition.raw)
    problems.append(content_type_problem([response.headers.get("Content-Type", "")], media) or "")
    problems.append(escaping_problem(response.content) or "")
    try:
        parsed = json.loads(response.content)
    except ValueError:
        parsed = None
    keys = envelope_keys(schema.raw_schema, operation.definition.raw, response.status_code, parsed)
    if keys:
        problems.append(
            key_order_problem(response.content, keys, schema.raw_schema.get("x-envelope-key-aliases")) or ""
        )
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for name, want in fields.items():
            got = body.get(name, "<missing>")
            if isinstance(want, tuple):
                check, what = want
                if not check(got):
                    problems.append(f"{name} is {got!r}, documented as {what}")
            elif not _same(got, want):
                problems.append(
                    f"{name} is {json.dumps(got, ensure_ascii=False)}, "
                    f"documented {json.dumps(want, ensure_ascii=False)}"
                )
    try:
        operation.validate_response(response)
    except (FailureGroup, Failure) as error:
        problems.extend(failures(error))
    problems = [p for p in problems if p]
    if problems:
        raise Deviation("; ".join(dict.fromkeys(problems)))
    return body if isinstance(body, dict) else {}


def require(condition: bool, deviation: str) -> None:
    """A lifecycle rule: when it does not hold, the deviation says what happened instead."""
    if not condition:
        raise Deviation(deviation)


@contextmanager
def because(what: str) -> Iterator[None]:
    """A deviation found inside starts with `what`: the rule it breaks, or which request it was."""
    try:
        yield
    except Deviation as exc:
        raise Deviation(f"{what}: {exc}") from exc


def refused(
    response: requests.Response,
    provider: str,
    answer: Mapping[str, Any],
    status: int = 200,
    method: str | None = None,
) -> None:
    """A refusal: the provider's error envelope `answer`, exactly, at HTTP `status`."""
    expect(response, provider, status=status, method=method, envelope=answer)


def not_allowed(response: requests.Response, provider: str, answer: Mapping[str, Any], allow: str) -> None:
    """A method the path does not take: HTTP 405 with the envelope `answer`, Allow naming the ones it does
    (the first of them the documented operation whose answers apply)."""
    refused(response, provider, answer, 405, allow.split(", ")[0])
    got = response.headers.get("Allow")
    require(got == allow, f"Allow is {got!r}, not {allow!r}")
