"""Client conformance for WeCom: the audit passes a good client and names each naive one's mistake."""

from __future__ import annotations

import pytest
from flask import Flask

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .harness import assert_flagged
from .providers import WECOM
from .wecom import LIFETIME, RetriesAtOnce, TokenManager

REAL_HOST = "https://qyapi.weixin.qq.com"
OK = {"errcode": 0, "errmsg": "ok"}


def ok(client: TokenManager) -> dict[str, object]:
    answer = client.call()
    return {"errcode": answer["errcode"], "errmsg": answer["errmsg"]}


def test_manager_keeps_the_token_its_seconds_and_refreshes_on_42001(
    wecom_mock: ProviderMock, provider_mocks_app: Flask
) -> None:
    client = WECOM.client(wecom_mock)
    wecom_mock.clock.freeze()
    assert [ok(client) for _ in range(3)] == [OK] * 3
    wecom_mock.clock.advance(LIFETIME - 300)
    assert ok(client) == OK  # still its own: no fetch before its seconds are up
    assert client.fetches == 1
    wecom_mock.clock.advance(300)
    assert ok(client) == OK  # due: a new token
    with provider_mocks_app.test_client() as admin:  # the platform ends the token early
        ended = admin.post(f"/__admin/wecom/tokens/{client.token()}/end")
    assert ended.status_code == 200
    assert ok(client) == OK  # 42001, refreshed and retried
    assert client.fetches == 3
    wecom_mock.assert_conformant()


def test_a_retry_at_once_after_45009_is_flagged(
    wecom_mock: ProviderMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = WECOM.client(wecom_mock, RetriesAtOnce)
    client.token()
    monkeypatch.setattr(wecom_mock.mocks.model("wecom").config.settings, "api_per_minute", 1)
    assert ok(client) == OK
    assert client.call()["errcode"] == 45009  # blocked for 60 s, and asked again at once
    assert_flagged(wecom_mock, "retry-without-backoff", "less than")


def test_interception_of_the_real_host(provider_mocks_app: Flask, wecom_mock: ProviderMock) -> None:
    """A client configured for qyapi.weixin.qq.com reaches WeCom, not WeChat, on the shared /cgi-bin/."""
    with Interceptor(provider_mocks_app):
        client = WECOM.client(wecom_mock, base=REAL_HOST)
        assert ok(client) == OK
        assert client.call()["ip_list"]
    assert client.fetches == 1
    assert len(wecom_mock.journal()) == 3
    wecom_mock.assert_conformant()
