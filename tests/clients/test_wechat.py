"""Client conformance for WeChat: the audit passes a good client and names each naive one's
mistake, and no other."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .harness import assert_flagged, rules
from .providers import WECHAT
from .wechat import RetriesAtOnce, TokenManager

CLEAR_V2 = "/cgi-bin/clear_quota/v2"


def own_quota(mock: ProviderMock, **quota: Any) -> None:
    """Change the test's own account through the admin API."""
    base = mock.base_url.removesuffix("/wechat")
    answer = requests.patch(f"{base}/__admin/wechat/apps/{mock.credential}", json=quota, timeout=10)
    assert answer.status_code == 200, answer.text


def test_manager_refreshes_on_42001_and_retries(wechat_mock: ProviderMock) -> None:
    """A host clock stuck behind the platform's: the token expires unseen, 42001 makes it fetch again."""
    wechat_mock.clock.freeze()
    stuck = wechat_mock.clock.time()
    creds = wechat_mock.credentials
    client = TokenManager(wechat_mock.base_url, creds["appid"], creds["secret"], now=lambda: stuck)
    assert client.call()["ip_list"]
    wechat_mock.clock.advance(7200)
    assert client.call()["ip_list"]  # 42001, a new token, the call again
    assert client.fetches == 2
    states = [e["facts"].get("token_state") for e in wechat_mock.journal() if e["facts"]["kind"] == "call"]
    assert states == ["valid", "expired", "valid"]
    wechat_mock.assert_conformant()


def test_manager_backs_off_after_45009(wechat_mock: ProviderMock) -> None:
    """The day's one fetch spent, the refresh after expiry is refused; it waits, and the quota is
    cleared meanwhile (clear_quota/v2, by the AppSecret), so the next try gets a token."""
    own_quota(wechat_mock, token_daily=1)
    creds = wechat_mock.credentials
    waited: list[float] = []

    def wait(seconds: float) -> None:
        waited.append(seconds)
        time.sleep(1.05)  # the audit measures real time between the refusal and the retry
        cleared = requests.post(
            wechat_mock.base_url + CLEAR_V2,
            json={"appid": creds["appid"], "appsecret": creds["secret"]},
            timeout=10,
        )
        assert cleared.json() == {"errcode": 0, "errmsg": "ok"}

    client = WECHAT.client(wechat_mock, sleep=wait)
    wechat_mock.clock.freeze()
    assert client.call()["ip_list"]
    wechat_mock.clock.advance(7200)
    assert client.call()["ip_list"]
    assert waited == [60.0]
    backoff = [e["facts"].get("backoff") for e in wechat_mock.journal() if e["facts"].get("kind") == "fetch"]
    assert backoff == [None, True, None]
    wechat_mock.assert_conformant()


def test_retry_without_backoff_after_45009_is_flagged(wechat_mock: ProviderMock) -> None:
    """The refusals come after the token expired, so none of the fetches was made while it was valid."""
    own_quota(wechat_mock, token_daily=1)
    client = WECHAT.client(wechat_mock, RetriesAtOnce)
    wechat_mock.clock.freeze()
    assert client.call()["ip_list"]
    wechat_mock.clock.advance(7200)
    with pytest.raises(RuntimeError, match="45009"):
        client.call()
    found = wechat_mock.violations()
    assert {v.rule for v in found} == {"retry-without-backoff"}
    assert len(found) == 2  # the second and the third attempt


def test_two_fetchers_overwrite_each_other_and_are_flagged(wechat_mock: ProviderMock) -> None:
    """Two servers each fetching for one account ("不应该各自去刷新"): the replaced token works for
    5 minutes (warned), then answers 40001 (an error); each refresh replaces the other's again."""
    first, second = WECHAT.client(wechat_mock), WECHAT.client(wechat_mock)
    wechat_mock.clock.freeze()
    assert first.call()["ip_list"]
    assert second.call()["ip_list"]  # its fetch replaced the first's token
    assert first.call()["ip_list"]  # in its 5 minutes: it works
    assert_flagged(wechat_mock, "replaced-token-used", "had replaced", "warning")
    wechat_mock.clock.advance(300)
    assert first.call()["ip_list"]  # 40001, refreshed, retried: the second's token replaced in turn
    assert first.fetches == 2
    assert rules(wechat_mock) == {"replaced-token-used", "overwritten-token-used"}


def test_one_manager_for_many_threads_and_both_token_kinds_apart(wechat_mock: ProviderMock) -> None:
    """The stable token serves the same calls, and fetching it leaves the manager's token alone."""
    client = WECHAT.client(wechat_mock)
    assert client.call()["ip_list"]
    creds = wechat_mock.credentials
    body = {"grant_type": "client_credential", "appid": creds["appid"], "secret": creds["secret"]}
    stable = requests.post(wechat_mock.base_url + "/cgi-bin/stable_token", json=body, timeout=10).json()
    assert stable["access_token"] != client.token()
    assert client.call()["ip_list"]
    assert client.fetches == 1
    wechat_mock.assert_conformant()


@pytest.mark.parametrize("host", ["api.weixin.qq.com", "api2.weixin.qq.com", "sh.api.weixin.qq.com"])
def test_interception_of_the_real_hosts(
    wechat_mock: ProviderMock, provider_mocks_intercept: Interceptor, host: str
) -> None:
    """No port, no base URL of the mock's: the client keeps its real host, answered in-process."""
    client = WECHAT.client(wechat_mock, base=f"https://{host}")
    wechat_mock.clock.freeze()
    assert client.call()["ip_list"]
    wechat_mock.clock.advance(7200 - 600)  # its planned refresh
    assert client.call()["ip_list"]
    assert client.fetches == 2
    assert len(wechat_mock.journal()) == 4
    wechat_mock.assert_conformant()
