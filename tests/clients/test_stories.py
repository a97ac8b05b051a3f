"""The stories every token manager tells alike, each one test over the table of providers."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from provider_mocks.testing.pytest_plugin import ProviderMock

from .harness import rules
from .providers import CREDENTIAL, ITRIGGER, PROVIDERS, WECHAT, Provider

MockOf = Callable[[str], ProviderMock]


def each(*providers: Provider[Any]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("provider", [pytest.param(p, id=p.slug) for p in providers])


@each(CREDENTIAL, ITRIGGER, WECHAT)
def test_well_behaved_manager_passes_the_audit(provider: Provider[Any], provider_mock: MockOf) -> None:
    mock = provider_mock(provider.slug)
    client = provider.client(mock)
    mock.clock.freeze()
    for i in range(2):  # the second from the cache
        assert provider.answered(client, i) == provider.expected(i)
    mock.clock.advance(provider.lifetime - 300)  # inside its refresh margin: a planned refresh
    assert provider.answered(client, 2) == provider.expected(2)
    mock.clock.advance(provider.lifetime)  # expired while idle: refreshed before the call
    assert provider.answered(client, 3) == provider.expected(3)
    assert provider.fetched(client) == 3
    mock.assert_conformant()


@each(*PROVIDERS)
def test_manager_fetches_once_for_many_threads(provider: Provider[Any], provider_mock: MockOf) -> None:
    mock = provider_mock(provider.slug)
    client = provider.client(mock)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: provider.answered(client, i), range(32)))
    assert answers == [provider.expected(i) for i in range(32)]
    assert provider.fetched(client) == 1
    mock.assert_conformant()


@each(*PROVIDERS)
def test_fetch_per_call_is_flagged(provider: Provider[Any], provider_mock: MockOf) -> None:
    mock = provider_mock(provider.slug)
    client = provider.client(mock, provider.fetch_per_call)
    for i in range(3):
        assert provider.answered(client, i) == provider.expected(i)
    found = mock.violations()
    assert {v.rule for v in found} == {"refetch-while-valid"}
    assert len(found) == 2  # the second and the third fetch
    with pytest.raises(AssertionError, match=rf"\[warning\] refetch-while-valid \({provider.slug}\)"):
        mock.assert_conformant()
    mock.assert_conformant(warnings=False)


@each(*PROVIDERS)
def test_ignoring_expiry_is_flagged(provider: Provider[Any], provider_mock: MockOf) -> None:
    mock = provider_mock(provider.slug)
    client = provider.client(mock, provider.ignores_expiry)
    mock.clock.freeze()
    assert provider.answered(client, 0) == provider.expected(0)
    mock.clock.advance(provider.lifetime)
    assert [provider.code(provider.call(client, 0)) for _ in range(2)] == [provider.invalid] * 2
    assert rules(mock) == {"no-refresh-after-invalid"}
