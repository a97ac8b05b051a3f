"""Feishu's contract: the self-built app's token endpoints, the 30-minute renewal, the gateway's
refusals of a business call's token.

A gateway refusal's `error` carries the request's own `log_id`, different each time: any log id
and a troubleshooter link that names it pass.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from ..expect import Predicate, expect, refused, require
from ..registry import Cases, Refusal
from ..target import Target

P = "feishu"
CASES = Cases(P)
TENANT = "/open-apis/auth/v3/tenant_access_token/internal"
APP = "/open-apis/auth/v3/app_access_token/internal"
BOT = "/open-apis/bot/v3/info"
INVALID_TOKEN = "Invalid access token for authorization. Please make a request with token attached."
MISSING_TOKEN = "Missing access token for authorization. Please make a request with token attached."
LOG_ID = re.compile(r"[0-9]{14}[0-9A-F]+")

TOKEN: Predicate = (lambda v: isinstance(v, str) and v.startswith("t-"), 'a string starting "t-"')
SECONDS: Predicate = (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "seconds left")


def _names_its_log(value: Any) -> bool:
    if not isinstance(value, dict) or not LOG_ID.fullmatch(str(value.get("log_id", ""))):
        return False
    return f"log_id={value['log_id']}" in str(value.get("troubleshooter", ""))


LOGGED: Predicate = (_names_its_log, "the request's log_id, and a troubleshooter link naming it")


def token_refusal(code: int, msg: str) -> dict[str, Any]:
    """A token endpoint's refusal, in an HTTP 200 with an empty data [public: a probe]."""
    return {"code": code, "data": {}, "msg": msg}


def gateway(code: int, msg: str) -> dict[str, Any]:
    """The gateway's refusal of a business call's token [public: a probe]."""
    return {"code": code, "msg": msg, "error": LOGGED}


def fetch(t: Target, creds: dict[str, Any], path: str = TENANT) -> requests.Response:
    return t.request("POST", path, json={"app_id": creds["app_id"], "app_secret": creds["app_secret"]})


def token(t: Target, creds: dict[str, Any]) -> dict[str, Any]:
    return expect(fetch(t, creds), P, code=0, msg="ok", tenant_access_token=TOKEN, expire=SECONDS)


def bot(t: Target, authorization: str | None) -> requests.Response:
    return t.request("GET", BOT, headers={} if authorization is None else {"Authorization": authorization})


def bot_ok(t: Target, access: str) -> dict[str, Any]:
    return expect(bot(t, f"Bearer {access}"), P, code=0, msg="ok")


@CASES.story("token.success", rule="自建应用获取 tenant_access_token: code 0, msg ok, expire 7200")
def token_success(t: Target) -> None:
    """The demo app gets a tenant token that lives 7200 s"""
    got = token(t, t.creds("demo"))
    require(got["expire"] == 7200, f"expire is {got['expire']}, documented 7200")


@CASES.story(
    "token.same-while-valid", rule="剩余有效期大于等于 30 分钟时，调用本接口会返回原有的 tenant_access_token"
)
def same_while_valid(t: Target) -> None:
    """A second fetch with more than 30 minutes left answers the same token, no more time left"""
    first, second = token(t, t.creds("demo")), token(t, t.creds("demo"))
    require(
        second["tenant_access_token"] == first["tenant_access_token"], "a new token while 2 hours were left"
    )
    require(second["expire"] <= first["expire"], f"more time left: {first['expire']} then {second['expire']}")


@CASES.story(
    "token.new-below-30-minutes",
    rule="剩余有效期小于 30 分钟时，调用本接口会返回一个新的 tenant_access_token，这会同时存在两个有效的",
    needs=("admin",),
)
def new_below_30_minutes(t: Target) -> None:
    """With exactly 30 minutes left the same token; a second later a new one, and both work"""
    t.clock(freeze=True)
    first = token(t, t.creds("demo"))
    try:
        t.clock(advance=first["expire"] - 1800)
        again = token(t, t.creds("demo"))
        require(
            again["tenant_access_token"] == first["tenant_access_token"], "a new token with 30 minutes left"
        )
        require(again["expire"] == 1800, f"expire is {again['expire']} with 30 minutes left")
        t.clock(advance=1)
        renewed = token(t, t.creds("demo"))
        require(
            renewed["tenant_access_token"] != first["tenant_access_token"], "the same token below 30 minutes"
        )
        require(renewed["expire"] == 7200, f"the new token's expire is {renewed['expire']}, documented 7200")
        bot_ok(t, first["tenant_access_token"])  # the old one still valid
        bot_ok(t, renewed["tenant_access_token"])
        t.clock(advance=1800)
        refused(bot(t, f"Bearer {first['tenant_access_token']}"), P, gateway(99991663, INVALID_TOKEN), 400)
        bot_ok(t, renewed["tenant_access_token"])
    finally:
        t.reset_clock()


@CASES.story(
    "token.app-token-is-tenant-token",
    rule="自建应用获取 app_access_token: app_access_token and tenant_access_token, one value in the docs",
)
def app_token_is_tenant_token(t: Target) -> None:
    """The app token endpoint answers the app's tenant token under both names"""
    tenant = token(t, t.creds("demo"))["tenant_access_token"]
    expect(
        fetch(t, t.creds("demo"), APP),
        P,
        app_access_token=tenant,
        code=0,
        expire=SECONDS,
        msg="ok",
        tenant_access_token=tenant,
    )


@CASES.story("token.one-per-app", rule="tenant_access_token: one per app (租户访问凭证)", source="decided")
def one_per_app(t: Target) -> None:
    """Two apps get two tokens"""
    first, second = token(t, t.creds("demo")), token(t, t.creds("second_app"))
    require(first["tenant_access_token"] != second["tenant_access_token"], "two apps got one token")


@CASES.story("business.success", rule="获取机器人信息: code 0, msg ok, bot")
def business_success(t: Target) -> None:
    """A live tenant token gets the app's bot"""
    got = bot_ok(t, token(t, t.creds("demo"))["tenant_access_token"])
    require(isinstance(got.get("bot"), dict), f"bot is {got.get('bot')!r}")


@CASES.story(
    "business.99991663.expired",
    rule="an expired tenant_access_token: 99991663 in an HTTP 400",
    source="public",
    needs=("admin",),
)
def expired(t: Target) -> None:
    """Once the token has expired, calls answer 99991663 and a fetch answers a new one"""
    t.clock(freeze=True)
    first = token(t, t.creds("demo"))
    try:
        t.clock(advance=first["expire"] + 1)  # `expire` is whole seconds, rounded down
        refused(bot(t, f"Bearer {first['tenant_access_token']}"), P, gateway(99991663, INVALID_TOKEN), 400)
        again = token(t, t.creds("demo"))["tenant_access_token"]
        require(again != first["tenant_access_token"], "the expired token again")
    finally:
        t.reset_clock()


CASES.refusals(
    Refusal(
        "token.10003.empty-body",
        "No body answers 10003 in an HTTP 200",
        "app_id, app_secret: 是 (required)",
        lambda t: t.request("POST", TENANT),
        token_refusal(10003, "invalid param"),
        source="public",
    ),
    Refusal(
        "token.10003.malformed-app-id",
        "An app_id not of the platform's form answers 10003",
        "a probe: app_id test -> 10003 invalid param",
        lambda t: fetch(t, {"app_id": "test", "app_secret": "test"}),
        token_refusal(10003, "invalid param"),
        source="public",
    ),
    Refusal(
        "token.10014.unknown-app",
        "A well-formed app_id nobody has answers 10014 app id not exists",
        "10014 app id not exists",
        lambda t: fetch(t, {"app_id": "cli_0000000000000000", "app_secret": "x"}),
        token_refusal(10014, "app id not exists"),
        source="public",
    ),
    Refusal(
        "token.10014.wrong-secret",
        "A known app_id with a wrong secret answers 10014 app secret invalid",
        "10014 app secret invalid",
        lambda t: fetch(t, {**t.creds("demo"), "app_secret": "not-the-secret"}),
        token_refusal(10014, "app secret invalid"),
        source="public",
    ),
    Refusal(
        "app-token.10014.wrong-secret",
        "The app token endpoint refuses a wrong secret alike",
        "10014 app secret invalid",
        lambda t: fetch(t, {**t.creds("demo"), "app_secret": "not-the-secret"}, APP),
        token_refusal(10014, "app secret invalid"),
        source="public",
    ),
    Refusal(
        "business.99991661.no-token",
        "A call without Authorization answers 99991661 in an HTTP 400",
        "99991661 Missing access token for authorization",
        lambda t: bot(t, None),
        gateway(99991661, MISSING_TOKEN),
        source="public",
        status=400,
    ),
    Refusal(
        "business.99991661.no-bearer",
        'A token without "Bearer " is no token: 99991661',
        "a probe: Authorization: t-... -> 99991661",
        lambda t: bot(t, "t-fakefakefakefake"),
        gateway(99991661, MISSING_TOKEN),
        source="public",
        status=400,
    ),
    Refusal(
        "business.99991663.unknown-token",
        "An unknown tenant token answers 99991663 in an HTTP 400",
        "a probe: Bearer t-fake -> 99991663",
        lambda t: bot(t, "Bearer t-fakefakefakefake"),
        gateway(99991663, INVALID_TOKEN),
        source="public",
        status=400,
    ),
    Refusal(
        "business.99991668.user-token",
        "What looks like a user token answers 99991668",
        "a probe: Bearer eyJ... -> 99991668",
        lambda t: bot(t, "Bearer eyJhbGciOiJFUzI1NiIs"),
        gateway(99991668, INVALID_TOKEN),
        source="public",
        status=400,
    ),
    Refusal(
        "token.405",
        "A GET answers 405 with the code 405",
        "the token endpoint takes POST [decided answer]",
        lambda t: t.request("GET", TENANT),
        {"code": 405, "msg": "method not allowed"},
        source="decided",
        allow="POST",
    ),
)
