"""Client conformance for Feishu: the audit passes a client that refreshes inside the 30-minute
window and waits out a frequency refusal, and names each naive one's mistake, and no other."""

from __future__ import annotations

import pytest
from flask import Flask

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .feishu import RefreshesAnHourEarly, RetriesAtOnce, TokenManager, WaitsTheReset
from .harness import assert_flagged
from .providers import FEISHU


def test_manager_renews_inside_the_window_and_refreshes_on_99991663(feishu_mock: ProviderMock) -> None:
    """Ten minutes before expiry the fetch gets a new token; a host clock stuck behind the
    platform's keeps a token past its expiry, and 99991663 makes it fetch again."""
    feishu_mock.clock.freeze()
    client = FEISHU.client(feishu_mock)
    assert client.call()["code"] == 0
    first = client.token()
    feishu_mock.clock.advance(7200 - 600)
    assert client.call()["code"] == 0
    assert client.token() != first
    stuck = feishu_mock.clock.time()
    client.now = lambda: stuck
    feishu_mock.clock.advance(7200)
    assert client.call()["bot"]["app_name"] == "应用"  # refused with 99991663, refreshed, retried
    assert client.fetches == 3
    feishu_mock.assert_conformant()


def test_refreshing_before_the_renewal_window_is_warned(feishu_mock: ProviderMock) -> None:
    """With an hour left the platform answers the same token: the refetch is wasted."""
    feishu_mock.clock.freeze()
    client = FEISHU.client(feishu_mock, RefreshesAnHourEarly)
    assert client.call()["code"] == 0
    feishu_mock.clock.advance(3600)
    assert client.call()["code"] == 0
    assert client.fetches == 2
    tokens = {e["facts"].get("token") for e in feishu_mock.journal() if e["facts"].get("kind") == "fetch"}
    assert len(tokens) == 1  # the same token twice
    assert_flagged(feishu_mock, "refetch-while-valid", "valid for 3600 s more", "warning")


def one_call_a_second(mock: ProviderMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mock.mocks.model("feishu").config.settings, "per_second", 1)


def test_retrying_a_frequency_refusal_at_once_is_flagged(
    feishu_mock: ProviderMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_call_a_second(feishu_mock, monkeypatch)
    feishu_mock.clock.freeze()  # one window of the virtual clock
    client = FEISHU.client(feishu_mock, RetriesAtOnce)
    assert [client.call()["code"] for _ in range(2)] == [0, 99991400]
    assert_flagged(feishu_mock, "retry-without-backoff", "bot_info")


def test_waiting_out_a_frequency_refusal_passes(
    feishu_mock: ProviderMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait is real time: the audit measures a client's backoff by the wall clock."""
    one_call_a_second(feishu_mock, monkeypatch)
    client = FEISHU.client(feishu_mock, WaitsTheReset)
    assert [client.call()["code"] for _ in range(2)] == [0, 0]  # the second after a wait, if refused
    feishu_mock.assert_conformant()


def test_interception_of_feishu_and_lark(provider_mocks_app: Flask, feishu_mock: ProviderMock) -> None:
    """A client configured for the real hosts is answered by the mock."""
    with Interceptor(provider_mocks_app):
        for host in ("open.feishu.cn", "open.larksuite.com"):
            client = TokenManager(
                f"https://{host}",
                feishu_mock.credentials["app_id"],
                feishu_mock.credentials["app_secret"],
                now=feishu_mock.clock.time,
            )
            assert client.call()["code"] == 0
    assert len(feishu_mock.journal()) == 4
