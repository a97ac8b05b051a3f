"""Client conformance for iTrigger: the audit passes a good client and names each naive one's mistake."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .harness import assert_flagged, rules
from .itrigger import GET_API, POST_API, IgnoresExpiry, QueryParamsOnPost, RetriesAtOnce
from .providers import ITRIGGER

REAL_HOST = "https://gateway-dev.itrigger.cn"


def test_manager_refreshes_on_401_when_another_fetcher_overwrote_it(itrigger_mock: ProviderMock) -> None:
    client = ITRIGGER.client(itrigger_mock)
    client.call("GET", GET_API)
    other = ITRIGGER.client(itrigger_mock)  # a second fetcher for the same app
    other.token()
    assert client.call("GET", GET_API)["code"] == 200  # refreshed and retried
    assert rules(itrigger_mock) == {"overwritten-token-used"}


def test_independent_fetchers_overwrite_each_other(itrigger_mock: ProviderMock) -> None:
    servers = [ITRIGGER.client(itrigger_mock), ITRIGGER.client(itrigger_mock)]
    for _ in range(2):
        for server in servers:
            server.call("GET", GET_API)
    found = itrigger_mock.violations()
    assert {v.rule for v in found} == {"overwritten-token-used"}
    assert all(len(v.requests) == 3 for v in found)  # issued, overwritten, used


def test_post_parameters_in_the_query_are_flagged(itrigger_mock: ProviderMock) -> None:
    client = ITRIGGER.client(itrigger_mock, QueryParamsOnPost)
    assert client.call("POST", POST_API, orderNo="A1")["data"] == {}  # the gateway ignored them
    assert_flagged(itrigger_mock, "request-spec", "orderNo")


def test_retry_without_backoff_after_40004_is_flagged(itrigger_mock: ProviderMock) -> None:
    tenant = itrigger_mock.credentials["tenant"]
    requests.patch(
        f"{itrigger_mock.base_url}/__admin/itrigger/tenants/{tenant}", json={"daily_limit": 0}, timeout=10
    )
    with pytest.raises(RuntimeError, match="40004"):
        ITRIGGER.client(itrigger_mock, RetriesAtOnce).token()
    assert rules(itrigger_mock) == {"retry-without-backoff"}


def test_interception_shares_state_with_the_python_api(
    provider_mocks_intercept: Interceptor, itrigger_mock: ProviderMock
) -> None:
    """The real host, answered in-process: no port, and the clock moves between two calls."""
    client = ITRIGGER.client(itrigger_mock, IgnoresExpiry, base=REAL_HOST)
    itrigger_mock.clock.freeze()
    assert client.call("GET", GET_API)["code"] == 200
    itrigger_mock.clock.advance(7200)
    assert client.call("GET", GET_API)["code"] == 401
    assert rules(itrigger_mock) == {"no-refresh-after-invalid"}


def test_interception_serves_httpx_too(
    provider_mocks_intercept: Interceptor, itrigger_mock: ProviderMock
) -> None:
    import httpx

    creds = itrigger_mock.credentials
    answer = httpx.get(
        f"{REAL_HOST}/itrigger-tenant/v1/basic/accessTokenOpen/token",
        params={"appId": creds["appId"], "appSecret": creds["appSecret"]},
    )
    assert answer.json()["code"] == 200
    assert answer.headers["content-type"] == "application/json;charset=UTF-8"


def test_interception_as_a_decorator_leaves_other_hosts_alone() -> None:
    from provider_mocks.testing import intercept

    seen: list[int] = []

    @intercept()
    def probe() -> None:
        seen.append(
            requests.get(f"{REAL_HOST}/itrigger-tenant/v1/basic/accessTokenOpen/token").json()["code"]
        )

    probe()
    assert seen == [40001]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{REAL_HOST}/itrigger-tenant/v1/basic/accessTokenOpen/token", timeout=2)


def test_fixtures_give_each_test_its_own_credentials(provider_mock: Callable[[str], ProviderMock]) -> None:
    first, second = provider_mock("itrigger"), provider_mock("itrigger")
    assert first.credentials["appId"] != second.credentials["appId"]
    assert first.credentials["tenant"] != second.credentials["tenant"]
