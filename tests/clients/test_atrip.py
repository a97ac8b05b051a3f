"""Client conformance for ATRIP: the audit passes a good client and names each naive one's mistake."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from provider_mocks.testing import Interceptor
from provider_mocks.testing.pytest_plugin import ProviderMock

from .atrip import AcceptsJson, BareHeaders, LegacyRoles, PortalLinks
from .harness import assert_flagged, build

REAL_HOST = "https://sandbox.atriptech.com"
ID, SECRET = "x-atlas-client-id", "x-atlas-client-secret"


def client(
    mock: ProviderMock, kind: type[PortalLinks] = PortalLinks, base: str | None = None, **options: float
) -> PortalLinks:
    return build(mock, kind, (ID, SECRET), base, **options)


def shows(page_html: str, *values: str) -> bool:
    return all(value in page_html for value in values)


def test_well_behaved_client_passes_the_audit(atrip_mock: ProviderMock) -> None:
    links = client(atrip_mock)
    atrip_mock.clock.freeze()
    for _ in range(3):  # the same operator on the same order: one url, opened three times
        page = links.open("TK4058960725", "李伟")
        assert page.status_code == 200
        assert shows(page.text, "TK4058960725", "李伟", "Customer service")
    assert links.open("TK4058960725", "王芳", "Finance").status_code == 200  # another operator, another url
    assert links.fetches == 2
    atrip_mock.clock.advance(1800 - 60)  # inside its margin: asked for again
    assert links.open("TK4058960725", "李伟").status_code == 200
    assert links.fetches == 3
    atrip_mock.clock.advance(1800 + 60)  # every url expired while idle
    assert links.open("TK4058960725", "王芳", "Finance").status_code == 200
    assert links.fetches == 4
    atrip_mock.assert_conformant()


def test_client_asks_again_when_the_portal_says_401(atrip_mock: ProviderMock) -> None:
    links = client(atrip_mock, lifetime=7200)  # believes urls live 2 hours: the portal corrects it
    atrip_mock.clock.freeze()
    first = links.link("BG7980393808", "Li Wei")
    atrip_mock.clock.advance(1800)
    page = links.open("BG7980393808", "Li Wei")
    assert page.status_code == 200
    assert links.fetches == 2
    assert links.link("BG7980393808", "Li Wei") != first
    atrip_mock.assert_conformant()


def test_client_asks_once_for_many_threads(atrip_mock: ProviderMock) -> None:
    links = client(atrip_mock)
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: links.open("TK4058960725", "Li Wei").status_code, range(24)))
    assert pages == [200] * 24
    assert links.fetches == 1
    atrip_mock.assert_conformant()


def test_a_client_without_accept_headers_is_flagged(atrip_mock: ProviderMock) -> None:
    links = client(atrip_mock, BareHeaders)
    assert links.open("TK4058960725", "Li Wei").status_code == 200  # the mock answers all the same
    found = atrip_mock.violations()
    assert {v.rule for v in found} == {"request-spec"}  # a missing Accept is not accept-not-any too
    assert all("Accept" in v.message for v in found), [v.message for v in found]
    with pytest.raises(AssertionError, match=r"\[error\] request-spec \(atrip\)"):
        atrip_mock.assert_conformant()


def test_a_client_accepting_only_json_is_warned(atrip_mock: ProviderMock) -> None:
    """Accept: application/json: only a warning (accept-not-any), not also a spec error."""
    links = client(atrip_mock, AcceptsJson)
    assert links.open("TK4058960725", "Li Wei").status_code == 200  # answered by default
    assert_flagged(atrip_mock, "accept-not-any", "'application/json'", "warning")


def test_a_client_sending_legacy_roles_is_flagged(atrip_mock: ProviderMock) -> None:
    links = client(atrip_mock, LegacyRoles)
    page = links.open("TK4058960725", "Li Wei", "Developer")
    assert page.status_code == 200
    assert shows(page.text, "Developer", "TECH")  # accepted, shown under its current name
    assert_flagged(atrip_mock, "legacy-role", "'TECH'", "warning")


def test_interception_of_the_real_host(
    provider_mocks_intercept: Interceptor, atrip_mock: ProviderMock
) -> None:
    """sandbox.atriptech.com answered in-process: gzip decoded, the portal url on the same host."""
    links = client(atrip_mock, base=REAL_HOST)
    atrip_mock.clock.freeze()
    url = links.link("TK4058960725", "李伟")
    assert url.startswith(f"{REAL_HOST}/atrip-portal/login?token=")
    page = links.open("TK4058960725", "李伟")
    assert page.status_code == 200
    assert shows(page.text, "TK4058960725", "李伟")
    atrip_mock.clock.advance(1800)
    assert links.http.get(url).status_code == 401  # the stale url, seen through the interception
    atrip_mock.assert_conformant()


def test_interception_answers_gzip(provider_mocks_intercept: Interceptor, atrip_mock: ProviderMock) -> None:
    links = client(atrip_mock, base=REAL_HOST)
    answer = links.http.post(
        REAL_HOST + "/getAtripToken.do",
        json={"orderNo": "TK4058960725", "userName": "Li Wei", "role": "Admin"},
        headers=links.headers(),
        stream=True,
    )
    raw = answer.raw.read(decode_content=False)
    assert answer.headers["Content-Encoding"] == "gzip"
    assert raw[:2] == b"\x1f\x8b"


def test_interception_flags_the_naive_clients_too(
    provider_mocks_intercept: Interceptor, atrip_mock: ProviderMock
) -> None:
    client(atrip_mock, BareHeaders, base=REAL_HOST).link("TK4058960725", "Li Wei")
    client(atrip_mock, LegacyRoles, base=REAL_HOST).link("TK4058960725", "Li Wei", "Finance")
    found = atrip_mock.violations()
    assert sorted(v.rule for v in found) == ["legacy-role", "request-spec"]
    assert (
        "Missing required header parameter: Accept"
        in next(v for v in found if v.rule == "request-spec").message
    )
