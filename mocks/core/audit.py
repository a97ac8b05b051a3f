"""The audit: how a client uses a provider, judged against the provider's documentation.

Two kinds of findings, both computed from the request journal (so they are
the same whichever worker served the requests):

- spec violations: each request is validated against the provider's OpenAPI
  document (required headers, parameter location, types);
- behaviour rules: small classes over one provider's journal entries, in a
  registry behind a validating decorator. They read the facts the provider's
  model noted while answering (which credential, whether a live token was
  replaced, why a token was refused, ...), set with `note()`.

The audit is incremental, as the dashboard asks for it every second and a full journal
would otherwise be judged anew each time: each rule sees each entry once, in journal
order, and keeps what it needs of the past; spec results are kept per entry. The journal
drops its oldest entries and never reuses an id, so what a rule keeps is forgotten from
the front once the journal has dropped it, and a finding lasts while the requests it
names are in the journal: the findings are always those of a fresh audit of the journal.

The mock still answers as the real provider would: the audit only reports.
"""

from __future__ import annotations

import bisect
import functools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
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
        """Its fields, as they are: dataclasses.asdict would copy each deeply, at 10 µs a finding."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Violation:
        return cls(**{**data, "requests": tuple(data["requests"])})


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A mapping in the order of the journal entries its items were last set at, so that what
    the journal has dropped is forgotten from the front, in the time of what is dropped."""

    def __init__(self) -> None:
        self._items: OrderedDict[K, tuple[int, V]] = OrderedDict()

    def set(self, key: K, at: int, value: V) -> None:
        """`at`: the id of the entry being seen (no older than any set before)."""
        self._items[key] = (at, value)
        self._items.move_to_end(key)

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        return None if found is None else found[1]

    def pop(self, key: K) -> V | None:
        found = self._items.pop(key, None)
        return None if found is None else found[1]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def values(self, since: int = 0) -> Iterator[V]:
        """Newest first, those set at entry `since` or later."""
        for at, value in reversed(self._items.values()):
            if at < since:
                return
            yield value

    def forget(self, oldest: int) -> None:
        """Drop what was set at an entry before `oldest`."""
        items = self._items
        while items and next(iter(items.values()))[0] < oldest:
            items.popitem(last=False)


class Check:
    """A behaviour rule's running judgement of one provider's journal.

    `see` is given each entry once, oldest first; it keeps what the rule needs of the past
    in `Recent` mappings and reports findings with `report`. `forget` is told the oldest
    entry left in the journal: the entries before it are gone, and so is what was kept of
    them. A finding is shown while the first request it names is in the journal (override
    `violations` where a rule says otherwise); it is kept at the last request it names, so
    that those naming a request since a given one are found without looking at the others.
    """

    def __init__(self, rule: Rule, provider: str, settings: AuditSettings) -> None:
        self.rule = rule
        self.provider = provider
        self.settings = settings
        #: Findings by the request they are about.
        self.found: Recent[int, Violation] = Recent()

    def see(self, entry: Entry) -> None:
        raise NotImplementedError

    def report(self, about: int, message: str, requests: tuple[int, ...], credential: str | None) -> None:
        """A finding about request `about`, naming `requests` (oldest first; the last is the one seen)."""
        rule = self.rule
        found = Violation(rule.id, rule.severity, message, rule.source, self.provider, credential, requests)
        self.found.set(about, requests[-1], found)

    def forget(self, oldest: int) -> None:
        self.found.forget(oldest)

    def violations(self, oldest: int, since: int = 0) -> Iterator[Violation]:
        """Those over the journal from `oldest` on, naming request `since` or a later one."""
        return (v for v in self.found.values(since) if v.requests[0] >= oldest)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    explanation: str
    source: str
    #: The providers it applies to; empty: all.
    providers: tuple[str, ...]
    check: type[Check]


RULES: dict[str, Rule] = {}

C = TypeVar("C", bound=type[Check])


def rule(id: str, *, severity: str, source: str, providers: tuple[str, ...] = ()) -> Callable[[C], C]:
    """Register a behaviour rule, a Check; its docstring's first line explains it."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id!r}: severity must be one of {SEVERITIES}")
    if not source:
        raise ValueError(f"rule {id!r}: name the documentation it comes from")

    def register(check: C) -> C:
        if id in RULES and RULES[id].check.__qualname__ != check.__qualname__:
            raise ValueError(f"rule {id!r} is registered twice")
        if not check.__doc__:
            raise ValueError(f"rule {id!r}: give it a docstring, its one-line explanation")
        RULES[id] = Rule(id, severity, check.__doc__.strip().splitlines()[0], source, providers, check)
        return check

    return register


#: The catch-up lets the providers' threads have the interpreter after each YIELD_AFTER
#: seconds of judging, for YIELD_FOR. A thread that keeps it longer makes every request
#: thread wait the interpreter's 5 ms switch interval at each of its turns: a dashboard's
#: poll after a busy second would add tens of milliseconds to their latency.
YIELD_AFTER = 0.0005
YIELD_FOR = 0.0001


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


def _id(entry: Entry) -> int:
    found: int = entry["id"]
    return found


class Auditor:
    """Audits the journal incrementally: each rule's Check per provider sees each entry once;
    spec results are cached per entry, as entries do not change."""

    def __init__(self, providers: dict[str, Provider], settings: AuditSettings) -> None:
        self.providers = providers
        self.settings = settings
        #: Identical requests (a client repeating a call) are judged once: by their content.
        self._by_content: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = threading.Lock()  # of the content cache
        self._checking = threading.Lock()  # of the checks: one poll catches up at a time
        self._start(())

    CONTENT_CACHE = 4096

    def _start(self, rules: tuple[Rule, ...]) -> None:
        """Checks that have seen nothing yet, one per rule and provider it applies to."""
        self._rules = rules
        self._spec_cache: dict[int, list[Violation]] = {}
        self._checks = {
            slug: [r.check(r, slug, self.settings) for r in rules if not r.providers or slug in r.providers]
            for slug in self.providers
        }
        #: The last entry seen: its id, and when it was received (to tell a journal that started over).
        self._last: tuple[int, Any] = (0, None)
        self._oldest = 0

    def _catch_up(self, entries: Sequence[Entry]) -> int:
        """Let the checks see the entries they have not, and forget the dropped; the oldest id left."""
        rules = tuple(RULES.values())
        last_id, last_received = self._last
        at = bisect.bisect_left(entries, last_id, key=_id)
        known = at < len(entries) and _id(entries[at]) == last_id
        if rules != self._rules or (
            entries
            and _id(entries[0]) <= last_id
            and not (known and entries[at].get("received") == last_received)
        ):  # a rule was added, or the journal started over (a store that lost it): judge it afresh
            self._start(rules)
            at, known = 0, False
        turn = time.perf_counter()
        for entry in entries[at + 1 if known else at :]:
            for check in self._checks.get(entry["provider"], ()):
                check.see(entry)
            if time.perf_counter() - turn > YIELD_AFTER:
                time.sleep(YIELD_FOR)
                turn = time.perf_counter()
        if entries:
            self._last = (_id(entries[-1]), entries[-1].get("received"))
        oldest = _id(entries[0]) if entries else self._last[0] + 1
        if oldest > self._oldest:
            self._oldest = oldest
            for checks in self._checks.values():
                for check in checks:
                    check.forget(oldest)
            if len(self._spec_cache) > 2 * len(entries):  # now and then: entries dropped are never asked for
                self._spec_cache = {k: v for k, v in self._spec_cache.items() if k >= oldest}
        return oldest

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

    def _spec_violations(self, entry: Entry) -> list[Violation]:
        found = self._spec_cache.get(entry["id"])
        if found is None:
            provider = self.providers[entry["provider"]]
            found = [
                Violation(
                    "request-spec",
                    "error",
                    f"{entry['method']} {entry['path']}: {problem}",
                    f"specs/{provider.slug}.yaml",
                    provider.slug,
                    entry.get("facts", {}).get("credential"),
                    (entry["id"],),
                )
                for problem in self._spec_problems(provider, entry)
            ]
            self._spec_cache[entry["id"]] = found
        return found

    def violations(
        self, entries: Sequence[Entry], provider: str | None = None, since: int | None = None
    ) -> list[Violation]:
        """Every violation in `entries` (the journal, oldest first), optionally for one provider
        and only those naming request `since` or a later one (which spares checking the spec of
        older requests)."""
        slugs = [slug for slug in self.providers if provider in (None, slug)]
        with self._checking:
            oldest = self._catch_up(entries)
            behaviour = [
                v
                for slug in slugs
                for check in self._checks[slug]
                for v in check.violations(oldest, since or 0)
            ]
        start = 0 if since is None else bisect.bisect_left(entries, since, key=_id)
        found = [v for e in entries[start:] if e["provider"] in slugs for v in self._spec_violations(e)]
        return sorted(found + behaviour, key=lambda v: v.requests)


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
