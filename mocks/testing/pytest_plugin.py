"""The pytest plugin: a live mock server for the session, and a handle per provider per test.

Fixtures (override any of them in your conftest.py):

- `provider_mocks_config`: the config mapping (default: None, the defaults);
- `provider_mocks_app` / `provider_mocks_server`: the app, and a server on a free loopback port;
- `provider_mocks`: the services (clock, journal, store), reset before each test;
- `provider_mock`: a factory, `provider_mock("itrigger")` -> a ProviderMock handle;
- `atrip_mock`, `itrigger_mock`, `appauth_mock`, `sugon_mock`, `credential_mock`, `wechat_mock`,
  `wecom_mock`, `dingtalk_mock`, `feishu_mock`: the same, ready made (WeChat's and WeCom's base
  URLs under `/wechat` and `/wecom`; DingTalk's serves both API generations);
- `provider_mocks_intercept`: the providers' real hosts answered in-process by the same app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from ..app import create_app
from ..core.audit import describe
from ..core.checks import Violation
from ..core.clock import Clock
from ..core.journal import Entry
from ..core.server import LiveServer
from ..core.services import Mocks, get_mocks
from .intercept import Interceptor


@dataclass
class ProviderMock:
    """One provider for one test: where it is (the base URL of its real paths), credentials of the
    test's own, the clock and the journal."""

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
        return self.mocks.model(self.slug).audit_credential(self.credentials)

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
    """The mocks' config mapping, as the TOML file would give it (None: the defaults).

    Override it in your conftest.py to set credentials or settings for the session.
    """
    return None


@pytest.fixture(scope="session")
def provider_mocks_app(provider_mocks_config: Mapping[str, Any] | None) -> Flask:
    """The mocks' Flask app, every provider mounted, built once for the session."""
    return create_app(provider_mocks_config)


@pytest.fixture(scope="session")
def provider_mocks_server(provider_mocks_app: Flask) -> Iterator[LiveServer]:
    """A live server of the app on a free loopback port, for the session (`.url`)."""
    with LiveServer(provider_mocks_app) as server:
        yield server


@pytest.fixture
def provider_mocks(provider_mocks_app: Flask) -> Mocks:
    """The mocks' services (clock, journal, store, faults), reset before each test."""
    services = get_mocks(provider_mocks_app)
    services.reset()
    return services


@pytest.fixture
def provider_mock(provider_mocks: Mocks, provider_mocks_server: LiveServer) -> Callable[[str], ProviderMock]:
    """A factory: `provider_mock("itrigger")` is that provider's handle with fresh credentials."""

    def make(slug: str) -> ProviderMock:
        if slug not in provider_mocks.providers:
            raise ValueError(
                f"provider {slug!r} is not mounted; mounted: {', '.join(provider_mocks.providers)}"
            )
        credentials = provider_mocks.model(slug).fresh_credentials()
        base_url = provider_mocks_server.url + provider_mocks.providers[slug].mount
        return ProviderMock(slug, base_url, credentials, provider_mocks)

    return make


@pytest.fixture
def provider_mocks_intercept(provider_mocks: Mocks, provider_mocks_app: Flask) -> Iterator[Interceptor]:
    """The providers' real hosts answered in-process by the session's app (requests and httpx)."""
    with Interceptor(provider_mocks_app) as interceptor:
        yield interceptor


@pytest.fixture
def atrip_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The ATRIP mock, with credentials of this test's own."""
    return provider_mock("atrip")


@pytest.fixture
def itrigger_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The 企加云 iTrigger mock, with credentials of this test's own."""
    return provider_mock("itrigger")


@pytest.fixture
def appauth_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The `/auth/getAccessToken` platform mock, with credentials of this test's own."""
    return provider_mock("appauth")


@pytest.fixture
def sugon_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The Sugon / SCNet AC mock, with credentials of this test's own."""
    return provider_mock("sugon")


@pytest.fixture
def credential_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The `/openapi/auth/credential` platform mock, with credentials of this test's own."""
    return provider_mock("credential")


@pytest.fixture
def wecom_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The WeCom 企业微信 mock (its base URL under /wecom), with credentials of this test's own."""
    return provider_mock("wecom")


@pytest.fixture
def wechat_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The WeChat 微信公众平台 / 小程序 mock (its base URL under /wechat), with an account of its own."""
    return provider_mock("wechat")


@pytest.fixture
def dingtalk_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The DingTalk 钉钉 mock (both API generations at its base URL), with credentials of this test's own."""
    return provider_mock("dingtalk")


@pytest.fixture
def feishu_mock(provider_mock: Callable[[str], ProviderMock]) -> ProviderMock:
    """The Feishu 飞书 mock, with an app of this test's own."""
    return provider_mock("feishu")
