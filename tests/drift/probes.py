"""Each provider's probe: a client run that touches every behaviour the contract tests' deviating
servers break, recorded through the recorder. Unlike the demo flows it asserts nothing: a
deviating server's answers are what is recorded, whatever they are.

Time passes on the upstream's virtual clock (`Probe.later`), and the cassette's later exchanges
are moved as far (`moved`), as a recording that spanned those hours would have them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from tests.drift.helpers import Credentials, Got, Story, atrip_headers
from tests.sugon.helpers import AKSK, CENTER, RENEW, STATE, TOKENS, key_headers

HOUR = 3600.0


@dataclass
class Probe(Story):
    """A story whose upstream's clock can be moved: `shifts` are (exchanges before, seconds)."""

    upstream: str = ""
    shifts: list[tuple[int, float]] = field(default_factory=list)

    def later(self, seconds: float) -> None:
        requests.post(f"{self.upstream}/__admin/clock", json={"advance": seconds}, timeout=30)
        self.shifts.append((len(self.answers), seconds))

    def now(self) -> int:
        """The upstream's time, in whole seconds."""
        return int(requests.get(f"{self.upstream}/__admin/clock", timeout=30).json()["timestamp"])


def moved(cassette: Path, shifts: list[tuple[int, float]]) -> None:
    """Move each exchange recorded after a shift as far as the upstream's clock moved."""
    lines = cassette.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[1:], start=1):
        exchange = json.loads(line)
        ahead = sum(seconds for before, seconds in shifts if exchange["n"] > before)
        if ahead:
            exchange["time"] = (
                datetime.fromisoformat(exchange["time"]) + timedelta(seconds=ahead)
            ).isoformat()
            lines[i] = json.dumps(exchange, ensure_ascii=False)
    cassette.write_text("\n".join(lines) + "\n", encoding="utf-8")


def dug(got: Got, *path: str | int) -> Any:
    """The answer's value at `path`, None where it is not JSON or has no such place."""
    try:
        found = got.json()
        for step in path:
            found = found[step]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return found


def region_token(got: Got, cluster_id: str = "11250") -> str:
    """A Sugon token list's token of one region, "" where the answer has none."""
    listed = dug(got, "data")
    found = (e.get("token") for e in listed or [] if isinstance(e, dict) and e.get("clusterId") == cluster_id)
    return next((token for token in found if isinstance(token, str)), "")


def atrip(probe: Probe, credentials: Credentials) -> None:
    headers = atrip_headers(credentials["demo"])
    link = "/getAtripToken.do"
    body = {"orderNo": "TK4058960725", "userName": "李伟", "role": "Admin"}
    url = dug(probe.call("POST", link, headers=headers, json=body), "url")
    portal = url[url.index("/", url.index("//") + 2) :] if isinstance(url, str) else "/"
    probe.call("GET", portal)
    probe.call("POST", link, headers={**headers, "x-atlas-client-secret": "wrong"}, json=body)
    probe.call("POST", link, headers=headers, data=b"[1, 2]")
    probe.call("POST", link, headers=headers, json={**body, "role": "TICKETING"})
    probe.call("POST", link, headers={**headers, "Accept": "application/json"}, json=body)
    probe.later(29 * 60 + 59)
    probe.call("GET", portal)
    probe.later(1)
    probe.call("GET", portal)


def itrigger(probe: Probe, credentials: Credentials) -> None:
    demo = {"appId": credentials["demo"]["appId"], "appSecret": credentials["demo"]["appSecret"]}
    token = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
    call = "/itrigger-tenant/v1/basic/openAPItest/test"
    old = dug(probe.call("GET", token, params=demo), "data", "accessToken")
    probe.call("GET", f"{call}/get", params={"accessToken": old, "名字": "张三"})
    new = dug(probe.call("GET", token, params=demo), "data", "accessToken")
    probe.call("GET", f"{call}/get", params={"accessToken": old})
    probe.call("POST", f"{call}/post", params={"accessToken": new}, json={"a": 1})
    headers = {"Content-Type": "application/json"}
    probe.call("POST", f"{call}/post", params={"accessToken": new}, data=b"{not json", headers=headers)
    probe.later(1.5 * HOUR)
    probe.call("GET", f"{call}/get", params={"accessToken": new})


def appauth(probe: Probe, credentials: Credentials) -> None:
    demo = {"appId": credentials["demo"]["appId"], "appSecret": credentials["demo"]["appSecret"]}
    fetch = "/auth/getAccessToken"
    token = dug(probe.call("GET", fetch, params=demo), "result", "accessToken")
    probe.call("GET", "/auth/hello", params={"accessToken": token})
    probe.later(1000)
    for _ in range(21):  # 21 within the minute: the last is over the limit
        probe.call("GET", fetch, params=demo)
    probe.later(61)
    probe.call("GET", fetch, params=demo)
    probe.call("GET", fetch, params={"appId": demo["appId"]})


def sugon(probe: Probe, credentials: Credentials) -> None:
    demo, key, frozen = credentials["demo"], credentials["aksk"], credentials["frozen"]
    by_password = {k: demo[k] for k in ("user", "password", "orgId")}
    region = region_token(probe.call("POST", TOKENS, headers=by_password))
    probe.call("GET", STATE, headers={"token": region})
    probe.call("GET", STATE, headers={"token": "not.a.token"})
    probe.call("GET", CENTER, headers={"token": region})
    probe.call("GET", "/ac/openapi/v2/user", headers={"token": region})
    probe.call("POST", TOKENS, headers={k: frozen[k] for k in ("user", "password", "orgId")})
    probe.call("POST", TOKENS, headers={**by_password, "password": "wrong"})
    probe.call("POST", AKSK, headers=key_headers(key, probe.now()))
    probe.call("POST", AKSK, headers=key_headers(key, probe.now() - 360))
    probe.call("POST", AKSK, headers=key_headers({**key, "secretKey": "not-the-secret-key"}, probe.now()))
    probe.later(1.5 * HOUR)
    probe.call("GET", STATE, headers={"token": region})
    probe.later(46.5 * HOUR + 60)  # 24 h 1 min after the token's expiry
    probe.call("POST", RENEW, headers={"token": region})
    fresh = region_token(probe.call("POST", TOKENS, headers=by_password))
    probe.call("POST", RENEW, headers={"token": fresh})


def credential(probe: Probe, credentials: Credentials) -> None:
    demo = {
        "clientId": credentials["demo"]["clientId"],
        "secret": credentials["demo"]["secret"],
        "userType": "2",
    }
    fetch, echo = "/openapi/auth/credential", "/openapi/demo/echo"
    first = dug(probe.call("POST", fetch, data=demo), "data")
    probe.call("POST", echo, headers={"Access-Token": first, "Request-Id": "r-1"}, json={"名字": "张三"})
    probe.call("POST", echo, headers={"Access-Token": first}, json={})
    second = dug(probe.call("POST", fetch, params=demo), "data")
    probe.call("POST", echo, headers={"Access-Token": first, "Request-Id": "r-2"}, json={})
    probe.call("POST", fetch, json=demo)
    probe.call("POST", fetch, data={"clientId": demo["clientId"]})
    probe.later(1.5 * HOUR)
    probe.call("POST", echo, headers={"Access-Token": second, "Request-Id": "r-3"}, json={})
    probe.later(HOUR)
    probe.call("POST", echo, headers={"Access-Token": second, "Request-Id": "r-4"}, json={})


PROBES: dict[str, Callable[[Probe, Credentials], None]] = {
    "atrip": atrip,
    "itrigger": itrigger,
    "appauth": appauth,
    "sugon": sugon,
    "credential": credential,
}
