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
import gc
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from flask import g, has_request_context
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from .checks import AuditSettings, Rule, Violation
from .journal import Entries, Entry, Exchange, query_string, request_line
from .openapi import resolved
from .provider import Provider, ProviderConfig
from .registry import Registry
from .rules import RULES

if TYPE_CHECKING:  # openapi-core is imported when the audit first runs: it costs a start 0.4 s
    from openapi_core import OpenAPI

#: While other threads answer the providers' requests, the catch-up takes at most about SHARE
#: of the interpreter: after each SLICE seconds of judging it sleeps SLICE * (1 / SHARE - 1).
#: Judged in one go, a busy second's requests would hold up every request in flight by the
#: whole catch-up (tens of milliseconds at p99); spread out, by a tenth of it. A catch-up on
#: the thread that answers them (in-process, or a one-thread server) does not sleep: nothing
#: else could run meanwhile.
SLICE = 0.0002
SHARE = 0.1
#: The providers count as busy for this long after a request of theirs began.
BUSY_FOR = 0.05
#: For this long after a poll, each request this process records is judged as it is recorded
#: (see Auditor.recorded).
LIVE_FOR = 10.0

T = TypeVar("T")


def note(**facts: Any) -> None:
    """Record facts about the current request for the audit (a no-op outside a request)."""
    if has_request_context():
        g.setdefault("facts", {}).update(facts)


def note_replaced(token: str, left: float, lifetime: float) -> None:
    """A fetch replaced (or answered again) the credential's `token`, which had `left` of its
    `lifetime` seconds to live: what `refetch-while-valid` judges an early fetch by."""
    note(replaced=token, replaced_left=left, replaced_lifetime=lifetime)


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

    validator = OpenAPI.from_dict({**_document(spec_path), "servers": [{"url": "/"}]})
    if gc.get_freeze_count():
        # A process that froze what its start built (`serve`) freezes the validator too: its
        # modules and the spec, tens of thousands of objects that live as long as the process,
        # would otherwise make every full collection of the garbage collector tens of
        # milliseconds long, a pause every request in flight waits out.
        gc.freeze()
    return validator


def _as_request(entry: Entry) -> Request:
    builder = EnvironBuilder(
        method=entry["method"],
        path=entry["path"],
        query_string=query_string(entry),
        headers=entry["headers"],
        data=entry["body"].encode("utf-8"),
    )
    return Request(builder.get_environ())


def _undeclared_query(spec_path: Path, entry: Entry) -> list[str]:
    """Query parameters the operation does not declare (unless it takes any: `x-open-query`)."""
    document = _document(spec_path)
    operation = document.get("paths", {}).get(entry["path"], {}).get(entry["method"].lower())
    if not operation or operation.get("x-open-query"):
        return []
    parameters = [resolved(document, p) for p in operation.get("parameters", [])]
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


def ruleset_of(slug: str, provider: Provider) -> Registry[Rule]:
    """A provider's own rules, as applying to it alone."""
    own: Registry[Rule] = Registry("audit rule")
    for found in provider.rules or ():
        own.add(found.id, replace(found, providers=(slug,)))
    return own


class Auditor:
    """Audits the journal incrementally: each rule's Check per provider sees each entry once;
    spec results are cached per entry, as entries do not change."""

    def __init__(
        self,
        providers: Mapping[str, Provider],
        settings: AuditSettings,
        configs: Mapping[str, ProviderConfig] | None = None,
        rules: Registry[Rule] = RULES,
    ) -> None:
        """`rules`: those every provider shares; each provider adds its own (`Provider.rules`),
        judged with its config (`configs`; default: the provider's defaults)."""
        self.providers = providers
        self.settings = settings
        self.configs = {
            slug: (configs or {}).get(slug) or provider.model.config_type.model_validate({})
            for slug, provider in providers.items()
        }
        self.rules = rules.merged(
            *(ruleset_of(slug, provider) for slug, provider in providers.items() if provider.rules)
        )
        #: Identical requests (a client repeating a call) are judged once: by their content.
        #: (Kept as tuples, which the garbage collector need not walk; see Violation.)
        self._by_content: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()  # of the content cache
        self._checking = threading.Lock()  # of the checks: one poll catches up at a time
        #: When a provider's request last began (`time.monotonic`), and on which thread.
        self._request_began: tuple[float, int | None] = (float("-inf"), None)
        #: When the violations were last asked for (`time.monotonic`).
        self._polled = float("-inf")
        self._start()

    CONTENT_CACHE = 4096

    def request_began(self) -> None:
        """A provider's request began: a catch-up under way on another thread makes room for it
        (see SHARE)."""
        self._request_began = (time.monotonic(), threading.get_ident())

    def _start(self) -> None:
        """Checks that have seen nothing yet, one per rule and provider it applies to."""
        self._spec_cache: dict[int, tuple[Violation, ...]] = {}
        self._checks = {
            slug: [
                r.check(r, slug, self.settings, self.configs[slug])
                for r in self.rules
                if not r.providers or slug in r.providers
            ]
            for slug in self.providers
        }
        #: The last entry seen: its id, and when it was received (to tell a journal that started over).
        self._last: tuple[int, Any] = (0, None)
        self._oldest = 0
        #: Entries recorded here and not yet judged, by id (see `recorded`).
        self._pending: dict[int, Entry] = {}
        #: The last id of the journal as last read.
        self._read_to = 0

    def recorded(self, entry_id: int, exchange: Exchange) -> None:
        """A request this process has just recorded. For LIVE_FOR seconds after a poll (a
        dashboard open), it is judged now, in hand, so that the next poll finds nothing to
        catch up on: the work is spread over the requests, a few microseconds each, instead
        of a burst at each poll that every request in flight waits out.

        Entries are judged in journal order: one recorded ahead of its turn (by another thread)
        waits among the pending until the one before it comes. Those another process recorded
        never come here; past PENDING waiting, the pending are dropped, and the next poll reads
        them all from the journal."""
        if time.monotonic() - self._polled >= LIVE_FOR:
            return
        self._pending[entry_id] = {"id": entry_id, **exchange.entry()}
        if self._checking.acquire(blocking=False):  # else a poll is catching up: it judges them
            try:
                self._judge_pending()
            finally:
                self._checking.release()

    PENDING = 2048

    def _judge_pending(self) -> None:
        """Judge the pending entries that follow the last one judged, in order."""
        pending = self._pending
        while (entry := pending.pop(self._last[0] + 1, None)) is not None:
            for check in self._checks.get(entry["provider"], ()):
                check.see(entry)
            self._last = (_id(entry), entry.get("received"))
        if len(pending) > self.PENDING:
            pending.clear()

    def _catch_up(self, entries: Sequence[Entry]) -> int:
        """Let the checks see the entries they have not, and forget the dropped; the oldest id left."""
        last_id, last_received = self._last
        at = bisect.bisect_left(entries, last_id, key=_id)
        known = at < len(entries) and _id(entries[at]) == last_id
        # Entries judged as they were recorded, after this read of the journal (one that lost
        # its entries and numbers them anew reads less than the last read did).
        judged_past = bool(entries) and self._read_to <= _id(entries[-1]) < last_id
        if (
            entries
            and not judged_past
            and _id(entries[0]) <= last_id
            and not (known and entries[at].get("received") == last_received)
        ):  # the journal started over (a store that lost it): judge it afresh
            self._start()
            at, known = 0, False
        for entry in self.paced(entries[at + 1 if known else at :]):
            for check in self._checks.get(entry["provider"], ()):
                check.see(entry)
        if entries and not judged_past:
            self._last = (_id(entries[-1]), entries[-1].get("received"))
        if entries:
            self._read_to = _id(entries[-1])
        for judged in [i for i in self._pending if i <= self._last[0]]:
            self._pending.pop(judged, None)
        self._judge_pending()
        oldest = _id(entries[0]) if entries else self._last[0] + 1
        if oldest > self._oldest:
            self._oldest = oldest
            for checks in self._checks.values():
                for check in checks:
                    check.forget(oldest)
            if len(self._spec_cache) > 2 * len(entries):  # now and then: entries dropped are never asked for
                self._spec_cache = {k: v for k, v in self._spec_cache.items() if k >= oldest}
        return oldest

    def paced(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, with a pause after each SLICE of work done with them while the providers are
        busy on other threads: a catch-up over the journal takes at most about SHARE of the
        interpreter from the requests in flight."""
        turn = time.monotonic()
        for item in items:
            yield item
            if (now := time.monotonic()) - turn > SLICE:
                began, thread = self._request_began
                if now - began < BUSY_FOR and thread != threading.get_ident():
                    time.sleep(SLICE * (1 / SHARE - 1))
                turn = time.monotonic()

    def _spec_problems(self, provider: Provider, entry: Entry) -> tuple[str, ...]:
        key = json.dumps(
            [provider.slug, entry["method"], entry["path"], entry["query"], entry["headers"], entry["body"]],
            sort_keys=True,
        )
        with self._lock:
            found = self._by_content.get(key)
            if found is not None:
                self._by_content.move_to_end(key)
                return found
        found = tuple(spec_problems(provider, entry))
        with self._lock:
            self._by_content[key] = found
            while len(self._by_content) > self.CONTENT_CACHE:
                self._by_content.popitem(last=False)
        return found

    def _spec_violations(self, entry: Entry) -> tuple[Violation, ...]:
        found = self._spec_cache.get(entry["id"])
        if found is None:
            provider = self.providers[entry["provider"]]
            found = tuple(
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
            )
            self._spec_cache[entry["id"]] = found
        return found

    def violations(
        self, entries: Sequence[Entry], provider: str | None = None, since: int | None = None
    ) -> list[Violation]:
        """Every violation in `entries` (the journal, oldest first), optionally for one provider
        and only those naming request `since` or a later one (which spares checking the spec of
        older requests)."""
        slugs = [slug for slug in self.providers if provider in (None, slug)]
        self._polled = time.monotonic()
        with self._checking:
            oldest = self._catch_up(entries)
            behaviour = [
                v
                for slug in slugs
                for check in self._checks[slug]
                for v in check.violations(oldest, since or 0)
            ]
        start = 0 if since is None else bisect.bisect_left(entries, since, key=_id)
        return sorted(self._spec_found(entries, start, slugs) + behaviour, key=lambda v: v.requests)

    def _spec_found(self, entries: Sequence[Entry], start: int, slugs: Collection[str]) -> list[Violation]:
        """The spec violations of `entries[start:]` by the providers `slugs`. An entry judged before
        is not built again (the journal's entries are built when read): asking for every violation
        of a full journal, as the timeline does each second, costs its new entries only."""
        found: list[Violation] = []
        id_at = entries.id_at if isinstance(entries, Entries) else lambda i: _id(entries[i])
        for i in range(start, len(entries)):
            known = self._spec_cache.get(id_at(i))
            if known is None:
                entry = entries[i]
                if entry["provider"] not in slugs:
                    if entry["provider"] not in self.providers:  # no spec judges it: ever
                        self._spec_cache[entry["id"]] = ()
                    continue
                known = self._spec_violations(entry)
            found += [v for v in known if v.provider in slugs]
        return found


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
            lines.append(
                f"      #{request_id} {request_line(entry)} -> {entry['status']} {entry['response'][:160]}"
            )
        lines.append(f"      documentation: {v.source}")
    return "\n".join(lines)
