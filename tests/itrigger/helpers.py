"""Small helpers shared by the iTrigger tests."""

from __future__ import annotations

from typing import Any

import requests

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"
POST_API = "/itrigger-tenant/v1/basic/openAPItest/test/post"


def demo(http: requests.Session, base_url: str, role: str = "demo") -> dict[str, str]:
    """A demo credential as the admin API lists it."""
    listed = http.get(f"{base_url}/__admin/providers").json()["providers"]
    creds: dict[str, str] = next(p for p in listed if p["slug"] == "itrigger")["credentials"][role]
    return creds


def fetch(http: requests.Session, base_url: str, creds: dict[str, str]) -> dict[str, Any]:
    answer = http.get(f"{base_url}{TOKEN}", params={"appId": creds["appId"], "appSecret": creds["appSecret"]})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def token(http: requests.Session, base_url: str, role: str = "demo") -> str:
    body = fetch(http, base_url, demo(http, base_url, role))
    assert body["code"] == 200, body
    value: str = body["data"]["accessToken"]
    return value


def clock(http: requests.Session, base_url: str, **change: Any) -> dict[str, Any]:
    answer = http.post(f"{base_url}/__admin/clock", json=change)
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "data": None}
