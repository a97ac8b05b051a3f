"""Small helpers shared by the iTrigger tests."""

from __future__ import annotations

from functools import partial
from typing import Any

import requests

from tests import support

TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"
POST_API = "/itrigger-tenant/v1/basic/openAPItest/test/post"


demo = partial(support.demo, "itrigger")


def fetch(http: requests.Session, base_url: str, creds: dict[str, str]) -> dict[str, Any]:
    return support.fetch_by_app(http, f"{base_url}{TOKEN}", creds)


def token(http: requests.Session, base_url: str, role: str = "demo") -> str:
    return support.token_by_app(http, f"{base_url}{TOKEN}", demo(http, base_url, role), "data")


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "data": None}
