"""appauth's requests and answers as its documentation gives them, for every part of its contract."""

from __future__ import annotations

import re
from typing import Any

import requests

from ...expect import Deviation, Predicate, expect, is_string
from ...target import Target

P = "appauth"
TOKEN = "/auth/getAccessToken"
HELLO = "/auth/hello"
OK = "操作成功"
#: [decided] tokens live 7200 s; each app may fetch 20 times in a 60-second window.
LIFETIME = 7200
RATE_LIMIT = 20
RATE_WINDOW = 60
#: [decided] expireTime: RFC 3339, whole seconds, in +08:00.
EXPIRE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")


def result_problems(value: Any) -> list[str]:
    """Each way a token answer's result differs from the documented fields, one line each."""
    if not isinstance(value, dict):
        return [f"result is {value!r}, documented an object {{accessToken, expireTime, expiresIn}}"]
    fields = ["accessToken", "expireTime", "expiresIn"]
    found = [] if list(value) == fields else [f"result's keys are {list(value)}, documented {fields}"]
    access, expiry, left = (value.get(name, "<missing>") for name in fields)
    if not isinstance(access, str) or access in ("", "<missing>"):
        found.append(f"result.accessToken is {access!r}, documented a non-empty string")
    if not isinstance(expiry, str) or EXPIRE_TIME.fullmatch(expiry) is None:
        found.append(f"result.expireTime is {expiry!r}, documented an RFC 3339 date-time in +08:00")
    if type(left) is not int or left < 1:
        found.append(f"result.expiresIn is {left!r}, documented an integer of seconds, 1 or more")
    return found


TOKEN_RESULT: Predicate = (
    lambda value: not result_problems(value),
    '{"accessToken": <non-empty string>, "expireTime": <RFC 3339 date-time in +08:00>, '
    '"expiresIn": <integer seconds, 1 or more>}',
)


def token_answer(response: requests.Response) -> dict[str, Any]:
    """A successful token answer, checked whole; a deviation names each result field that differs."""
    try:
        body = expect(response, P, code=200, message=OK, result=TOKEN_RESULT, success=True)
    except Deviation as exc:
        try:
            sent = response.json()
        except ValueError:
            raise exc from None
        detail = result_problems(sent.get("result")) if isinstance(sent, dict) and "result" in sent else []
        raise Deviation("; ".join([*detail, str(exc)])) from None
    result: dict[str, Any] = body["result"]
    return result


def fetch(t: Target, creds: dict[str, Any], method: str = "GET", **request: Any) -> requests.Response:
    params = {"appId": creds["appId"], "appSecret": creds["appSecret"]}
    return t.request(method, TOKEN, params=params, **request)


def token(t: Target, creds: dict[str, Any], **request: Any) -> dict[str, Any]:
    """A fetch that succeeds, checked whole; its result: accessToken, expireTime, expiresIn."""
    return token_answer(fetch(t, creds, **request))


def hello(t: Target, access: str | None) -> requests.Response:
    return t.request("GET", HELLO, params={} if access is None else {"accessToken": access})


def valid(t: Target, access: str, greeting: Any = None) -> None:
    expect(hello(t, access), P, code=200, message=OK, result=greeting or is_string(), success=True)


def error(code: int, message: str) -> dict[str, Any]:
    """The error envelope: the code, its message, result null, success false."""
    return {"code": code, "message": message, "result": None, "success": False}


CREDENTIALS_MISSING = error(401, "appId或appSecret不能为空")
CREDENTIALS_WRONG = error(401, "appId或appSecret错误")
INVALID = error(401, "accessToken无效或已过期")
LIMITED = error(429, "请求过于频繁")
NOT_SUPPORTED = error(405, "请求方法不支持")


def fresh_app(t: Target, **fields: Any) -> dict[str, str]:
    """A new app made through the admin API, so no other client shares its token or counter."""
    app = t.admin_call("POST", f"/{P}/apps", json=fields)
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}


def frozen_app(t: Target, at: str | None = None, **fields: Any) -> dict[str, str]:
    """A new app (as `fresh_app`), then the target's clock frozen (`at` an instant, if given), so
    its token's expiry and its fetch window are exact."""
    creds = fresh_app(t, **fields)
    if at is None:
        t.clock(freeze=True)
    else:
        t.clock(set=at, freeze=True)
    return creds
