"""Client conformance for iTrigger: the audit passes a good client and names each naive one's mistake."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .audit import rules
from .itrigger import (
    GET_API,
    POST_API,
    FetchPerCall,
    IgnoresExpiry,
    QueryParamsOnPost,
    RetriesAtOnce,
    TokenManager,
)

REAL_HOST = "https://gateway-dev.itrigger.cn"


def manager(
    mock: ProviderMock, kind: type[TokenManager] = TokenManager, base: str | None = None
) -> TokenManager:
    creds = mock.credentials
    return kind(base or mock.base_url, creds["appId"], creds["appSecret"], now=mock.clock.time)


def test_well_behaved_manager_passes_the_audit(itrigger_mock: ProviderMock) -> None:
    client = manager(itrigger_mock)
    itrigger_mock.clock.freeze()
    assert client.call("GET", GET_API, q="1")["data"] == {"q": "1"}
    assert client.call("POST", POST_API, q="2")["data"] == {"q": "2"}
    itrigger_mock.clock.advance(7200 - 300)  # inside its refresh margin: a planned refresh
    assert client.call("GET", GET_API)["code"] == 200
    itrigger_mock.clock.advance(7200)  # expired while idle: refreshed before the call
    assert client.call("GET", GET_API)["code"] == 200
    assert client.fetches == 3
    itrigger_mock.assert_conformant()


def test_manager_fetches_once_for_many_threads(itrigger_mock: ProviderMock) -> None:
    client = manager(itrigger_mock)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: client.call("GET", GET_API, i=str(i)), range(32)))
    assert all(a["code"] == 200 for a in answers)
    assert client.fetches == 1
    itrigger_mock.assert_conformant()


def test_manager_refreshes_on_401_when_another_fetcher_overwrote_it(itrigger_mock: ProviderMock) -> None:
    client = manager(itrigger_mock)
    client.call("GET", GET_API)
    other = manager(itrigger_mock)  # a second fetcher for the same app
    other.token()
    assert client.call("GET", GET_API)["code"] == 200  # refreshed and retried
    assert rules(itrigger_mock) == {"overwritten-token-used"}


def test_fetch_per_call_is_flagged(itrigger_mock: ProviderMock) -> None:
    client = manager(itrigger_mock, FetchPerCall)
    for _ in range(3):
        client.call("GET", GET_API)
    assert rules(itrigger_mock) == {"refetch-while-valid"}
    with pytest.raises(AssertionError, match=r"\[warning\] refetch-while-valid \(itrigger\)"):
        itrigger_mock.assert_conformant()
    itrigger_mock.assert_conformant(warnings=False)


def test_independent_fetchers_overwrite_each_other(itrigger_mock: ProviderMock) -> None:
    servers = [manager(itrigger_mock), manager(itrigger_mock)]
    for _ in range(2):
        for server in servers:
            server.call("GET", GET_API)
    found = itrigger_mock.violations()
    assert {v.rule for v in found} == {"overwritten-token-used"}
    assert all(len(v.requests) == 3 for v in found)  # issued, overwritten, used


def test_ignoring_expiry_is_flagged(itrigger_mock: ProviderMock) -> None:
    client = manager(itrigger_mock, IgnoresExpiry)
    itrigger_mock.clock.freeze()
    assert client.call("GET", GET_API)["code"] == 200
    itrigger_mock.clock.advance(7200)
    assert client.call("GET", GET_API)["code"] == 401
    assert client.call("GET", GET_API)["code"] == 401
    assert rules(itrigger_mock) == {"no-refresh-after-invalid"}


def test_post_parameters_in_the_query_are_flagged(itrigger_mock: ProviderMock) -> None:
    client = manager(itrigger_mock, QueryParamsOnPost)
    assert client.call("POST", POST_API, orderNo="A1")["data"] == {}  # the gateway ignored them
    found = itrigger_mock.violations()
    assert [v.rule for v in found] == ["request-spec"]
    assert "orderNo" in found[0].message


def test_retry_without_backoff_after_40004_is_flagged(itrigger_mock: ProviderMock) -> None:
    tenant = itrigger_mock.credentials["tenant"]
    requests.patch(
        f"{itrigger_mock.base_url}/__admin/itrigger/tenants/{tenant}", json={"daily_limit": 0}, timeout=10
    )
    with pytest.raises(RuntimeError, match="40004"):
        manager(itrigger_mock, RetriesAtOnce).token()
    assert rules(itrigger_mock) == {"retry-without-backoff"}


def test_interception_shares_state_with_the_python_api(
    provider_mocks_intercept: Interceptor, itrigger_mock: ProviderMock
) -> None:
    """The real host, answered in-process: no port, and the clock moves between two calls."""
    client = manager(itrigger_mock, IgnoresExpiry, base=REAL_HOST)
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
