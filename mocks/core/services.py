"""The shared services one app holds in `app.extensions`, and the Python handle to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request

from .audit import Auditor, Violation
from .clock import Clock
from .journal import Journal
from .provider import Provider, ProviderModel
from .store import Store

EXTENSION = "provider_mocks"


@dataclass
class Mocks:
    """Clock, store, journal and the mounted providers' models of one app."""

    clock: Clock
    store: Store
    journal: Journal
    providers: dict[str, Provider]
    auditor: Auditor
    models: dict[str, ProviderModel[Any]] = field(default_factory=dict)

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self

    def reset(self) -> None:
        """Clock, journal and every provider's state back to the start."""
        self.clock.reset()
        self.journal.clear()
        for model in self.models.values():
            model.reset()

    def violations(self, provider: str | None = None, credential: str | None = None) -> list[Violation]:
        """What clients did against the documentation, from the journal."""
        found = self.auditor.violations(self.journal.entries(), provider)
        return [v for v in found if credential in (None, v.credential)]

    def provider_for_path(self, path: str) -> Provider | None:
        return next((p for p in self.providers.values() if p.owns(path)), None)

    def model(self, slug: str) -> ProviderModel[Any]:
        return self.models[slug]


def get_mocks(app: Flask | None = None) -> Mocks:
    """The services of `app` (default: the current app)."""
    mocks: Mocks = (app or current_app).extensions[EXTENSION]
    return mocks


def current_provider() -> Provider | None:
    """The provider serving this request: by its blueprint, else by its path."""
    mocks = get_mocks()
    if request.blueprint in mocks.providers:
        return mocks.providers[request.blueprint]
    return mocks.provider_for_path(request.path)
