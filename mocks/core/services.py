"""The shared services one app holds in `app.extensions`, and the Python handle to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, request

from . import timeline
from .audit import Auditor
from .checks import Violation
from .clock import Clock
from .journal import Journal
from .provider import Provider, ProviderModel
from .routing import MOUNTED
from .stores import IfAbsent, Store
from .timeline import Timeline

if TYPE_CHECKING:
    from .faults import FaultRule, Faults

EXTENSION = "provider_mocks"


@dataclass
class Mocks:
    """Clock, store, journal and the mounted providers' models of one app."""

    clock: Clock
    store: Store
    journal: Journal
    providers: dict[str, Provider]
    auditor: Auditor
    faults: Faults
    models: dict[str, ProviderModel[Any]] = field(default_factory=dict)
    #: Each provider's operations (its route endpoints), which fault rules may name.
    operations: dict[str, list[str]] = field(default_factory=dict)
    _timeline: Timeline = field(init=False)

    def __post_init__(self) -> None:
        self._timeline = Timeline(self.auditor.paced)

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self
        if (
            self.store.shared
        ):  # read the shared clock once per request (and re-seed a store that lost its state)
            app.before_request(self.sync)

    @property
    def shared(self) -> bool:
        """True when the state is in a store other processes share."""
        return self.store.shared

    def start(self) -> None:
        """At app start: seed the state; on a shared store, join the one another app seeded."""
        if self.store.shared:
            self.sync()
        else:
            self.reset()

    def sync(self) -> None:
        """Read the shared clock (one store read); seed a shared store that holds no state.

        A new store, or a Redis restarted empty, holds no clock. Every app (and every request)
        that finds none writes the configured credentials where they are absent, and only then
        the clock: whoever sees the clock finds the credentials, so a request during the
        re-seed gets the right answer, and what another app wrote meanwhile is kept.
        """
        if self.clock.load():
            return
        self._seed_absent()
        if self.clock.claim():
            # Redis restarted (empty) between the seed and the claim: the clock says the
            # credentials are there, so they must be; writing them again makes sure.
            self._seed_absent()
        else:
            self.clock.load()

    def _seed_absent(self) -> None:
        """Write every provider's configured credentials where they are absent."""
        seeding = IfAbsent(self.store)
        for model in self.models.values():
            type(model)(model.config, seeding, self.clock).seed()

    def reset(self) -> None:
        """Clock, journal, fault rules and every provider's state back to the start."""
        self.clock.reset()
        self.journal.clear()
        self.faults.reset()
        for model in self.models.values():
            model.reset()

    def violations(
        self, provider: str | None = None, credential: str | None = None, since: int | None = None
    ) -> list[Violation]:
        """What clients did against the documentation, from the journal (`since`: only violations
        naming that request or a later one)."""
        found = self.auditor.violations(self.journal.read(), provider, since)
        return [v for v in found if credential in (None, v.credential)]

    def timeline(self, provider: str | None = None, span: float | None = None) -> dict[str, Any]:
        """The timeline's model (see `core.timeline`) of the journal, or of one provider's part
        of it, `span` seconds back from now (default: all of it)."""
        entries = self.journal.read()
        digests = self._timeline.digests(entries)
        if provider is not None:
            digests = [d for d in digests if d.provider == provider]
        found = self.auditor.violations(entries, provider)
        windows = {slug: model.renewal_window() for slug, model in self.models.items()}
        return timeline.build(digests, found, windows, self.clock.time(), span, self.auditor.paced)

    def add_fault(self, rule: FaultRule) -> FaultRule:
        """Add a fault rule that can fire; a ValueError says what in it cannot."""
        if rule.provider is not None and rule.provider not in self.providers:
            raise ValueError(
                f"provider: {rule.provider!r} is not mounted; mounted: {', '.join(self.providers)}"
            )
        if rule.operation is not None:
            known = self.operations.get(rule.provider or "", [])
            if rule.operation not in known:
                raise ValueError(
                    f"operation: give a provider and one of its operations: {', '.join(known) or '-'}"
                )
        rule.action.check(rule, self)
        return self.faults.add(rule)

    def provider_for_path(self, path: str) -> Provider | None:
        """The provider served at the root that owns `path` (a prefixed one is found by its mount)."""
        return next((p for p in self.providers.values() if not p.prefixed and p.owns(path)), None)

    def model(self, slug: str) -> ProviderModel[Any]:
        return self.models[slug]


def get_mocks(app: Flask | None = None) -> Mocks:
    """The services of `app` (default: the current app)."""
    mocks: Mocks = (app or current_app).extensions[EXTENSION]
    return mocks


_NOT_FOUND = object()


def current_provider() -> Provider | None:
    """The provider serving this request: the one whose routes matched it, else the one owning its
    path (found once per request)."""
    environ = request.environ
    found = environ.get("provider_mocks.provider", _NOT_FOUND)
    if found is _NOT_FOUND:
        mocks = get_mocks()
        blueprint = request.blueprint
        found = environ.get(MOUNTED) or next(
            (p for p in mocks.providers.values() if p.routes.name == blueprint), None
        )
        if found is None:
            found = mocks.provider_for_path(request.path)
        environ["provider_mocks.provider"] = found
    return cast("Provider | None", found)
