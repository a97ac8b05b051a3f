"""Client conformance for the credential platform: the audit passes a good client and names each
naive one's mistake, and no other."""

from __future__ import annotations

import pytest
from flask import Flask

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .credential import NoRequestId, PostsJson, ReusesRequestId, TokenManager
from .harness import assert_flagged
from .providers import CREDENTIAL

#: The platform's host is not public: a client configured for one is intercepted when it is named.
HOST = "open.example.com"


def test_manager_refreshes_on_10134(credential_mock: ProviderMock) -> None:
    """A host clock stuck behind the platform's: the token expires early, 10134 makes it fetch again."""
    credential_mock.clock.freeze()
    stuck = credential_mock.clock.time()
    creds = credential_mock.credentials
    client = TokenManager(credential_mock.base_url, creds["clientId"], creds["secret"], now=lambda: stuck)
    assert client.call()["code"] == 200
    credential_mock.clock.advance(7200)
    assert client.call(n=2)["data"] == {"n": 2}  # refused with 10134, refreshed, retried
    assert client.fetches == 2
    assert [e["facts"].get("token_state") for e in credential_mock.journal()] == [
        None,
        "valid",
        "expired",
        None,
        "valid",
    ]
    credential_mock.assert_conformant()


def test_json_token_request_is_flagged(credential_mock: ProviderMock) -> None:
    client = CREDENTIAL.client(credential_mock, PostsJson)
    with pytest.raises(RuntimeError, match="10131"):  # as the platform answers: nothing was read
        client.call()
    assert_flagged(credential_mock, "request-spec", "application/json")


def test_missing_request_id_is_warned(credential_mock: ProviderMock) -> None:
    """As the provider's own demo: answered, and a warning of its own, not also a spec error."""
    client = CREDENTIAL.client(credential_mock, NoRequestId)
    assert client.call(n=1)["data"] == {"n": 1}
    assert_flagged(credential_mock, "request-id-missing", "Request-Id", "warning")


def test_reused_request_id_is_flagged(credential_mock: ProviderMock) -> None:
    client = CREDENTIAL.client(credential_mock, ReusesRequestId)
    assert [client.call(n=n)["data"] for n in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]
    found = credential_mock.violations()
    assert {v.rule for v in found} == {"request-id-reused"}
    assert len(found) == 2  # the second and the third call


def test_interception_of_a_host_named_by_the_test(
    provider_mocks_app: Flask, credential_mock: ProviderMock
) -> None:
    """The platform's host is not public: the test names the one its client is configured with."""
    assert HOST not in Interceptor(provider_mocks_app).hosts
    with Interceptor(provider_mocks_app, hosts=[HOST]):
        client = CREDENTIAL.client(credential_mock, base=f"https://{HOST}")
        credential_mock.clock.freeze()
        assert client.call(q="1")["data"] == {"q": "1"}
        credential_mock.clock.advance(7200)  # the clock moves between two intercepted calls
        assert client.call(q="2")["data"] == {"q": "2"}
    assert client.fetches == 2
    assert len(credential_mock.journal()) == 4
    credential_mock.assert_conformant()
