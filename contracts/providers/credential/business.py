"""The credential platform's business calls with a token."""

from __future__ import annotations

import json
import uuid
from typing import Any

import jwt

from ...expect import Deviation, because, refused
from ...registry import CaseFunction, Cases, Contract, Refusal
from ...target import Target
from .protocol import (
    APP_DISABLED,
    ECHO,
    ELSEWHERE,
    IP_REFUSED,
    MISSING,
    NOT_GRANTED,
    NOT_SUPPORTED,
    PARTNER_DISABLED,
    TOKEN_INVALID,
    P,
    b64decode,
    b64encode,
    call,
    fails,
    fresh_app,
    success,
    token,
)

CASES = Cases(P)


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
    with because("a call without Access-Token"):
        refused(call(t, None), P, MISSING)
    with because("a call with an empty Access-Token"):
        refused(call(t, ""), P, MISSING)


@CASES.story(
    "business.no-request-id.answered",
    rule="HEADER Request-Id 每次请求唯一标识: the provider's own Java demo calls business APIs with "
    "Access-Token alone, and is answered",
    source="public",
)
def no_request_id(t: Target) -> None:
    """A business call without Request-Id, as the provider's own demo sends it, is answered"""
    body = {"n": 1}
    with because("a call without Request-Id was refused (the provider's own demo sends none)"):
        success(call(t, token(t, t.creds("demo")), body, request_id=None), body)


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
        claims = json.loads(b64decode(payload))
    except ValueError:
        claims = None
    if isinstance(claims, dict):
        claims["exp"] = int(t.now()) + 10 * 365 * 86400
        forged = b64encode(json.dumps(claims, separators=(",", ":")).encode())
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


def refused_once_changed(path: str, change: Any, answer: dict[str, Any]) -> CaseFunction:
    """The story: a new app's live token is refused with `answer` once the admin API has changed `path`
    (formatted with the app's credentials) by `change`."""

    def run(t: Target) -> None:
        creds = fresh_app(t)
        access = token(t, creds)
        t.admin_call("PATCH", f"/{P}" + path.format(**creds), json=change)
        refused(call(t, access), P, answer)

    return run


CASES.extend(
    *(
        Contract(id, title, rule, source, ("admin",), refused_once_changed(path, change, answer))
        for id, title, rule, source, path, change, answer in [
            (
                "business.10106.ip-limited",
                "A business call from outside the app's IP allow-list answers 10106",
                "10106 您的IP地址受限，请联系接口对接人！ "
                "(a business call from outside the app's IP allow-list)",
                "public",
                "/apps/{clientId}",
                {"ip_allowlist": [ELSEWHERE]},
                IP_REFUSED,
            ),
            (
                "business.10103.app-disabled",
                "A business call of an app disabled since its token was issued answers 10103",
                "10103 您的应用已被禁用: an app disabled after its token was issued is refused",
                "decided",
                "/apps/{clientId}",
                {"disabled": True},
                APP_DISABLED,
            ),
            (
                "business.10104.partner-disabled",
                "A business call of an app whose partner was disabled since answers 10104",
                "10104 合作方已禁用: an app whose partner was disabled after its token was issued is refused",
                "decided",
                "/partners/{partner}",
                {"disabled": True},
                PARTNER_DISABLED,
            ),
        ]
    ),
)


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
