"""Every provider under `/<slug>` as well as at its real paths; a prefixed provider (one whose real
paths another's share, as WeChat's and WeCom's `/cgi-bin/`) by its real hosts and its prefix
only. The prefixed one here is iTrigger built by hand with `prefixed=True`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from provider_mocks import create_app, get_mocks
from provider_mocks.cli import banner
from provider_mocks.contracts.target import open_target
from provider_mocks.core.plugins import load
from provider_mocks.core.server import LiveServer
from provider_mocks.testing import intercept

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
CALL = "/itrigger-tenant/v1/basic/openAPItest/test/get"
APPAUTH_TOKEN = "/auth/getAccessToken"
HOST = "gateway-dev.itrigger.cn"


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with LiveServer(create_app(providers=["itrigger", "appauth"])) as server:
        yield server.url


@pytest.fixture(scope="module")
def prefixed() -> Iterator[str]:
    """iTrigger as a prefixed provider, and appauth served at the root beside it."""
    app = create_app(providers=[replace(load("itrigger"), prefixed=True), "appauth"])
    with LiveServer(app) as server:
        yield server.url


def demo(base_url: str, slug: str = "itrigger") -> dict[str, str]:
    listed = requests.get(f"{base_url}/__admin/providers", timeout=10).json()["providers"]
    found = next(p for p in listed if p["slug"] == slug)["credentials"]["demo"]
    return {k: found[k] for k in ("appId", "appSecret")}


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=10, allow_redirects=False, **kwargs)


def test_a_provider_at_the_root_answers_under_its_slug_too(served: str) -> None:
    token = get(f"{served}/itrigger{TOKEN}", params=demo(served)).json()["data"]["accessToken"]
    # the same provider's state, by either path
    assert get(served + CALL, params={"accessToken": token}).json()["code"] == 200
    # another provider's path under this one's slug is nobody's
    assert get(f"{served}/itrigger{APPAUTH_TOKEN}", params=demo(served, "appauth")).status_code == 404


def test_a_prefixed_provider_answers_by_its_host_and_under_its_slug_only(prefixed: str, served: str) -> None:
    params = demo(prefixed)
    token = get(prefixed + TOKEN, params=params, headers={"Host": f"{HOST}:443"}).json()["data"][
        "accessToken"
    ]
    assert get(f"{prefixed}/itrigger{CALL}", params={"accessToken": token}).json()["code"] == 200
    # at the root without its host the path is nobody's: it would be ambiguous with a twin's
    assert get(prefixed + TOKEN, params=params).status_code == 404
    # an unknown path of its own is answered as the provider served at the root answers it
    unknown = get(f"{prefixed}/itrigger/itrigger-tenant/nothing-here", headers={"Host": HOST})
    at_root = get(f"{served}/itrigger-tenant/nothing-here")
    assert (unknown.status_code, unknown.content) == (at_root.status_code, at_root.content)
    # the provider served at the root beside it is untouched, by any host
    appauth = demo(prefixed, "appauth")
    assert get(prefixed + APPAUTH_TOKEN, params=appauth, headers={"Host": HOST}).json()["code"] == 200


def test_the_admin_api_lists_each_providers_prefix_and_mount(prefixed: str) -> None:
    listed = {
        p["slug"]: p for p in requests.get(f"{prefixed}/__admin/providers", timeout=10).json()["providers"]
    }
    assert (listed["itrigger"]["prefix"], listed["itrigger"]["mount"]) == ("/itrigger", "/itrigger")
    assert listed["itrigger"]["base_path"] == "/itrigger-tenant"  # its real path
    assert HOST in listed["itrigger"]["hosts"]
    assert (listed["appauth"]["prefix"], listed["appauth"]["mount"]) == ("/appauth", "")


def test_a_prefixed_providers_requests_are_audited_against_its_real_paths() -> None:
    app = create_app(providers=[replace(load("itrigger"), prefixed=True)])
    client = app.test_client()
    params = demo_of(app)
    assert client.get(TOKEN, query_string={**params, "stray": "1"}, headers={"Host": HOST}).status_code == 200
    said = [v.message for v in get_mocks(app).violations("itrigger")]
    assert any("stray" in message for message in said), said


def demo_of(app: Any) -> dict[str, str]:
    found = get_mocks(app).model("itrigger").demo_credentials()["demo"]
    return {k: found[k] for k in ("appId", "appSecret")}


def test_verify_and_interception_reach_a_prefixed_provider(prefixed: str) -> None:
    with open_target("itrigger", prefixed) as target:
        assert target.root == f"{prefixed}/itrigger"
        assert target.request("GET", TOKEN, params=demo(prefixed)).json()["code"] == 200
    app = create_app(providers=[replace(load("itrigger"), prefixed=True)])
    with intercept(app):
        answer = requests.get(f"https://{HOST}{TOKEN}", params=demo_of(app), timeout=10).json()
    assert answer["code"] == 200


def test_a_link_a_provider_builds_under_its_slug_works() -> None:
    """ATRIP's portal link, asked for under `/atrip`, opens the portal; the journal keeps the real paths."""
    app = create_app(providers=["atrip"])
    with LiveServer(app) as server:
        demo = get_mocks(app).model("atrip").demo_credentials()["demo"]
        headers = {k: demo[k] for k in ("x-atlas-client-id", "x-atlas-client-secret")}
        body = {"orderNo": "TK4058960725", "userName": "李伟", "role": "Admin"}
        link = requests.post(f"{server.url}/atrip/getAtripToken.do", json=body, headers=headers, timeout=10)
        assert link.json()["status"] == 0
        assert get(link.json()["url"]).status_code == 200
        paths = [e["path"] for e in get_mocks(app).journal.entries("atrip")]
    assert paths[0] == "/getAtripToken.do"


def test_the_banner_shows_where_a_prefixed_provider_is() -> None:
    app = create_app(providers=[replace(load("itrigger"), prefixed=True), "appauth"])
    shown = banner(app, "http://127.0.0.1:8700")
    assert "http://127.0.0.1:8700/itrigger/itrigger-tenant" in shown
    assert "http://127.0.0.1:8700/auth" in shown
