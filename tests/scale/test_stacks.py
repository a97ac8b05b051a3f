"""Every serving stack reads real clients' requests alike: raw UTF-8 in the request line, and
the host and scheme a client used behind a reverse proxy (a real nginx on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests

from provider_mocks.contracts.registry import contracts_for
from provider_mocks.contracts.runner import run_case
from provider_mocks.contracts.target import open_target
from tests.nginx import Tell, reverse_proxy
from tests.rawhttp import raw_request
from tests.support import demo

from .helpers import STACKS, serving

#: Each with a UTF-8 byte Python's str.split takes for whitespace when read as Latin-1:
#: 张 E5 BC A0, Ņ C5 85, à C3 A0, … E2 80 A6; 李四 has none.
NAMES = ["张三", "李四", "Ņ", "à", "…"]

ECHO = "/itrigger-tenant/v1/basic/openAPItest/test/get"


@pytest.fixture(scope="module", params=list(STACKS), ids=list(STACKS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(*STACKS[request.param]) as url:
        yield url


@pytest.fixture
def itrigger_token(base_url: str) -> str:
    creds = demo("itrigger", requests.Session(), base_url)
    answer = requests.get(
        f"{base_url}/itrigger-tenant/v1/basic/accessTokenOpen/token",
        params={"appId": creds["appId"], "appSecret": creds["appSecret"]},
        timeout=10,
    )
    token: str = answer.json()["data"]["accessToken"]
    return token


def _raw_get(base_url: str, target: bytes) -> tuple[int, bytes, Any]:
    status, head, body = raw_request(base_url, b"GET " + target + b" HTTP/1.1")
    return status, head, json.loads(body)


@pytest.mark.parametrize("name", NAMES)
def test_raw_utf8_in_the_query_reads_as_percent_encoded(
    base_url: str, itrigger_token: str, name: str
) -> None:
    target = f"{ECHO}?accessToken={itrigger_token}&name="
    raw_status, raw_head, raw = _raw_get(base_url, target.encode() + name.encode())
    encoded_status, _, encoded = _raw_get(base_url, (target + quote(name)).encode())
    assert (raw_status, encoded_status) == (200, 200)
    assert b"content-type: application/json;charset=utf-8" in raw_head.lower()
    assert raw == encoded == {"code": 200, "message": "操作成功", "data": {"name": name}}


def test_raw_utf8_in_the_path_reads_as_percent_encoded(base_url: str) -> None:
    path = "/ac/" + "/".join(NAMES)
    requests.delete(f"{base_url}/__admin/requests", timeout=10)
    raw_status, _, raw = _raw_get(base_url, path.encode())
    encoded_status, _, encoded = _raw_get(base_url, quote(path).encode())
    assert (raw_status, encoded_status) == (404, 404)
    assert raw == encoded == {"code": "404", "msg": "接口不存在", "data": None}
    journal = requests.get(f"{base_url}/__admin/requests", timeout=10).json()["requests"]
    assert [entry["path"] for entry in journal] == [path, path]


@pytest.mark.parametrize(
    "target",
    [b"//ac/openapi/v2/tokens", b"/ac//openapi/v2/tokens", b"///ac/openapi//v2/tokens?x=1"],
)
def test_runs_of_slashes_read_as_one(base_url: str, target: bytes) -> None:
    """A base URL ending in / joined to a path starting with one (a public Go SDK of SCNet)."""
    creds = demo("sugon", requests.Session(), base_url)
    headers = "".join(f"{name}: {creds[name]}\r\n" for name in ("user", "password", "orgId")).encode()
    status, _, body = raw_request(base_url, b"POST " + target + b" HTTP/1.1", headers)
    assert status == 200
    assert json.loads(body)["code"] == "0"


# -- behind a reverse proxy ---------------------------------------------------------------------


def _portal_url(base: str, session: requests.Session, told: dict[str, str] | None = None) -> str:
    """The portal URL a token request answers; `told`: forwarded headers sent with that request only."""
    creds = demo("atrip", session, base)
    answer = session.post(
        f"{base}/getAtripToken.do",
        headers={
            "Accept": "*/*",
            "x-atlas-client-id": creds["x-atlas-client-id"],
            "x-atlas-client-secret": creds["x-atlas-client-secret"],
            **(told or {}),
        },
        json={"orderNo": "TK1", "userName": "Li Wei", "role": "Finance"},
        timeout=10,
    )
    url: str = answer.json()["url"]
    return url


def _center_urls(base: str, session: requests.Session) -> list[str]:
    creds = demo("sugon", session, base)
    listed = session.post(
        f"{base}/ac/openapi/v2/tokens",
        headers={"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"]},
        timeout=10,
    ).json()["data"]
    platform = next(entry["token"] for entry in listed if entry["clusterId"] == "0")
    center = session.get(f"{base}/ac/openapi/v2/center", headers={"token": platform}, timeout=10).json()
    assert center["code"] == "0", center
    return [entry["url"] for value in center["data"].values() if isinstance(value, list) for entry in value]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize(
    ("tell", "tls"),
    [("x-forwarded", False), ("x-forwarded", True), ("forwarded", False), ("forwarded", True)],
)
def test_built_urls_point_at_what_the_client_used(base_url: str, tell: Tell, tls: bool) -> None:
    with reverse_proxy(base_url, tell=tell, tls=tls) as proxy, requests.Session() as session:
        session.trust_env = False  # no CA bundle from the environment: the proxy's own certificate
        session.verify = proxy.certificate or True
        portal = _portal_url(proxy.url, session)
        urls = _center_urls(proxy.url, session)
        assert _origin(portal) == proxy.url
        assert urls
        assert {_origin(url) for url in urls} == {proxy.url}
        page = session.get(portal, timeout=10)  # the portal opens through the proxy
        assert page.status_code == 200
        assert "TK1" in page.text


def test_a_proxy_that_tells_nothing_gets_the_upstream_address(base_url: str) -> None:
    with reverse_proxy(base_url, tell="nothing") as proxy, requests.Session() as session:
        assert _origin(_portal_url(proxy.url, session)) == base_url
        assert {_origin(url) for url in _center_urls(proxy.url, session)} == {base_url}


def test_forwarded_headers_from_an_untrusted_address_are_ignored() -> None:
    with (
        serving("--forwarded-allow-ips", "192.0.2.1,2001:db8::/32") as upstream,
        reverse_proxy(upstream, tell="x-forwarded") as proxy,
        requests.Session() as session,
    ):
        assert _origin(_portal_url(proxy.url, session)) == upstream
        assert {_origin(url) for url in _center_urls(proxy.url, session)} == {upstream}


def test_a_loopback_client_is_a_trusted_proxy_by_default(base_url: str) -> None:
    """On the provider's paths; the admin API refuses a host it does not know (test_admin_guard.py)."""
    with requests.Session() as session:
        told = {"X-Forwarded-Host": "mocks.example:8443", "X-Forwarded-Proto": "https"}
        assert _origin(_portal_url(base_url, session, told)) == "https://mocks.example:8443"
        told = {"Forwarded": 'for=192.0.2.60;proto=http;host="a.example", proto=https;host=b.example'}
        assert _origin(_portal_url(base_url, session, told)) == "https://b.example"


def test_the_center_contract_passes_behind_a_transparent_proxy(base_url: str) -> None:
    with reverse_proxy(base_url) as proxy, open_target("sugon", proxy.url) as target:
        results = [run_case(target, case) for case in contracts_for("sugon") if case.id.startswith("center.")]
    assert results
    assert [(r.id, r.reason) for r in results if r.outcome != "pass"] == []
