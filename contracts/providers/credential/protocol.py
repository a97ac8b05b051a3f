"""The credential platform's requests and answers as its documentation gives them, for its contract."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import requests

from ...expect import Predicate, because, expect, refused
from ...registry import Send
from ...target import Target

P = "credential"
TOKEN = "/openapi/auth/credential"
ECHO = "/openapi/demo/echo"
LIFETIME = 7200

#: An address no loopback runner has: the documentation range TEST-NET-3.
ELSEWHERE = "203.0.113.0/24"

JWT: Predicate = (
    lambda d: isinstance(d, str) and re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){2}", d) is not None,
    "a JWT string (header.payload.signature)",
)
MILLIS: Predicate = (
    lambda v: type(v) is int and 10**12 <= v < 10**13,
    "milliseconds since the epoch (a 13-digit integer)",
)


# -- requests ----------------------------------------------------------------------------


def params(creds: dict[str, Any], **change: str | None) -> dict[str, str]:
    """The three documented parameters for `creds`; a None in `change` leaves one out."""
    found = {"clientId": creds["clientId"], "secret": creds["secret"], "userType": "2", **change}
    return {k: v for k, v in found.items() if v is not None}


def fetch(t: Target, query: dict[str, str]) -> requests.Response:
    """A token request, the parameters in the query string (the documentation's 'Params')."""
    return t.request("POST", TOKEN, params=query)


def app_fetch(app: str, **change: str | None) -> Send:
    """A token request of the target's `app`, its parameters `change`d as `params` does."""
    return lambda t: fetch(t, params(t.creds(app), **change))


def call(
    t: Target, access: str | None, body: Any = None, request_id: str | None = "", path: str = ECHO
) -> requests.Response:
    """A business call with its two headers; "" a fresh Request-Id, None leaves a header out."""
    headers = {}
    if access is not None:
        headers["Access-Token"] = access
    if request_id is not None:
        headers["Request-Id"] = request_id or uuid.uuid4().hex
    return t.request("POST", path, headers=headers, json={} if body is None else body)


# -- answers -----------------------------------------------------------------------------


def success(response: requests.Response, data: Any) -> dict[str, Any]:
    """code 200, message null, ok true [public example]; `data` the operation's result."""
    return expect(response, P, code=200, message=None, data=data, timestamp=MILLIS, ok=True)


def error(code: int, message: str) -> dict[str, Any]:
    """An error: the same envelope with the code's message, data null and ok false [public]."""
    return {"code": code, "message": message, "data": None, "timestamp": MILLIS, "ok": False}


#: The codes' envelopes, each message as the provider writes it.
MISSING = error(10131, "缺少必要请求参数！")
UNKNOWN_CLIENT = error(10101, "非法的ApiKey，请联系接口对接人！")
WRONG_SECRET = error(10102, "您的应用Secret Key错误！")
APP_DISABLED = error(10103, "您的应用已被禁用，请联系接口对接人！")
PARTNER_DISABLED = error(10104, "合作方已禁用，请联系接口对接人！")
IP_REFUSED = error(10106, "您的IP地址受限，请联系接口对接人！")
NOT_GRANTED = error(10133, "请求接口未授权，请联系接口对接人！")
TOKEN_INVALID = error(10134, "非法的AccessToken或已失效，请重新获取！")
NOT_SUPPORTED = error(405, "请求方法不支持")


def token(t: Target, creds: dict[str, Any]) -> str:
    value: str = success(fetch(t, params(creds)), JWT)["data"]
    return value


def works(t: Target, access: str, why: str) -> None:
    """The token is accepted by the demo API; else the deviation says `why` first."""
    body = {"n": 1, "名称": "测试"}
    with because(why):
        success(call(t, access, body), body)


def fails(t: Target, access: str, why: str) -> None:
    """The token is refused with 10134; else the deviation says `why` first."""
    with because(why):
        refused(call(t, access), P, TOKEN_INVALID)


def fresh_app(t: Target, **app: Any) -> dict[str, Any]:
    """A new app with a partner of its own, made through the admin API: no other case shares it."""
    made = t.admin_call("POST", f"/{P}/apps", json=app)
    return {"clientId": made["client_id"], "secret": made["secret"], "partner": made["partner"]}


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
