"""Client conformance for appauth: the audit passes a good client and names each naive one's mistake."""

# ruff: noqa: RUF001, RUF100 (the greeting's Chinese punctuation)

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from flask import Flask

from provider_mocks.core.services import Mocks
from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .appauth import CredentialsInHeaders, FetchPerCall, IgnoresExpiry, RetriesAtOnce, SecretInHeader
from .harness import assert_flagged, rules
from .providers import APPAUTH

#: appauth has no public host: a test names the one its client is configured with.
HOST = "auth.example.com"


def change_app(mock: ProviderMock, **change: Any) -> None:
    """Change the test's own app through the admin API."""
    answer = requests.patch(
        f"{mock.base_url}/__admin/appauth/apps/{mock.credentials['appId']}", json=change, timeout=10
    )
    assert answer.status_code == 200, answer.text


def test_well_behaved_manager_passes_the_audit(appauth_mock: ProviderMock) -> None:
    client = APPAUTH.client(appauth_mock)
    appauth_mock.clock.freeze()
    assert client.call()["code"] == 200
    assert client.call()["code"] == 200  # from the cache
    appauth_mock.clock.advance(7200 - 600)  # in the last tenth of its life: a planned refresh
    assert client.call()["code"] == 200  # the platform answered with the same token
    appauth_mock.clock.advance(300)
    assert client.call()["code"] == 200  # kept until it expires: no fetch
    appauth_mock.clock.advance(300)  # expired: a new token before the call
    assert client.call()["code"] == 200
    assert client.fetches == 3
    appauth_mock.assert_conformant()


def test_manager_refreshes_on_401_and_retries(appauth_mock: ProviderMock) -> None:
    """expiresIn is rounded up: fetched at .5 s, the token ends half a second before the client expects."""
    client = APPAUTH.client(appauth_mock)
    appauth_mock.clock.freeze()
    appauth_mock.clock.set(1_773_115_200.5)  # 2026-03-10T12:00:00.5+08:00
    assert client.call()["code"] == 200
    appauth_mock.clock.advance(6600)  # the planned refresh: the same token, 600 s (599.5 s in fact) left
    assert client.call()["code"] == 200
    appauth_mock.clock.advance(599.7)  # the platform's expiry has passed, the client's not yet
    assert client.call()["code"] == 200  # 401, a new token, the call again
    assert client.fetches == 3
    journal = appauth_mock.journal()
    assert [e["facts"]["kind"] for e in journal] == [
        "fetch",
        "call",
        "fetch",
        "call",
        "call",
        "fetch",
        "call",
    ]
    assert [e["facts"].get("token_state") for e in journal if e["facts"]["kind"] == "call"] == [
        "valid",
        "valid",
        "expired",
        "valid",
    ]
    appauth_mock.assert_conformant()


def test_manager_backs_off_after_429(appauth_mock: ProviderMock) -> None:
    """An app allowed one fetch a minute, with 10-second tokens: the refresh after expiry is refused."""
    change_app(appauth_mock, rate_limit=1, token_lifetime=10)

    def wait(seconds: float) -> None:
        time.sleep(1.05)  # the audit measures real time between the refusal and the retry
        appauth_mock.clock.advance(seconds)

    client = APPAUTH.client(appauth_mock, sleep=wait)
    appauth_mock.clock.freeze()
    assert client.call()["code"] == 200
    appauth_mock.clock.advance(10)
    assert client.call()["code"] == 200  # 429, waited 30 s: 429 again, waited 60 s: a new token
    assert [e["facts"].get("backoff") for e in appauth_mock.journal()] == [None, None, True, True, None, None]
    appauth_mock.assert_conformant()


def test_a_fetch_per_call_is_answered_the_same_token(appauth_mock: ProviderMock) -> None:
    """While a token is valid, the platform answers every fetch with it."""
    client = APPAUTH.client(appauth_mock, FetchPerCall)
    for _ in range(3):
        assert client.call()["code"] == 200
    assert len({e["facts"]["token"] for e in appauth_mock.journal() if e["facts"]["kind"] == "fetch"}) == 1


def test_independent_fetchers_get_the_same_token_and_are_flagged(appauth_mock: ProviderMock) -> None:
    """No overwrite here: the second fetcher gets the first one's token, a fetch it did not need."""
    servers = [APPAUTH.client(appauth_mock), APPAUTH.client(appauth_mock)]
    for server in servers:
        assert server.call()["code"] == 200
    assert servers[0].token() == servers[1].token()
    assert rules(appauth_mock) == {"refetch-while-valid"}


def test_retry_without_backoff_after_429_is_flagged(appauth_mock: ProviderMock) -> None:
    """The refusals come after the token expired, so none of the fetches was made while it was valid."""
    change_app(appauth_mock, rate_limit=1, token_lifetime=10)
    client = APPAUTH.client(appauth_mock, RetriesAtOnce)
    appauth_mock.clock.freeze()
    assert client.call()["code"] == 200
    appauth_mock.clock.advance(10)
    with pytest.raises(RuntimeError, match="429"):
        client.call()
    found = appauth_mock.violations()
    assert {v.rule for v in found} == {"retry-without-backoff"}
    assert len(found) == 2  # the second and the third attempt


def test_secret_in_a_header_is_flagged(appauth_mock: ProviderMock) -> None:
    with pytest.raises(RuntimeError, match="appId或appSecret不能为空"):
        APPAUTH.client(appauth_mock, SecretInHeader).call()
    assert_flagged(appauth_mock, "request-spec", "appSecret")


def test_credentials_in_headers_are_flagged_without_a_credential(
    appauth_mock: ProviderMock, provider_mocks: Mocks
) -> None:
    """With no appId in the query the audit cannot tell whose request it was: it lists it unattributed."""
    with pytest.raises(RuntimeError, match="appId或appSecret不能为空"):
        APPAUTH.client(appauth_mock, CredentialsInHeaders).call()
    found = provider_mocks.violations("appauth")
    assert [(v.rule, v.credential) for v in found] == [("request-spec", None)]
    assert "appId" in found[0].message


def test_interception_with_a_host_you_pass(
    appauth_mock: ProviderMock, provider_mocks_app: Flask, provider_mock: Any
) -> None:
    """No port: the host the client is configured with is answered in-process, on the same clock."""
    other = provider_mock("appauth")
    with Interceptor(provider_mocks_app, hosts=[HOST]):
        good = APPAUTH.client(appauth_mock, base=f"https://{HOST}")
        naive = APPAUTH.client(other, IgnoresExpiry, base=f"https://{HOST}")
        appauth_mock.clock.freeze()
        assert good.call()["result"] == f"你好，{appauth_mock.credential}！"
        assert naive.call()["code"] == 200
        appauth_mock.clock.advance(7200)
        assert good.call()["code"] == 200
        assert naive.call()["code"] == 401
        assert naive.call()["code"] == 401
    assert good.fetches == 2
    appauth_mock.assert_conformant()
    assert rules(other) == {"no-refresh-after-invalid"}
