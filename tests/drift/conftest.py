"""Our mock as the upstream, on a real port, a tap keeping what it answered; reset for each test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from provider_mocks import Mocks, create_app, get_mocks
from provider_mocks.core.server import LiveServer
from tests.drift.helpers import Credentials, Tap


@dataclass(frozen=True)
class Upstream:
    url: str
    tap: Tap
    mocks: Mocks

    def reset(self) -> Upstream:
        """Its state, clock and tap as at start."""
        self.mocks.reset()
        self.tap.sent.clear()
        return self

    def credentials(self, slug: str) -> Credentials:
        found: Credentials = self.mocks.model(slug).demo_credentials()
        return found


@pytest.fixture(scope="session")
def tapped() -> Iterator[Upstream]:
    app = create_app()
    tap = Tap(app.wsgi_app)
    app.wsgi_app = tap  # type: ignore[method-assign]
    with LiveServer(app) as server:
        yield Upstream(server.url, tap, get_mocks(app))


@pytest.fixture
def upstream(tapped: Upstream) -> Upstream:
    """The upstream, reset."""
    return tapped.reset()
