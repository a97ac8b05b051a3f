"""The credential platform's contract: the token endpoint's codes, the token's life, business calls.

Every answer is the envelope `{code, message, _trackId, data, extr, timestamp, _status, ok}`
(`trackId` accepted in `_trackId`'s place, as the spec's `x-envelope-key-aliases` says); the
cases pin `code`, `message`, `data`, `timestamp` (milliseconds) and `ok`, and the spec checks
the rest.
"""

from __future__ import annotations

import base64
import json
import math
import re
import uuid
from collections.abc import Callable, MutableMapping
from typing import Any

import jwt
import requests
from schemathesis import Case

from ..expect import Deviation, Predicate, expect, refused, require
from ..fuzz import Fill
from ..registry import Cases, Refusal, Send
from ..target import Target

P = "credential"
CASES = Cases(P)
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


def demo_fetch(**change: str | None) -> Send:
    """A token request of the demo app, its parameters `change`d as `params` does."""
    return lambda t: fetch(t, params(t.creds("demo"), **change))


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
    named(why, lambda: success(call(t, access, body), body))


def fails(t: Target, access: str, why: str) -> None:
    """The token is refused with 10134; else the deviation says `why` first."""
    named(why, lambda: refused(call(t, access), P, TOKEN_INVALID))


def named(why: str, check: Callable[[], object]) -> None:
    """Run a check; a deviation it finds starts with what it means for the rule."""
    try:
        check()
    except Deviation as exc:
        raise Deviation(f"{why}: {exc}") from exc


def fresh_app(t: Target, **app: Any) -> dict[str, Any]:
    """A new app with a partner of its own, made through the admin API: no other case shares it."""
    made = t.admin_call("POST", f"/{P}/apps", json=app)
    return {"clientId": made["client_id"], "secret": made["secret"], "partner": made["partner"]}


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _unb64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# -- the token endpoint ------------------------------------------------------------------


@CASES.story(
    "token.success.query",
    rule="获取令牌: POST /openapi/auth/credential, clientId, secret, userType=2 as Params "
    "(非Json格式入参，请使用Params参数传参); data: Access-Token字符串",
)
def token_in_query(t: Target) -> None:
    """Form parameters in the query string get an Access-Token"""
    token(t, t.creds("demo"))


@CASES.story(
    "token.success.form-body",
    rule="非Json格式入参: the parameters in an application/x-www-form-urlencoded body are read too",
    source="decided",
)
def token_in_form_body(t: Target) -> None:
    """Form parameters in an urlencoded body get an Access-Token"""
    success(t.request("POST", TOKEN, data=params(t.creds("demo"))), JWT)


CASES.refusals(
    *(
        Refusal(
            f"token.10131.{case}",
            f"A fetch {without} answers 10131",
            f"10131 缺少必要请求参数！ ({name} {how})",
            demo_fetch(**{name: value}),
            MISSING,
            source="public",
        )
        for case, without, name, how, value in [
            ("no-clientId", "without clientId", "clientId", "left out", None),
            ("no-secret", "without secret", "secret", "left out", None),
            ("empty-secret", "with an empty secret", "secret", "empty", ""),
            ("no-userType", "without userType", "userType", "left out", None),
        ]
    ),
    Refusal(
        "token.10131.userType-not-2",
        'A userType other than "2" answers 10131',
        "userType: 用户类型，固定参数字符串：2; any other value → 10131 缺少必要请求参数！",
        demo_fetch(userType="1"),
        MISSING,
        source="decided",
    ),
)


@CASES.story(
    "token.10131.json-body",
    rule="（非Json格式入参，请使用Params参数传参）: a JSON body is not read → 10131 缺少必要请求参数！",
)
def json_body_not_read(t: Target) -> None:
    """The parameters in a JSON body are not read: 10131"""
    answer = t.request("POST", TOKEN, json=params(t.creds("demo")))
    named("a JSON body was read (非Json格式入参)", lambda: refused(answer, P, MISSING))


CASES.refusals(
    Refusal(
        "token.10101.unknown-client",
        "An unknown clientId answers 10101",
        "10101 非法的ApiKey，请联系接口对接人！",
        lambda t: fetch(t, {"clientId": "no-such-" + uuid.uuid4().hex[:8], "secret": "x", "userType": "2"}),
        UNKNOWN_CLIENT,
        source="public",
    ),
    Refusal(
        "token.10102.wrong-secret",
        "A wrong secret answers 10102",
        "10102 您的应用Secret Key错误！",
        lambda t: fetch(t, params(t.creds("demo"), secret=t.creds("demo")["secret"] + "x")),
        WRONG_SECRET,
        source="public",
    ),
    Refusal(
        "token.10103.app-disabled",
        "A disabled app's fetch answers 10103",
        "10103 您的应用已被禁用，请联系接口对接人！",
        lambda t: fetch(t, params(t.creds("disabled"))),
        APP_DISABLED,
        source="public",
    ),
    Refusal(
        "token.10104.partner-disabled",
        "A fetch for an app whose partner is disabled answers 10104",
        "10104 合作方已禁用，请联系接口对接人！",
        lambda t: fetch(t, params(t.creds("partner_off"))),
        PARTNER_DISABLED,
        source="public",
    ),
    Refusal(
        "token.10106.ip-limited",
        "A fetch from outside the app's IP allow-list answers 10106",
        "10106 您的IP地址受限，请联系接口对接人！ (the app's IP allow-list holds on token fetches too)",
        lambda t: fetch(t, params(t.creds("ip_limited"))),
        IP_REFUSED,
        source="decided",
    ),
    Refusal(
        "token.405.get",
        "A GET on the token endpoint is refused with 405",
        "请求方式 POST: other methods → HTTP 405, the code equal to it, Allow: POST",
        lambda t: t.request("GET", TOKEN, params=params(t.creds("demo"))),
        NOT_SUPPORTED,
        source="decided",
        allow="POST",
    ),
)


# -- the token's life --------------------------------------------------------------------


@CASES.story(
    "token.lifetime.2h",
    rule="Access-Token字符串，有效时间是默认2个小时 → then 10134 非法的AccessToken或已失效，请重新获取！",
    needs=("admin",),
)
def lifetime(t: Target) -> None:
    """A token works for 2 hours and not a moment longer"""
    t.clock(freeze=True)
    access = token(t, t.creds("demo"))
    t.clock(advance=LIFETIME - 1)
    works(t, access, "the token stopped working before its 2 hours")
    t.clock(advance=1)
    fails(t, access, "the token still works after its 2 hours")


@CASES.story(
    "token.expired.fetch-again",
    rule="10134 非法的AccessToken或已失效，请重新获取！: after expiry a new token works",
    needs=("admin",),
)
def fetch_again_after_expiry(t: Target) -> None:
    """After expiry, fetching again (请重新获取) gives a token that works"""
    t.clock(freeze=True)
    old = token(t, t.creds("demo"))
    t.clock(advance=LIFETIME + 60)
    fails(t, old, "the expired token still works")
    works(t, token(t, t.creds("demo")), "the token fetched after expiry does not work")


@CASES.story(
    "token.not-overwritten",
    rule="a new token leaves the app's earlier ones valid until they expire",
    source="decided",
)
def not_overwritten(t: Target) -> None:
    """Fetching a new token leaves the earlier one working"""
    creds = t.creds("demo")
    first = token(t, creds)
    second = token(t, creds)
    works(t, second, "the newer token does not work")
    works(t, first, "the first token stopped working when a new one was fetched")


@CASES.story(
    "envelope.timestamp.now",
    rule="timestamp 时间戳: milliseconds since the epoch, the server's time (to the target's clock "
    "when it has the mock admin API; else within a day of this machine's clock)",
    source="public",
)
def timestamp_is_now(t: Target) -> None:
    """The envelope's timestamp is the server's time in milliseconds"""
    before = t.now()
    body = success(fetch(t, params(t.creds("demo"))), JWT)
    after = t.now()
    slack = 0 if t.admin else 86400
    low, high = math.floor((before - slack) * 1000), math.ceil((after + slack) * 1000)
    clock = "the mock's clock" if t.admin else "this machine's clock"
    require(
        low <= body["timestamp"] <= high,
        f"timestamp is {body['timestamp']}, {clock} read {low} .. {high} ms",
    )


# -- business calls ----------------------------------------------------------------------


@CASES.story(
    "business.echo",
    rule="使用令牌调用业务接口: HEADER Access-Token, Request-Id; data 由开放接口返回具体信息 "
    "(the demo API echoes its JSON body)",
    source="decided",
)
def echo(t: Target) -> None:
    """A business call with a live token and a Request-Id gets the API's result"""
    body = {"orderNo": "A1", "items": [1, 2], "名称": "测试"}
    success(call(t, token(t, t.creds("demo")), body), body)


@CASES.story(
    "business.10131.no-access-token",
    rule="HEADER Access-Token 第一步获取的访问令牌; left out or empty → 10131 缺少必要请求参数！",
    source="public",
)
def no_access_token(t: Target) -> None:
    """A business call without Access-Token, or with an empty one, answers 10131"""
    named("a call without Access-Token", lambda: refused(call(t, None), P, MISSING))
    named("a call with an empty Access-Token", lambda: refused(call(t, ""), P, MISSING))


@CASES.story(
    "business.no-request-id.answered",
    rule="HEADER Request-Id 每次请求唯一标识: the provider's own Java demo calls business APIs with "
    "Access-Token alone, and is answered",
    source="public",
)
def no_request_id(t: Target) -> None:
    """A business call without Request-Id, as the provider's own demo sends it, is answered"""
    body = {"n": 1}
    named(
        "a call without Request-Id was refused (the provider's own demo sends none)",
        lambda: success(call(t, token(t, t.creds("demo")), body, request_id=None), body),
    )


CASES.refusals(
    Refusal(
        "business.10131.body-not-json",
        "A business body that is not JSON answers 10131",
        "the API's parameters cannot be read from a body that is not JSON → 10131 缺少必要请求参数！",
        lambda t: t.request(
            "POST",
            ECHO,
            headers={
                "Access-Token": token(t, t.creds("demo")),
                "Request-Id": uuid.uuid4().hex,
                "Content-Type": "application/json",
            },
            data=b"{not json",
        ),
        MISSING,
        source="decided",
    ),
    Refusal(
        "business.10134.malformed",
        "A business call with a string that is no token answers 10134",
        "10134 非法的AccessToken或已失效 (not a token)",
        lambda t: call(t, "not-a-token"),
        TOKEN_INVALID,
        source="public",
    ),
)


@CASES.story(
    "business.10134.forged",
    rule="10134 非法的AccessToken或已失效 (a live token's expiry pushed out, its signature kept)",
    source="public",
)
def forged_token(t: Target) -> None:
    """A live token with a forged payload answers 10134"""
    head, payload, signature = token(t, t.creds("demo")).split(".")
    try:
        claims = json.loads(_b64(payload))
    except ValueError:
        claims = None
    if isinstance(claims, dict):
        claims["exp"] = int(t.now()) + 10 * 365 * 86400
        forged = _unb64(json.dumps(claims, separators=(",", ":")).encode())
    else:  # not JSON claims: change the payload's first character
        forged = ("A" if payload[0] != "A" else "B") + payload[1:]
    fails(t, f"{head}.{forged}.{signature}", "a token with a forged payload works")


@CASES.story(
    "business.10134.foreign-key",
    rule="10134 非法的AccessToken或已失效 (a live token's claims signed with another key)",
    source="public",
)
def foreign_key(t: Target) -> None:
    """A token signed with a key that is not the platform's answers 10134"""
    try:
        claims = jwt.decode(token(t, t.creds("demo")), options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise Deviation(f"the Access-Token is not a JWT whose claims can be read: {exc}") from exc
    other = jwt.encode(claims, "not the platform's key, but long enough for HS256", algorithm="HS256")
    fails(t, other, "a token signed with another key works")


CASES.refusals(
    Refusal(
        "business.10133.not-granted",
        "An API not granted to the app (资源申请) answers 10133",
        "10133 请求接口未授权，请联系接口对接人！",
        lambda t: call(t, token(t, t.creds("not_granted"))),
        NOT_GRANTED,
        source="public",
    ),
)


@CASES.story(
    "business.10106.ip-limited",
    rule="10106 您的IP地址受限，请联系接口对接人！ (a business call from outside the app's IP allow-list)",
    source="public",
    needs=("admin",),
)
def ip_limited_call(t: Target) -> None:
    """A business call from outside the app's IP allow-list answers 10106"""
    creds = fresh_app(t)
    access = token(t, creds)
    t.admin_call("PATCH", f"/{P}/apps/{creds['clientId']}", json={"ip_allowlist": [ELSEWHERE]})
    refused(call(t, access), P, IP_REFUSED)


@CASES.story(
    "business.10103.app-disabled",
    rule="10103 您的应用已被禁用: an app disabled after its token was issued is refused",
    source="decided",
    needs=("admin",),
)
def app_disabled_call(t: Target) -> None:
    """A business call of an app disabled since its token was issued answers 10103"""
    creds = fresh_app(t)
    access = token(t, creds)
    t.admin_call("PATCH", f"/{P}/apps/{creds['clientId']}", json={"disabled": True})
    refused(call(t, access), P, APP_DISABLED)


@CASES.story(
    "business.10104.partner-disabled",
    rule="10104 合作方已禁用: an app whose partner was disabled after its token was issued is refused",
    source="decided",
    needs=("admin",),
)
def partner_disabled_call(t: Target) -> None:
    """A business call of an app whose partner was disabled since answers 10104"""
    creds = fresh_app(t)
    access = token(t, creds)
    t.admin_call("PATCH", f"/{P}/partners/{creds['partner']}", json={"disabled": True})
    refused(call(t, access), P, PARTNER_DISABLED)


@CASES.story(
    "business.request-id.repeated",
    rule="Request-Id 每次请求唯一标识: a repeated one is the client's fault, answered normally",
    source="decided",
)
def repeated_request_id(t: Target) -> None:
    """A repeated Request-Id is answered like any other call"""
    access = token(t, t.creds("demo"))
    request_id = uuid.uuid4().hex
    for n in (1, 2):
        success(call(t, access, {"n": n}, request_id=request_id), {"n": n})


CASES.refusals(
    Refusal(
        "business.405.get",
        "A GET on the demo API is refused with 405",
        "business APIs are called as 资源申请 lists them (the demo API: POST); other methods → HTTP 405",
        lambda t: t.request("GET", ECHO, headers={"Access-Token": "x", "Request-Id": uuid.uuid4().hex}),
        NOT_SUPPORTED,
        source="decided",
        allow="POST",
    ),
)


def prepare(t: Target) -> Fill:
    """Token requests also go out with the demo app's parameters, business calls with its live token."""

    def fill(case: Case[Any]) -> None:
        if "demo" not in t.credentials:
            return
        creds = t.creds("demo")
        if case.operation.path == TOKEN and isinstance(case.query, dict) and "clientId" in case.query:
            case.query.update(clientId=creds["clientId"], secret=creds["secret"])
        if (
            case.operation.path == ECHO
            and isinstance(case.headers, MutableMapping)
            and "Access-Token" in case.headers
        ):
            case.headers.update({"Access-Token": token(t, creds), "Request-Id": uuid.uuid4().hex})

    return fill
