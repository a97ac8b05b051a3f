"""Small helpers shared by the ATRIP tests."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import requests

from tests import support

TOKEN = "/getAtripToken.do"
PORTAL = "/atrip-portal/login"
ID, SECRET = "x-atlas-client-id", "x-atlas-client-secret"
JSON_UTF8 = support.JSON_UTF8
HTML_UTF8 = "text/html; charset=utf-8"

#: A documented body (the current role spelling).
BODY = {"orderNo": "TK0000000001", "userName": "Li Wei", "role": "Customer service"}


demo = partial(support.demo, "atrip")


def headers(creds: dict[str, str] | None = None, **extra: str | None) -> dict[str, str | None]:
    """The documented headers for `creds` (none: no client id/secret), plus `extra` (None: not sent)."""
    sent: dict[str, str | None] = {
        "Accept": "*/*",  # [public, observed by clients]: Atlas rejects application/json
        "Content-Type": "application/json",
        "Accept-Encoding": "gzip",
    }
    if creds is not None:
        sent |= {ID: creds[ID], SECRET: creds[SECRET]}
    return sent | extra


def post(
    http: requests.Session,
    base_url: str,
    creds: dict[str, str] | None,
    body: Any = None,
    **extra: str | None,
) -> requests.Response:
    """POST a token request: `body` as JSON (bytes as they are; None: BODY), the documented headers."""
    data = body if isinstance(body, bytes) else json.dumps(BODY if body is None else body).encode()
    return http.post(f"{base_url}{TOKEN}", data=data, headers=headers(creds, **extra))


def fetch(
    http: requests.Session, base_url: str, role: str = "demo", body: Any = None, **extra: str | None
) -> dict[str, Any]:
    """The answer (decoded) of a demo client's token request."""
    answer = post(http, base_url, demo(http, base_url, role), body, **extra)
    assert answer.status_code == 200, answer.text
    envelope: dict[str, Any] = answer.json()
    return envelope


def portal_url(http: requests.Session, base_url: str, role: str = "demo", body: Any = None) -> str:
    envelope = fetch(http, base_url, role, body)
    assert envelope["status"] == 0, envelope
    url: str = envelope["url"]
    return url


def error(status: int, msg: str) -> dict[str, Any]:
    return {"url": "", "status": status, "msg": msg}
