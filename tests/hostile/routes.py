"""The routes hostile inputs go to, listed from the app's URL map, and the well-formed request
each input starts from.

That request carries the provider's credentials (and a token where the route wants one), so
an input that breaks the body or one header reaches past the credential checks to the code
that reads what it broke.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from provider_mocks import create_app
from provider_mocks.contracts.expect import spec
from provider_mocks.core.plugins import SLUGS, load
from provider_mocks.providers.atrip.models import PORTAL_PREFIX
from tests.sugon.helpers import sign

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    """A provider route: a path it matches and the method documented for it (else GET)."""

    slug: str
    path: str
    method: str

    @property
    def portal(self) -> bool:
        """ATRIP's portal answers HTML pages of its own."""
        return self.path.startswith(PORTAL_PREFIX)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def provider_routes() -> list[Route]:
    """Every rule of every provider: each documented operation it serves, else its path with
    `x` for each variable part, with GET."""
    app = create_app()
    urls = app.url_map.bind("mock.test")
    found: list[Route] = []
    for rule in app.url_map.iter_rules():
        slug = rule.endpoint.partition(".")[0]
        if slug not in SLUGS:
            continue
        mount = load(slug).mount  # a prefixed provider's real paths are served under it
        documented = [
            Route(slug, mount + path, method.upper())
            for path, operations in spec(slug).raw_schema["paths"].items()
            for method in operations
            if method in METHODS and urls.match(mount + path, method.upper(), return_rule=True)[0] is rule
        ]
        found += documented or [Route(slug, re.sub(r"<[^>]+>", "x", rule.rule), "GET")]
    return found


@dataclass(frozen=True)
class Plain:
    """A well-formed request to a route; each hostile input is this with something broken."""

    method: bytes
    path: bytes
    query: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    content_type: bytes

    def raw(
        self,
        *,
        method: bytes | None = None,
        target: bytes | None = None,
        query: bytes | None = None,
        version: bytes = b"HTTP/1.1",
        host: bytes | None = b"mock.test",
        headers: tuple[tuple[bytes, bytes], ...] | None = None,
        more: tuple[bytes, ...] = (),
        content_type: bytes | None = None,
        body: bytes | None = None,
        length: bool = True,
        close: bool = True,
    ) -> bytes:
        """The request's bytes with the parts given replaced: `headers` its own headers, `more`
        header lines added as they are, `content_type` the body's (b"": none). A Content-Length
        for the body unless `length` is false (the input then frames the body itself);
        `Connection: close` unless `close` is false."""
        query = self.query if query is None else query
        target = target if target is not None else self.path + (b"?" + query if query else b"")
        body = self.body if body is None else body
        content_type = self.content_type if content_type is None else content_type
        lines = [(method or self.method) + b" " + target + b" " + version]
        lines += [b"Host: " + host] if host is not None else []
        lines += [name + b": " + value for name, value in (self.headers if headers is None else headers)]
        lines += [b"Content-Type: " + content_type] if content_type else []
        lines += more
        lines += [b"Content-Length: %d" % len(body)] if length and body else []
        lines += [b"Connection: close"] if close else []
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


@dataclass(frozen=True)
class Credentials:
    """What a provider's routes need to get past their credential checks."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    #: The JSON body of its POST routes.
    body: Mapping[str, Any]


def _atrip(url: str, creds: dict[str, Any]) -> Credentials:
    demo = creds["demo"]
    headers = {"Accept": "*/*"} | {k: demo[k] for k in ("x-atlas-client-id", "x-atlas-client-secret")}
    order = {"orderNo": "TK1", "userName": "hostile", "role": "Developer"}
    portal = requests.post(f"{url}/getAtripToken.do", json=order, headers=headers, timeout=10).json()["url"]
    return Credentials(headers, {"token": parse_qs(urlsplit(portal).query)["token"][0]}, order)


def _itrigger(url: str, creds: dict[str, Any]) -> Credentials:
    """The token route takes another app's credentials: its fetches must not overwrite the token."""
    demo, other = (
        {"appId": c["appId"], "appSecret": c["appSecret"]} for c in (creds["demo"], creds["get_only"])
    )
    answer = requests.get(f"{url}/itrigger-tenant/v1/basic/accessTokenOpen/token", params=demo, timeout=10)
    return Credentials({}, other | {"accessToken": answer.json()["data"]["accessToken"]}, {"echo": "x"})


def _appauth(url: str, creds: dict[str, Any]) -> Credentials:
    demo = {"appId": creds["demo"]["appId"], "appSecret": creds["demo"]["appSecret"]}
    token = requests.get(f"{url}/auth/getAccessToken", params=demo, timeout=10).json()["result"][
        "accessToken"
    ]
    return Credentials({}, demo | {"accessToken": token}, {})


def _sugon(url: str, creds: dict[str, Any]) -> Credentials:
    login = {k: creds["demo"][k] for k in ("user", "password", "orgId")}
    token = requests.post(f"{url}/ac/openapi/v2/tokens", headers=login, timeout=10).json()["data"][0]["token"]
    key, stamp = creds["aksk"], str(int(time.time()))
    signature = sign(key["accessKey"], stamp, key["user"], key["secretKey"])
    aksk = {"accessKey": key["accessKey"], "timestamp": stamp, "signature": signature}
    return Credentials(login | aksk | {"token": token}, {}, {})


def _credential(url: str, creds: dict[str, Any]) -> Credentials:
    demo = {"clientId": creds["demo"]["clientId"], "secret": creds["demo"]["secret"], "userType": "2"}
    token = requests.post(f"{url}/openapi/auth/credential", params=demo, timeout=10).json()["data"]
    return Credentials({"Access-Token": token, "Request-Id": "hostile"}, demo, {"echo": "x"})


def _wecom(url: str, creds: dict[str, Any]) -> Credentials:
    """Its routes are under /wecom (its real paths are WeChat's too)."""
    demo = {"corpid": creds["demo"]["corpid"], "corpsecret": creds["demo"]["corpsecret"]}
    token = requests.get(f"{url}/wecom/cgi-bin/gettoken", params=demo, timeout=10).json()["access_token"]
    return Credentials({}, demo | {"access_token": token}, {})


def _wechat(url: str, creds: dict[str, Any]) -> Credentials:
    """Its routes are under /wechat (its real paths are WeCom's too). The token routes take another
    account's credentials: their fetches must not replace the token the other routes send."""
    demo, second = creds["demo"], creds["second"]
    own = {"grant_type": "client_credential", "appid": second["appid"], "secret": second["secret"]}
    fetched = {"grant_type": "client_credential", "appid": demo["appid"], "secret": demo["secret"]}
    token = requests.get(f"{url}/wechat/cgi-bin/token", params=fetched, timeout=10).json()["access_token"]
    body = {**own, "appsecret": second["secret"], "cgi_path": "/cgi-bin/token"}
    return Credentials({}, own | {"access_token": token}, body)


def _dingtalk(url: str, creds: dict[str, Any]) -> Credentials:
    """Both generations' credentials: the legacy query's, the new body's and header's."""
    key, secret = creds["demo"]["appkey"], creds["demo"]["appsecret"]
    token = requests.get(f"{url}/gettoken", params={"appkey": key, "appsecret": secret}, timeout=10).json()
    return Credentials(
        {"x-acs-dingtalk-access-token": token["access_token"]},
        {"appkey": key, "appsecret": secret, "access_token": token["access_token"]},
        {"appKey": key, "appSecret": secret},
    )


def _feishu(url: str, creds: dict[str, Any]) -> Credentials:
    """The token routes take the app's JSON body; get bot info, its token as a Bearer."""
    demo = {"app_id": creds["demo"]["app_id"], "app_secret": creds["demo"]["app_secret"]}
    path = "/open-apis/auth/v3/tenant_access_token/internal"
    token = requests.post(f"{url}{path}", json=demo, timeout=10).json()["tenant_access_token"]
    return Credentials({"Authorization": f"Bearer {token}"}, {}, demo)


CREDENTIALS: dict[str, Callable[[str, dict[str, Any]], Credentials]] = {
    "atrip": _atrip,
    "itrigger": _itrigger,
    "appauth": _appauth,
    "sugon": _sugon,
    "credential": _credential,
    "wecom": _wecom,
    "wechat": _wechat,
    "dingtalk": _dingtalk,
    "feishu": _feishu,
}


def plain_requests(url: str) -> dict[Route, Plain]:
    """The well-formed request to each route of the server at `url`, with fresh tokens."""
    listed = requests.get(f"{url}/__admin/providers", timeout=10).json()["providers"]
    given = {p["slug"]: CREDENTIALS[p["slug"]](url, p["credentials"]) for p in listed}
    plain = {}
    for route in provider_routes():
        creds = given[route.slug]
        body = json.dumps(creds.body).encode() if route.method == "POST" and creds.body else b""
        plain[route] = Plain(
            route.method.encode(),
            route.path.encode(),
            urlencode(creds.query).encode(),
            tuple((k.encode(), v.encode()) for k, v in creds.headers.items()),
            body,
            b"application/json" if body else b"",
        )
    return plain
