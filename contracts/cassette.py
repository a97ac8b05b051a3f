"""Contract checks on recorded traffic: a cassette's answers judged offline, as `verify` judges live ones.

A partner may send a cassette instead of giving access to its server. Each recorded exchange
is matched to the spec operation it called (by method and path, path parameters read from
the path), and its answer, with the recorded request, goes through the checks of the
property run (`fuzz.CHECKS`: schemathesis's conformance checks, then the envelope rules) as
schemathesis's own `Case` and `Response`. Nothing is sent anywhere.

A cassette hides every token behind an alias (`<token:3>`), which no documented token shape
fits. The answers are therefore judged against a copy of the spec in which a string whose
shape is constrained (pattern, format, length) also accepts a token alias, the recorder
having put it where a token was; the field's type, enum and nullability still hold.
"""

from __future__ import annotations

import functools
import http.client
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis import Response

from ..core.plugins import load
from ..core.provider import Provider
from ..core.routing import merged_slashes
from ..drift.aliases import TOKEN_ALIAS
from ..drift.cassette import Cassette, Fields, Recorded
from .expect import documented, failures, spec
from .fuzz import CHECKS
from .results import Result
from .runner import Progress
from .target import Exchange, NotApplicable

#: A string that is a token's alias, whole: what a spec's token shape also accepts.
ALIAS_ONLY = {"pattern": f"^{TOKEN_ALIAS.pattern}$"}
#: The schema keywords that constrain a string's shape, which a token's alias cannot keep.
SHAPE = ("pattern", "format", "minLength", "maxLength")
RULE = (
    "the recorded answer conforms to the spec (status, content type, schema, headers) and the envelope rules"
)


def provider_of(cassette: Cassette, given: str | None, option: str = "PROVIDER") -> str:
    """The provider a cassette is checked as: the one its header names, or `given` (the command's
    `option`); both must agree."""
    if given and cassette.provider and given != cassette.provider:
        raise ValueError(f"the cassette recorded {cassette.provider}, not {given}")
    provider = given or cassette.provider
    if provider is None:
        raise ValueError(f"the cassette does not say which provider it recorded: give {option}")
    return load(provider).slug


def describe(cassette: Cassette, name: str) -> str:
    """What was recorded, where and when: the report's target."""
    count = len(cassette.exchanges)
    exchanges = f"{count} exchange{'' if count == 1 else 's'}"
    cut = "; its last line was cut short and is left out" if cassette.truncated else ""
    upstream = cassette.upstream or "an unnamed server"
    return f"{name}: {exchanges} with {upstream}, recorded from {cassette.started.isoformat()}{cut}"


def run(cassette: Cassette, provider: str, *, progress: Progress | None = None) -> list[Result]:
    """One result per recorded exchange, in the order they happened."""
    paths, owner = _paths(provider), load(provider)
    results = []
    for recorded in cassette:
        results.append(_check(paths, owner, recorded, cassette.upstream))
        if progress:
            progress(results[-1])
    return results


def accepting_aliases(node: Any) -> Any:
    """A copy of a spec (or any part of one) in which each string with a constrained shape also
    accepts a token alias. Examples are left as they are: they are answers, not schemas."""
    if isinstance(node, list):
        return [accepting_aliases(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: v if key in ("example", "examples") else accepting_aliases(v) for key, v in node.items()}
    shape = {key: copied.pop(key) for key in SHAPE if key in copied} if copied.get("type") == "string" else {}
    if shape:
        copied["allOf"] = [
            *copied.get("allOf", []),
            {"anyOf": [shape, ALIAS_ONLY]},
        ]
    return copied


@dataclass(frozen=True)
class SpecPath:
    """A documented path: its template, the pattern it matches, and its operations by method."""

    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    operations: dict[str, Any]

    @classmethod
    def of(cls, template: str, operations: dict[str, Any]) -> SpecPath:
        """Each `{name}` of the template matches one path segment."""
        parts = re.split(r"\{[^}]+\}", template)
        pattern = re.compile("([^/]+)".join(map(re.escape, parts)))
        return cls(template, pattern, tuple(re.findall(r"\{([^}]+)\}", template)), operations)

    def parameters(self, path: str) -> dict[str, str] | None:
        """The path parameters where `path` is this one, else None."""
        match = self.pattern.fullmatch(path)
        return None if match is None else dict(zip(self.names, map(unquote, match.groups()), strict=True))


@functools.cache
def _paths(provider: str) -> tuple[SpecPath, ...]:
    """The provider's documented paths in the spec a cassette is judged against (aliases accepted);
    those without parameters first, so that a literal path wins over a template matching it too."""
    schema = schemathesis.openapi.from_dict(accepting_aliases(spec(provider).raw_schema))
    by_path: dict[str, dict[str, Any]] = {}
    for operation in documented(schema, provider):
        by_path.setdefault(operation.path, {})[operation.method.upper()] = operation
    ordered = sorted(by_path.items(), key=lambda item: item[0].count("{"))
    return tuple(SpecPath.of(template, operations) for template, operations in ordered)


def _operation(
    paths: tuple[SpecPath, ...], owner: Provider, recorded: Recorded
) -> tuple[Any, dict[str, str]]:
    """The documented operation an exchange called, and its path parameters; else NotApplicable says why.

    A method the path does not take is judged by the operation its answer's `Allow` names
    first, as the contract cases judge a 405.
    """
    path = merged_slashes(recorded.path)
    if not owner.owns(path):
        raise NotApplicable(f"{path} is not one of {owner.slug}'s paths (under {', '.join(owner.prefixes)})")
    allowed = (recorded.header("Allow", answer=True) or "").split(",")[0].strip().upper()
    for documented_path in paths:
        parameters = documented_path.parameters(path)
        if parameters is None:
            continue
        operations = documented_path.operations
        found = operations.get(recorded.method.upper())
        if found is None and recorded.status == 405:
            found = operations.get(allowed)
        if found is None:
            raise NotApplicable(
                f"{recorded.method} is not documented for {documented_path.template} "
                f"(documented: {', '.join(operations)})"
            )
        return found, parameters
    raise NotApplicable(f"no documented operation at {path}")


def operation_of(provider: str, recorded: Recorded) -> Any:
    """The documented operation (schemathesis's) an exchange called; NotApplicable says why there is none."""
    return _operation(_paths(provider), load(provider), recorded)[0]


def _fields(pairs: Fields) -> dict[str, list[str]]:
    """Header fields by name (as first spelled), a repeated one's values together."""
    grouped: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for name, value in pairs:
        grouped.setdefault(spelled.setdefault(name.lower(), name), []).append(value)
    return grouped


def _response(recorded: Recorded, upstream: str) -> Response:
    """The recorded answer as schemathesis holds one, with the recorded request as it was sent."""
    sent = requests.PreparedRequest()
    sent.method = recorded.method
    sent.url = upstream.rstrip("/") + recorded.target
    sent.headers = CaseInsensitiveDict({k: ", ".join(v) for k, v in _fields(recorded.headers).items()})
    sent.body = recorded.body
    return Response(
        status_code=recorded.status,
        headers=_fields(recorded.response_headers),
        content=recorded.response,
        request=sent,
        elapsed=recorded.ms / 1000,
        verify=True,
        message=http.client.responses.get(recorded.status, ""),
    )


def evidence(recorded: Recorded, upstream: str) -> Exchange:
    """A recorded exchange as a report shows it."""
    response = _response(recorded, upstream)
    return Exchange.of(response.request, response.status_code, response.headers, response.content)


def _check(paths: tuple[SpecPath, ...], owner: Provider, recorded: Recorded, upstream: str) -> Result:
    started = time.monotonic()
    result = Result(
        id=f"cassette#{recorded.n} {recorded.method} {recorded.path}",
        title=f"HTTP {recorded.status} answer",
        rule=RULE,
        source="doc",
        outcome="pass",
    )
    try:
        operation, parameters = _operation(paths, owner, recorded)
    except NotApplicable as exc:
        result.outcome, result.reason = "n/a", str(exc)
        return result
    result.title += f" to {operation.definition.raw.get('summary') or operation.label}"
    response = _response(recorded, upstream)
    try:
        operation.Case(path_parameters=parameters).validate_response(response, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as error:  # every failure becomes a report row
        result.outcome, result.reason = "fail", "; ".join(sorted(failures(error)))  # the same every run
        result.exchanges = [evidence(recorded, upstream)]
    result.seconds = time.monotonic() - started
    return result
