"""The audit: how a client uses a provider, judged against the provider's documentation.

Two kinds of findings, both computed from the request journal (so they are
the same whichever worker served the requests):

- spec violations: each request is validated against the provider's OpenAPI
  document (required headers, parameter location, types);
- behaviour rules: small functions over one provider's journal entries, in a
  registry behind a validating decorator. They read the facts the provider's
  model noted while answering (which credential, whether a live token was
  replaced, why a token was refused, ...), set with `note()`.

The mock still answers as the real provider would: the audit only reports.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import g, has_request_context
from pydantic import Field
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from .journal import Entry
from .provider import Provider, Strict

if TYPE_CHECKING:  # openapi-core is imported when the audit first runs: it costs a start 0.4 s
    from openapi_core import OpenAPI

SEVERITIES = ("error", "warning")


class AuditSettings(Strict):
    #: A retry after a limit answer sooner than this (seconds, real time) has no backoff.
    min_backoff: float = Field(default=1.0, ge=0)
    #: Refreshing a token in the last part of its lifetime is planned refresh, not a wasted fetch.
    early_refresh_fraction: float = Field(default=0.2, ge=0, le=1)


@dataclass(frozen=True)
class Violation:
    rule: str
    severity: str
    #: One line: what the client did.
    message: str
    #: The documentation the rule comes from.
    source: str
    provider: str
    credential: str | None
    #: Journal ids of the requests involved.
    requests: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Violation:
        return cls(**{**data, "requests": tuple(data["requests"])})


@dataclass(frozen=True)
class Finding:
    """What a rule function yields; the registry adds the rule's id, severity and source."""

    message: str
    requests: tuple[int, ...]
    credential: str | None = None


RuleCheck = Callable[[Sequence[Entry], AuditSettings], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    explanation: str
    source: str
    #: The providers it applies to; empty: all.
    providers: tuple[str, ...]
    check: RuleCheck


RULES: dict[str, Rule] = {}


def rule(
    id: str, *, severity: str, source: str, providers: tuple[str, ...] = ()
) -> Callable[[RuleCheck], RuleCheck]:
    """Register a behaviour rule; its docstring's first line explains it."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id!r}: severity must be one of {SEVERITIES}")
    if not source:
        raise ValueError(f"rule {id!r}: name the documentation it comes from")

    def register(check: RuleCheck) -> RuleCheck:
        if id in RULES and RULES[id].check.__qualname__ != check.__qualname__:
            raise ValueError(f"rule {id!r} is registered twice")
        if not check.__doc__:
            raise ValueError(f"rule {id!r}: give it a docstring, its one-line explanation")
        RULES[id] = Rule(id, severity, check.__doc__.strip().splitlines()[0], source, providers, check)
        return check

    return register


def note(**facts: Any) -> None:
    """Record facts about the current request for the audit (a no-op outside a request)."""
    if has_request_context():
        g.setdefault("facts", {}).update(facts)


def noted() -> dict[str, Any]:
    facts: dict[str, Any] = g.get("facts", {})
    return facts


# -- spec validation of requests -----------------------------------------------------------


@functools.cache
def _document(spec_path: Path) -> dict[str, Any]:
    import yaml  # loaded on first use: it costs a start 20 ms

    document: dict[str, Any] = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return document


@functools.cache
def _openapi(spec_path: Path) -> OpenAPI:
    """The spec, served from any host: the audit judges requests, not where they were sent."""
    from openapi_core import OpenAPI

    return OpenAPI.from_dict({**_document(spec_path), "servers": [{"url": "/"}]})


def _as_request(entry: Entry) -> Request:
    query = urlencode([(k, v) for k, values in entry["query"].items() for v in values])
    builder = EnvironBuilder(
        method=entry["method"],
        path=entry["path"],
        query_string=query,
        headers=entry["headers"],
        data=entry["body"].encode("utf-8"),
    )
    return Request(builder.get_environ())


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s ("#/components/...") to what they name."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _undeclared_query(spec_path: Path, entry: Entry) -> list[str]:
    """Query parameters the operation does not declare (unless it takes any: `x-open-query`)."""
    document = _document(spec_path)
    operation = document.get("paths", {}).get(entry["path"], {}).get(entry["method"].lower())
    if not operation or operation.get("x-open-query"):
        return []
    parameters = [_resolve(document, p) for p in operation.get("parameters", [])]
    declared = {p.get("name") for p in parameters if p.get("in") == "query"}
    extra = [name for name in entry["query"] if name not in declared]
    if not extra:
        return []
    return [f"query parameter(s) {', '.join(extra)} are not documented here; the provider ignores them"]


def spec_problems(provider: Provider, entry: Entry) -> list[str]:
    """What the request does that the provider's spec does not allow; paths it lacks are not judged."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
    from openapi_core.templating.paths.exceptions import PathNotFound

    try:
        _openapi(provider.spec_path).validate_request(WerkzeugOpenAPIRequest(_as_request(entry)))
    except PathNotFound:
        return []
    except Exception as error:
        detail = error.__cause__  # the schema error behind "Request body validation error", say
        found = [f"{error}" + (f": {detail}" if detail and str(detail) not in str(error) else "")]
    else:
        found = []
    return found + _undeclared_query(provider.spec_path, entry)


# -- running the audit ---------------------------------------------------------------------


class Auditor:
    """Audits journal entries; spec results are cached per entry, as entries do not change."""

    def __init__(self, providers: dict[str, Provider], settings: AuditSettings) -> None:
        self.providers = providers
        self.settings = settings
        self._spec_cache: dict[int, list[str]] = {}
        #: Identical requests (a client repeating a call) are judged once: by their content.
        self._by_content: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = threading.Lock()

    CONTENT_CACHE = 4096

    def _spec_problems(self, provider: Provider, entry: Entry) -> list[str]:
        key = json.dumps(
            [provider.slug, entry["method"], entry["path"], entry["query"], entry["headers"], entry["body"]],
            sort_keys=True,
        )
        with self._lock:
            found = self._by_content.get(key)
            if found is not None:
                self._by_content.move_to_end(key)
                return found
        found = spec_problems(provider, entry)
        with self._lock:
            self._by_content[key] = found
            while len(self._by_content) > self.CONTENT_CACHE:
                self._by_content.popitem(last=False)
        return found

    def _spec_violations(self, entries: Sequence[Entry]) -> Iterator[Violation]:
        for entry in entries:
            provider = self.providers[entry["provider"]]
            if entry["id"] not in self._spec_cache:
                self._spec_cache[entry["id"]] = self._spec_problems(provider, entry)
            for problem in self._spec_cache[entry["id"]]:
                yield Violation(
                    "request-spec",
                    "error",
                    f"{entry['method']} {entry['path']}: {problem}",
                    f"specs/{provider.slug}.yaml",
                    provider.slug,
                    entry.get("facts", {}).get("credential"),
                    (entry["id"],),
                )

    def violations(self, entries: Sequence[Entry], provider: str | None = None) -> list[Violation]:
        """Every violation in `entries` (journal order), optionally for one provider."""
        mine = [e for e in entries if e["provider"] in self.providers and provider in (None, e["provider"])]
        if mine:  # forget cached entries that have left the journal
            oldest = mine[0]["id"]
            self._spec_cache = {k: v for k, v in self._spec_cache.items() if k >= oldest}
        found = list(self._spec_violations(mine))
        for slug in dict.fromkeys(e["provider"] for e in mine):
            theirs = [e for e in mine if e["provider"] == slug]
            for known in RULES.values():
                if known.providers and slug not in known.providers:
                    continue
                for finding in known.check(theirs, self.settings):
                    found.append(
                        Violation(
                            known.id,
                            known.severity,
                            finding.message,
                            known.source,
                            slug,
                            finding.credential,
                            finding.requests,
                        )
                    )
        return sorted(found, key=lambda v: v.requests)


def describe(violations: Sequence[Violation], entries: Sequence[Entry]) -> str:
    """A readable report: each violation, its rule's source, and the requests involved."""
    if not violations:
        return "no violations"
    by_id = {e["id"]: e for e in entries}
    lines = [f"{len(violations)} violation(s):"]
    for v in violations:
        lines.append(f"  [{v.severity}] {v.rule} ({v.provider}): {v.message}")
        for request_id in v.requests:
            entry = by_id.get(request_id)
            if entry is None:
                lines.append(f"      #{request_id} (no longer in the journal)")
                continue
            query = urlencode([(k, x) for k, values in entry["query"].items() for x in values])
            lines.append(
                f"      #{request_id} {entry['method']} {entry['path']}{'?' + query if query else ''}"
                f" -> {entry['status']} {entry['response'][:160]}"
            )
        lines.append(f"      documentation: {v.source}")
    return "\n".join(lines)
