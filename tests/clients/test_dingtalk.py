"""Client conformance for DingTalk: the audit passes a good client of each API generation and
names each naive one's mistake, and no other."""

from __future__ import annotations

import pytest
from flask import Flask

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .dingtalk import CachesFullLifetime, NewApiManager, RetriesAtOnce, TokenManager
from .harness import assert_flagged, build
from .providers import DINGTALK

KEYS = ("appkey", "appsecret")


def test_manager_refreshes_before_expiry_and_is_conformant(dingtalk_mock: ProviderMock) -> None:
    """Refetched 600 s before its end: the same token renewed, a planned refresh, not a wasted one."""
    client = DINGTALK.client(dingtalk_mock)
    dingtalk_mock.clock.freeze()
    assert client.call()["errcode"] == 0
    dingtalk_mock.clock.advance(6700)
    assert client.call()["errcode"] == 0
    assert client.fetches == 2
    dingtalk_mock.clock.advance(14_400)  # expired while idle: a new token before the call
    assert client.call()["errcode"] == 0
    assert client.fetches == 3
    dingtalk_mock.assert_conformant()


def test_manager_refreshes_on_40014(dingtalk_mock: ProviderMock) -> None:
    """A host clock stuck behind the platform's: the token expires unseen, 40014 makes it fetch again."""
    dingtalk_mock.clock.freeze()
    stuck = dingtalk_mock.clock.time()
    client = build(dingtalk_mock, TokenManager, KEYS)
    client.now = lambda: stuck
    assert client.call()["errcode"] == 0
    dingtalk_mock.clock.advance(7200)
    assert client.call()["errcode"] == 0  # refused with 40014, refreshed, retried
    assert client.fetches == 2
    dingtalk_mock.assert_conformant()


def test_new_api_manager_is_conformant(dingtalk_mock: ProviderMock) -> None:
    client = build(dingtalk_mock, NewApiManager, KEYS)
    dingtalk_mock.clock.freeze()
    assert [len(client.call()["appList"]) for _ in range(3)] == [1, 1, 1]  # the test's own corp
    dingtalk_mock.clock.advance(7200)
    assert "appList" in client.call()  # refreshed before the call
    assert client.fetches == 2
    dingtalk_mock.assert_conformant()


def test_caching_the_full_lifetime_is_warned(dingtalk_mock: ProviderMock) -> None:
    client = build(dingtalk_mock, CachesFullLifetime, KEYS)
    dingtalk_mock.clock.freeze()
    assert client.call()["errcode"] == 0
    dingtalk_mock.clock.advance(7100)
    assert client.call()["errcode"] == 0  # 100 s left: answered, but a clock a little off fails
    assert_flagged(dingtalk_mock, "cached-to-expiry", "7000 s", "warning")


def test_retrying_a_limit_at_once_is_flagged(
    dingtalk_mock: ProviderMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dingtalk_mock.mocks.model("dingtalk").config.settings, "api_per_second", 1)
    client = build(dingtalk_mock, RetriesAtOnce, KEYS)
    dingtalk_mock.clock.freeze()
    assert client.call()["errcode"] == 0
    assert client.call()["errcode"] == 90018  # three times at once, refused each time
    found = {(v.rule, v.severity) for v in dingtalk_mock.violations()}
    assert found == {("retry-without-backoff", "error")}


def test_a_client_of_the_real_hosts_is_intercepted(
    provider_mocks_app: Flask, dingtalk_mock: ProviderMock
) -> None:
    with Interceptor(provider_mocks_app):
        legacy = build(dingtalk_mock, TokenManager, KEYS, base="https://oapi.dingtalk.com")
        new = build(dingtalk_mock, NewApiManager, KEYS, base="https://api.dingtalk.com")
        assert legacy.call()["errcode"] == 0
        assert "appList" in new.call()
    dingtalk_mock.assert_conformant(warnings=False)  # the second fetch, while the first lives, warns
