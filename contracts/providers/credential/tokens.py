"""The credential platform's token endpoint and the token's life."""

from __future__ import annotations

import math
import uuid
from typing import Any

from ...expect import because, refused, require
from ...registry import Cases, Refusal, Send
from ...target import Target
from .protocol import (
    APP_DISABLED,
    IP_REFUSED,
    JWT,
    LIFETIME,
    MISSING,
    NOT_SUPPORTED,
    PARTNER_DISABLED,
    TOKEN,
    UNKNOWN_CLIENT,
    WRONG_SECRET,
    P,
    app_fetch,
    fails,
    fetch,
    params,
    success,
    token,
    works,
)

CASES = Cases(P)


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


def fetch_refused(
    case: str, title: str, send: Send, answer: dict[str, Any], why: str = "", source: str = "public"
) -> Refusal:
    """A refused fetch, its rule the answer's code and message as the list of codes gives them,
    with `why` the case adds."""
    rule = f"{answer['code']} {answer['message']}" + (f" ({why})" if why else "")
    return Refusal(f"token.{answer['code']}.{case}", title, rule, send, answer, source=source)


CASES.refusals(
    *(
        fetch_refused(
            case,
            f"A fetch {without} answers 10131",
            app_fetch("demo", **{name: value}),
            MISSING,
            f"{name} {how}",
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
        app_fetch("demo", userType="1"),
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
    with because("a JSON body was read (非Json格式入参)"):
        refused(answer, P, MISSING)


CASES.refusals(
    fetch_refused(
        "unknown-client",
        "An unknown clientId answers 10101",
        lambda t: fetch(t, {"clientId": "no-such-" + uuid.uuid4().hex[:8], "secret": "x", "userType": "2"}),
        UNKNOWN_CLIENT,
    ),
    fetch_refused(
        "wrong-secret",
        "A wrong secret answers 10102",
        lambda t: fetch(t, params(t.creds("demo"), secret=t.creds("demo")["secret"] + "x")),
        WRONG_SECRET,
    ),
    fetch_refused(
        "app-disabled", "A disabled app's fetch answers 10103", app_fetch("disabled"), APP_DISABLED
    ),
    fetch_refused(
        "partner-disabled",
        "A fetch for an app whose partner is disabled answers 10104",
        app_fetch("partner_off"),
        PARTNER_DISABLED,
    ),
    fetch_refused(
        "ip-limited",
        "A fetch from outside the app's IP allow-list answers 10106",
        app_fetch("ip_limited"),
        IP_REFUSED,
        "the app's IP allow-list holds on token fetches too",
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
