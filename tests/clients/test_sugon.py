"""Client conformance for Sugon / SCNet AC: the audit passes a good client, names each naive one's mistake."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .harness import assert_flagged
from .providers import SUGON
from .sugon import CENTER, STATE, NoOrgId, RenewsForever, RetriesAtOnce

REAL_HOST = "https://www.scnet.cn"
HOUR = 3600
DAY = 24 * HOUR
#: A region every fresh user may use and whose tokens may call everything (the demo's 11250).
REGION = "11250"


def admin(mock: ProviderMock, method: str, path: str, **body: Any) -> None:
    answer = requests.request(method, f"{mock.base_url}/__admin{path}", json=body, timeout=10)
    answer.raise_for_status()


def fault(mock: ProviderMock, operation: str, code: str) -> None:
    """The next call of `operation` answers `code`."""
    admin(
        mock, "POST", "/faults", provider="sugon", operation=operation, action={"type": "error", "code": code}
    )


def test_well_behaved_manager_passes_the_audit(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock)
    sugon_mock.clock.freeze()
    assert client.call("GET", STATE)["data"] == "token is valid"
    assert client.call("GET", CENTER, REGION)["code"] == "0"
    sugon_mock.clock.advance(DAY - HOUR / 2)  # inside its margin: renewed before the call
    assert client.call("GET", STATE)["code"] == "0"
    assert client.call("GET", CENTER, REGION)["code"] == "0"
    assert (client.logins, client.renewals) == (1, 2)
    sugon_mock.clock.advance(3 * DAY)  # idle past the renewal window: a fresh login, no renewal
    assert client.call("GET", STATE)["code"] == "0"
    assert (client.logins, client.renewals) == (2, 2)
    sugon_mock.assert_conformant()


def test_manager_finds_its_region_home_services_and_account(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock)
    user = sugon_mock.credentials["user"]
    listed = client.regions()
    assert listed[-1] == "0"  # the list ends with the platform's token: the first is a region
    assert client.home(REGION) == f"/public/home/{user}"
    urls = client.services(REGION)
    base = sugon_mock.base_url
    # What public clients build from them: hpc + /hpc/openapi/..., efile + /openapi/v2/file/...
    assert urls["hpcUrls"] + "/hpc/openapi/v2/cluster" == f"{base}/hpc/openapi/v2/cluster"
    assert urls["efileUrls"] + "/openapi/v2/file/list" == f"{base}/efile/openapi/v2/file/list"
    assert urls["aiUrls"] == f"{base}/ai"
    for cluster_id in listed:  # as scnet-chat does: /user with each token
        account = client.account(cluster_id)
        assert account["userName"] == user
        assert account["accountBalance"] == "0.00"
    assert client.logins == 1
    sugon_mock.assert_conformant()


def test_home_follows_the_compute_user(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock)
    admin(sugon_mock, "PATCH", f"/sugon/users/{client.user}", compute_user="slurm07")
    assert client.home(REGION) == "/public/home/slurm07"
    admin(sugon_mock, "PATCH", f"/sugon/users/{client.user}", home_path="/work/home/slurm07")
    assert client.home(REGION) == "/work/home/slurm07"


def test_manager_renews_on_10008_and_retries(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock)
    client.call("GET", STATE)
    fault(sugon_mock, "state", "10008")
    assert client.call("GET", STATE)["data"] == "token is valid"
    assert (client.logins, client.renewals) == (1, 1)
    sugon_mock.assert_conformant()


def test_a_prompt_retry_after_renewing_an_expired_token_is_no_fault(sugon_mock: ProviderMock) -> None:
    """10008 on a call asks for a renewal, not for a pause: the renewed retry follows at once."""
    # renews only a minute after expiry: the call before that is refused
    client = SUGON.client(sugon_mock, margin=-60)
    sugon_mock.clock.freeze()
    client.call("GET", STATE)
    sugon_mock.clock.advance(DAY + 30)
    assert client.call("GET", STATE)["data"] == "token is valid"
    assert [e["response"][:16] for e in sugon_mock.journal()][-3:] == [
        '{"code":"10008",',
        '{"msg":"success"',
        '{"code":"0","msg',
    ]
    sugon_mock.assert_conformant()


def test_manager_logs_in_again_when_a_renewal_is_refused(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock)
    sugon_mock.clock.freeze()
    client.call("GET", STATE)
    fault(sugon_mock, "renew", "10001")
    sugon_mock.clock.advance(DAY - HOUR / 2)
    assert client.call("GET", STATE)["code"] == "0"
    assert (client.logins, client.renewals) == (2, 0)
    sugon_mock.assert_conformant()


def test_renewal_after_the_window_is_flagged(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock, RenewsForever)
    sugon_mock.clock.freeze()
    assert client.call("GET", STATE)["code"] == "0"
    sugon_mock.clock.advance(3 * DAY)
    assert client.call("GET", STATE)["code"] == "0"  # refused renewal, then a login
    assert (client.logins, client.renewals) == (2, 0)
    found = sugon_mock.violations()
    assert [v.rule for v in found] == ["renewal-after-window"]
    assert found[0].credential == sugon_mock.credentials["user"]


def test_retry_without_backoff_after_10008_is_flagged(sugon_mock: ProviderMock) -> None:
    client = SUGON.client(sugon_mock, RetriesAtOnce)
    sugon_mock.clock.freeze()
    assert client.call("GET", CENTER, REGION)["code"] == "0"
    admin(sugon_mock, "PATCH", f"/sugon/users/{client.user}", suspended=[REGION])
    sugon_mock.clock.advance(DAY - HOUR / 2)
    with pytest.raises(LookupError, match=f"no token for region {REGION}"):
        client.call("GET", CENTER, REGION)  # three refused renewals, then a login: token null
    found = sugon_mock.violations()
    assert {v.rule for v in found} == {"retry-without-backoff"}
    assert len(found) == 2


def test_missing_org_id_is_flagged(sugon_mock: ProviderMock) -> None:
    with pytest.raises(RuntimeError, match="10003"):
        SUGON.client(sugon_mock, NoOrgId).call("GET", STATE)
    assert_flagged(sugon_mock, "request-spec", "orgId")


def test_interception_shares_state_with_the_python_api(
    provider_mocks_intercept: Interceptor, sugon_mock: ProviderMock
) -> None:
    """The real host, answered in-process: no port, and the clock moves between two calls."""
    client = SUGON.client(sugon_mock, base=REAL_HOST)
    sugon_mock.clock.freeze()
    urls = client.services(REGION)
    assert urls["hpcUrls"] == REAL_HOST  # pointing back at the host
    assert urls["efileUrls"] == f"{REAL_HOST}/efile"
    sugon_mock.clock.advance(DAY - HOUR / 2)
    assert client.call("GET", STATE, REGION)["code"] == "0"
    assert (client.logins, client.renewals) == (1, 1)
    assert [e["path"] for e in sugon_mock.journal()][-2:] == ["/ac/openapi/v2/tokens/next", STATE]
    sugon_mock.assert_conformant()
