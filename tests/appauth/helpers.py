"""Small helpers shared by the appauth tests."""

from __future__ import annotations

from functools import partial
from typing import Any

import requests

from tests import support

TOKEN = "/auth/getAccessToken"
HELLO = "/auth/hello"
ADMIN = "/__admin/appauth"
JSON_UTF8 = support.JSON_UTF8


demo = partial(support.demo, "appauth")


def fetch(http: requests.Session, base_url: str, creds: dict[str, str]) -> dict[str, Any]:
    return support.fetch_by_app(http, f"{base_url}{TOKEN}", creds)


def token(http: requests.Session, base_url: str, role: str = "demo") -> str:
    return support.token_by_app(http, f"{base_url}{TOKEN}", demo(http, base_url, role), "result")


def hello(http: requests.Session, base_url: str, access: str | None) -> requests.Response:
    return http.get(f"{base_url}{HELLO}", params={} if access is None else {"accessToken": access})


def new_app(http: requests.Session, base_url: str, **fields: Any) -> dict[str, str]:
    """An app created through the admin API, as credentials."""
    created = http.post(f"{base_url}{ADMIN}/apps", json=fields)
    assert created.status_code == 201, created.text
    app = created.json()
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "result": None, "success": False}
