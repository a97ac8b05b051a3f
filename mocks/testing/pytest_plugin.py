"""The pytest plugin: a live mock server for the session, and a handle per provider per test.

Fixtures (override any of them in your conftest.py):

- `provider_mocks_config`: the config mapping (default: None, the defaults);
- `provider_mocks_app` / `provider_mocks_server`: the app, and a server on a free loopback port;
- `provider_mocks`: the services (clock, journal, store), reset before each test;
- `provider_mock`: a factory, `provider_mock("itrigger")` -> a ProviderMock handle;
- `atrip_mock`, `itrigger_mock`, `appauth_mock`, `sugon_mock`, `credential_mock`: the same, ready made;
- `provider_mocks_intercept`: the providers' real hosts answered in-process by the same app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from ..app import create_app
from ..core.audit import Violation, describe
from ..core.clock import Clock
from ..core.journal import Entry
from ..core.server import LiveServer
from ..core.services import Mocks, get_mocks
from ..providers import SLUGS
from .intercept import Interceptor


@dataclass
class ProviderMock:
    """One provider for one test: where it is, credentials of the test's own, the clock and the journal."""

    slug: str
    base_url: str
    credentials: dict[str, Any]
    mocks: Mocks = field(repr=False)

    @property
    def clock(self) -> Clock:
        return self.mocks.clock

    @property
    def credential(self) -> str:
        """The id the audit knows these credentials by (the first field: appId, clientId, ...)."""
        return str(next(iter(self.credentials.values())))

    def journal(self) -> list[Entry]:
        return [
            e
            for e in self.mocks.journal.entries(self.slug)
            if (e.get("facts") or {}).get("credential") in (None, self.credential)
        ]

    def violations(self, severity: str | None = None) -> list[Violation]:
        found = self.mocks.violations(self.slug, self.credential)
        return [v for v in found if severity in (None, v.severity)]

    def assert_conformant(self, *, warnings: bool = True) -> None:
        """Fail with a readable report if the client broke a documented rule (warnings count by default)."""
        found = [v for v in self.violations() if warnings or v.severity == "error"]
        if found:
            raise AssertionError(
                f"{self.slug} client is not conformant\n" + describe(found, self.mocks.journal.entries())
            )


@pytest.fixture(scope="session")
def provider_mocks_config() -> Mapping[str, Any] | None:
    return None


@pytest.fixture(scope="session")
def provider_mocks_app(provider_mocks_config: Mapping[str, Any] | None) -> Flask:
    return create_app(provider_mocks_config)


@pytest.fixture(scope="session")
def provider_mocks_server(provider_mocks_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(provider_mocks_app) as server:
        yield server


@pytest.fixture
def provider_mocks(provider_mocks_app: Flask) -> Mocks:
    services = get_mocks(provider_mocks_app)
    services.reset()
    return services


@pytest.fixture
def provider_mock(provider_mocks: Mocks, provider_mocks_server: LiveServer) -> Callable[[str], ProviderMock]:
    def make(slug: str) -> ProviderMock:
        if slug not in provider_mocks.providers:
            raise ValueError(
                f"provider {slug!r} is not mounted; mounted: {', '.join(provider_mocks.providers)}"
            )
        credentials = provider_mocks.model(slug).fresh_credentials()
        return ProviderMock(slug, provider_mocks_server.url, credentials, provider_mocks)

    return make


@pytest.fixture
def provider_mocks_intercept(provider_mocks: Mocks, provider_mocks_app: Flask) -> Iterator[Interceptor]:
    with Interceptor(provider_mocks_app) as interceptor:
        yield interceptor


def _handle_fixture(slug: str) -> Callable[..., ProviderMock]:
    def handle(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
        return provider_mock(slug)

    handle.__doc__ = f"The {slug} mock with credentials of this test's own."
    handle.__name__ = f"{slug}_mock"
    return pytest.fixture(name=f"{slug}_mock")(handle)


for _slug in SLUGS:
    globals()[f"{_slug}_mock"] = _handle_fixture(_slug)
