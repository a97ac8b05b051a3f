"""The behaviour rules' kit: a `Check` judges one provider's journal entry by entry, behind
`@rule`; `ruleset` gathers checks into the registry a module owns.

Checks read the facts the provider's model noted (see `audit.note`):

- `credential`: the app, client or user the request acted for;
- `kind`: "fetch" (a token acquisition), "renew", or "call" (a business call or token check);
- `token`: the token fetched or used (a renewal's: the one it presents, then, if it answers
  one, the new one, which `renews` the other); on a fetch that replaced the credential's
  previous token: `replaced` (that token), `replaced_left` (its seconds of validity left)
  and `replaced_lifetime` (`audit.note_replaced` notes all three);
- `expires`: on a fetch or renewal that answered a token, when that token expires (seconds
  on the virtual clock);
- `overwrites`: on a fetch whose new token made the previous one stop working, that token
  (a `replaced` one may live on: Sugon's, the same token answered again);
- `renews`: on a fetch or renewal whose new token succeeds one that lives on, that token;
- `issued_with`: on a fetch that answered several tokens, the others, which expire with
  `token` (Sugon's region tokens beside the platform's);
- `token_state`: on a call, "valid", "expired", "overwritten", "suspended" (its credential
  or region is), "unknown" or "missing";
- `backoff`: the answer asks the client to back off (a limit, a refused renewal);
- `presented`: the credential a request names, noted when a fault rule fires (an answer the
  model never saw has no `credential`);
- and what a provider's own rules read (`request_id`, `renewal_window_passed`, ...).

A Check sees each entry once, oldest first, and keeps what it needs of the past in
`Recent` mappings, which forget what the journal drops. The rules every provider shares
are in `core.rules`; a provider's own are in its package's `rules` module, which
`Provider.of_package` finds (a `Provider` built by hand names them: `rules=...`). The
timeline (`core.timeline`) draws the same facts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import Field

from .journal import Entry
from .provider import ProviderConfig, Strict
from .registry import Registry

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


#: A finding as a check keeps it: its message, the requests it names, the credential. A plain
#: tuple of strings and ints, which the garbage collector stops tracking: a check keeps one
#: for each request it judged, and a full collection walking thousands of objects would
#: stall every request thread for milliseconds. A Violation is made of it when asked for.
Finding = tuple[str, tuple[int, ...], str | None]

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
    in `Recent` mappings (made in `begin`) and reports findings with `report`. `forget` is
    told the oldest entry left in the journal: the entries before it are gone, and so is
    what was kept of them. A finding is shown while the first request it names is in the
    journal (override `violations` where a rule says otherwise); it is kept at the last
    request it names, so that those naming a request since a given one are found without
    looking at the others. `config` is the provider's own configuration, for a rule that
    reads the provider's settings.
    """

    #: Set by `@rule` on the class.
    rule: Rule

    def __init__(
        self, rule: Rule, provider: str, settings: AuditSettings, config: ProviderConfig | None = None
    ) -> None:
        self.rule = rule
        self.provider = provider
        self.settings = settings
        self.config = config
        #: Findings by the request they are about.
        self.found: Recent[int, Finding] = Recent()
        self.begin()

    def begin(self) -> None:
        """Make what the rule keeps of the past."""

    def see(self, entry: Entry) -> None:
        raise NotImplementedError

    def report(self, about: int, message: str, requests: tuple[int, ...], credential: str | None) -> None:
        """A finding about request `about`, naming `requests` (oldest first; the last is the one seen)."""
        self.found.set(about, requests[-1], (message, requests, credential))

    def violation(self, message: str, requests: tuple[int, ...], credential: str | None) -> Violation:
        rule = self.rule
        return Violation(rule.id, rule.severity, message, rule.source, self.provider, credential, requests)

    def forget(self, oldest: int) -> None:
        self.found.forget(oldest)

    def violations(self, oldest: int, since: int = 0) -> Iterator[Violation]:
        """Those over the journal from `oldest` on, naming request `since` or a later one."""
        return (self.violation(*found) for found in self.found.values(since) if found[1][0] >= oldest)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    explanation: str
    source: str
    #: The providers it applies to; empty: all (a provider's own rules apply to it alone).
    providers: tuple[str, ...]
    check: type[Check]


C = TypeVar("C", bound=type[Check])


def rule(id: str, *, severity: str, source: str) -> Callable[[C], C]:
    """Make a Check a behaviour rule; its docstring's first line explains it. A ValueError
    says what is missing, when the module defining it is loaded."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id!r}: severity must be one of {SEVERITIES}")
    if not source:
        raise ValueError(f"rule {id!r}: name the documentation it comes from")

    def mark(check: C) -> C:
        if not check.__doc__:
            raise ValueError(f"rule {id!r}: give it a docstring, its one-line explanation")
        check.rule = Rule(id, severity, check.__doc__.strip().splitlines()[0], source, (), check)
        return check

    return mark


def ruleset(*checks: type[Check]) -> Registry[Rule]:
    """The rules of `checks`, each behind `@rule`, by id: what a rules module owns."""
    found: Registry[Rule] = Registry("audit rule")
    for check in checks:
        found.add(check.rule.id, check.rule)
    return found


def facts(entry: Entry) -> dict[str, Any]:
    found: dict[str, Any] = entry.get("facts") or {}
    return found


class OneRequest(Check):
    """The shape of every rule that judges a request on its own: `judge` words the finding."""

    def judge(self, facts: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def see(self, entry: Entry) -> None:
        f = facts(entry)
        if message := self.judge(f):
            self.report(entry["id"], message, (entry["id"],), f.get("credential"))
