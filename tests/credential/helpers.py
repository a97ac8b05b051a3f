"""Small helpers shared by the credential tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

import requests

from tests import support

TOKEN = "/openapi/auth/credential"
ECHO = "/openapi/demo/echo"
ADMIN = "/__admin/credential"
JSON_UTF8 = support.JSON_UTF8

SHANGHAI = timezone(timedelta(hours=8))
#: The instant the HTTP tests freeze the clock at, and its `timestamp` in milliseconds.
NOON = datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI)
NOON_MS = 1772337600000


demo = partial(support.demo, "credential")


def params(creds: dict[str, str], **extra: str) -> dict[str, str]:
    """The token request's three parameters for `creds`."""
    return {"clientId": creds["clientId"], "secret": creds["secret"], "userType": "2", **extra}


def fetch(http: requests.Session, base_url: str, creds: dict[str, str]) -> dict[str, Any]:
    """A token request with the parameters in the query string, its envelope."""
    return support.envelope(http.post(f"{base_url}{TOKEN}", params=params(creds)))


def token(http: requests.Session, base_url: str, role: str = "demo") -> str:
    body = fetch(http, base_url, demo(http, base_url, role))
    assert body["code"] == 200, body
    value: str = body["data"]
    return value


def echo(
    http: requests.Session,
    base_url: str,
    access: str | None,
    body: Any = None,
    request_id: str | None = "req-0001",
    path: str = ECHO,
) -> requests.Response:
    """A business call; None leaves the header out."""
    headers = {}
    if access is not None:
        headers["Access-Token"] = access
    if request_id is not None:
        headers["Request-Id"] = request_id
    return http.post(f"{base_url}{path}", headers=headers, json=body)


def freeze_at_noon(http: requests.Session, base_url: str) -> None:
    support.clock(http, base_url, set=NOON.isoformat(), freeze=True)


def error(code: int, message: str, timestamp: int = NOON_MS) -> bytes:
    """An error answer's exact bytes, as the platform writes them."""
    return (
        f'{{"code":{code},"message":"{message}","_trackId":null,"data":null,'
        f'"extr":null,"timestamp":{timestamp},"_status":null,"ok":false}}'
    ).encode()


def admin(http: requests.Session, base_url: str, method: str, path: str, status: int, **kwargs: Any) -> Any:
    """An admin call that must answer `status`; its JSON."""
    answer = http.request(method, f"{base_url}{ADMIN}{path}", **kwargs)
    assert answer.status_code == status, answer.text
    return answer.json()
