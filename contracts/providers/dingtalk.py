"""DingTalk's contract: both token APIs, one renewed token per app, the business call of each
generation, and every refusal in its generation's own envelope.

A new-API error's `requestid` is the platform's own each time: any non-empty string passes.
"""

from __future__ import annotations

from typing import Any

import requests

from ..expect import Predicate, expect, is_string, refused, require
from ..registry import Cases, Refusal
from ..target import Target

P = "dingtalk"
CASES = Cases(P)
TOKEN = "/gettoken"
TICKET = "/get_jsapi_ticket"
ACCESS_TOKEN = "/v1.0/oauth2/accessToken"
INNER_APPS = "/v1.0/microApp/allInnerApps"
HEADER = "x-acs-dingtalk-access-token"

SECONDS: Predicate = (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "seconds")


def legacy_error(code: int, text: str) -> dict[str, Any]:
    """A legacy refusal: the two keys alone, HTTP 200 [doc]."""
    return {"errcode": code, "errmsg": text}


def new_error(code: str, text: str) -> dict[str, Any]:
    """A new-API refusal: the code, a request id of the platform's own, the text [public]."""
    return {"code": code, "requestid": is_string("a request id"), "message": text}


def legacy_creds(t: Target, role: str = "demo") -> dict[str, str]:
    found = t.creds(role)
    return {"appkey": found["appkey"], "appsecret": found["appsecret"]}


def new_creds(t: Target, role: str = "demo") -> dict[str, str]:
    found = t.creds(role)
    return {"appKey": found["appkey"], "appSecret": found["appsecret"]}


def gettoken(t: Target, role: str = "demo") -> dict[str, Any]:
    answer = t.request("GET", TOKEN, params=legacy_creds(t, role))
    return expect(answer, P, errcode=0, errmsg="ok", access_token=is_string(), expires_in=SECONDS)


def access_token(t: Target, role: str = "demo") -> dict[str, Any]:
    answer = t.request("POST", ACCESS_TOKEN, json=new_creds(t, role))
    return expect(answer, P, accessToken=is_string(), expireIn=SECONDS)


def ticket(t: Target, token: str | None) -> requests.Response:
    return t.request("GET", TICKET, params={} if token is None else {"access_token": token})


def inner_apps(t: Target, token: str | None) -> requests.Response:
    return t.request("GET", INNER_APPS, headers={} if token is None else {HEADER: token})


@CASES.story("gettoken.success", rule="获取access_token: errcode 0, access_token, errmsg ok, expires_in 7200")
def gettoken_success(t: Target) -> None:
    """The demo app gets a legacy token that lives 7200 s"""
    got = gettoken(t)
    require(got["expires_in"] == 7200, f"expires_in is {got['expires_in']}, documented 7200")


@CASES.story("accessToken.success", rule="获取accessToken: accessToken, expireIn 7200")
def access_token_success(t: Target) -> None:
    """The demo app gets a new-API token that lives 7200 s"""
    got = access_token(t)
    require(got["expireIn"] == 7200, f"expireIn is {got['expireIn']}, documented 7200")


@CASES.story(
    "token.same-and-renewed",
    rule="有效期内重复获取会返回相同结果并自动续期",
    needs=("admin",),
)
def same_and_renewed(t: Target) -> None:
    """A fetch within validity answers the same token, renewed: it lives 7200 s from that fetch"""
    first = gettoken(t)["access_token"]
    t.clock(advance=7000)
    try:
        again = gettoken(t)
        require(again["access_token"] == first, "a new token while the first lived")
        require(again["expires_in"] == 7200, f"expires_in is {again['expires_in']} after a renewing fetch")
        t.clock(advance=7000)  # 14000 s after the first fetch: alive only if renewed
        expect(ticket(t, first), P, errcode=0, errmsg="ok", ticket=is_string(), expires_in=SECONDS)
    finally:
        t.reset_clock()


@CASES.story("token.one-per-app", rule="每个应用的access_token是彼此独立的")
def one_per_app(t: Target) -> None:
    """Two apps of one corp get two tokens"""
    require(
        gettoken(t)["access_token"] != gettoken(t, "second_app")["access_token"], "two apps got one token"
    )


@CASES.story(
    "token.shared-by-both-apis",
    rule="both endpoints exchange the same appkey and secret; one token per app",
    source="decided",
)
def shared_by_both(t: Target) -> None:
    """The legacy and the new endpoint answer the same token, which works on both APIs"""
    legacy, new = gettoken(t)["access_token"], access_token(t)["accessToken"]
    require(legacy == new, "the two endpoints answered two tokens")
    expect(inner_apps(t, legacy), P, appList=(lambda v: isinstance(v, list) and v != [], "the corp's apps"))


@CASES.story("token.new-after-expiry", rule="过期后获取会返回新的access_token", needs=("admin",))
def new_after_expiry(t: Target) -> None:
    """Once the token has expired, both APIs refuse it and a fetch answers a new one"""
    first = gettoken(t)
    t.clock(advance=first["expires_in"])
    try:
        refused(ticket(t, first["access_token"]), P, legacy_error(40014, "不合法的access_token"))
        refused(
            inner_apps(t, first["access_token"]),
            P,
            new_error("InvalidAuthentication", "不合法的access_token"),
            400,
        )
        require(gettoken(t)["access_token"] != first["access_token"], "the expired token again")
    finally:
        t.reset_clock()


@CASES.story("business.legacy", rule="获取jsapi_ticket: errcode 0, errmsg ok, ticket, expires_in")
def business_legacy(t: Target) -> None:
    """A live token gets the app's jsapi ticket"""
    access = gettoken(t)["access_token"]
    expect(ticket(t, access), P, errcode=0, errmsg="ok", ticket=is_string(), expires_in=SECONDS)


@CASES.story("business.new", rule="获取企业内部应用列表: appList")
def business_new(t: Target) -> None:
    """A live token in x-acs-dingtalk-access-token gets the corp's internal apps"""
    access = access_token(t)["accessToken"]
    expect(inner_apps(t, access), P, appList=(lambda v: isinstance(v, list) and v != [], "the corp's apps"))


@CASES.story("gettoken.43001.post", rule="43001 需要GET请求")
def gettoken_post(t: Target) -> None:
    """A POST to gettoken answers 43001 in an HTTP 200"""
    answer = t.request("POST", TOKEN, params=legacy_creds(t))
    refused(answer, P, legacy_error(43001, "需要GET请求"), method="GET")


@CASES.story("accessToken.404.get", rule="the API gateway finds no api for another method", source="decided")
def access_token_get(t: Target) -> None:
    """A GET of oauth2/accessToken answers the gateway's 404"""
    text = "Specified api is not found, please check your url and method."
    refused(t.request("GET", ACCESS_TOKEN), P, new_error("InvalidAction.NotFound", text), 404, method="POST")


CASES.refusals(
    Refusal(
        "gettoken.41002.no-appkey",
        "No appkey answers 41002",
        "41002 缺少corpid参数",
        lambda t: t.request("GET", TOKEN),
        legacy_error(41002, "缺少corpid参数"),
        source="decided",
    ),
    Refusal(
        "gettoken.41004.no-appsecret",
        "An appkey without an appsecret answers 41004",
        "41004 缺少secret参数",
        lambda t: t.request("GET", TOKEN, params={"appkey": t.creds("demo")["appkey"]}),
        legacy_error(41004, "缺少secret参数"),
        source="decided",
    ),
    Refusal(
        "gettoken.40089.unknown-appkey",
        "An unknown appkey answers 40089",
        "40089 不合法的corpid或corpsecret",
        lambda t: t.request("GET", TOKEN, params={**legacy_creds(t), "appkey": "dingnobody0000000"}),
        legacy_error(40089, "不合法的corpId或corpSecret"),
        source="public",
    ),
    Refusal(
        "gettoken.40089.wrong-secret",
        "A wrong appsecret answers 40089",
        "40089 不合法的corpid或corpsecret",
        lambda t: t.request("GET", TOKEN, params={**legacy_creds(t), "appsecret": "not-the-secret"}),
        legacy_error(40089, "不合法的corpId或corpSecret"),
        source="public",
    ),
    Refusal(
        "ticket.41001.no-token",
        "A call without access_token answers 41001",
        "41001 缺少access_token参数",
        lambda t: ticket(t, None),
        legacy_error(41001, "缺少access_token参数"),
    ),
    Refusal(
        "ticket.40014.unknown-token",
        "A call with an unknown access_token answers 40014",
        "40014 不合法的access_token",
        lambda t: ticket(t, "0" * 32),
        legacy_error(40014, "不合法的access_token"),
        source="public",
    ),
    Refusal(
        "accessToken.400.wrong-secret",
        "A wrong appSecret answers 400 invalidClientIdOrSecret",
        "400 invalidClientIdOrSecret 无效的clientId或者clientSecret",
        lambda t: t.request("POST", ACCESS_TOKEN, json={**new_creds(t), "appSecret": "not-the-secret"}),
        new_error("invalidClientIdOrSecret", "无效的clientId或者clientSecret"),
        status=400,
    ),
    Refusal(
        "accessToken.400.form-body",
        "A form body answers 400 Missingbody",
        "the endpoint takes JSON alone: [Missingbody] body is mandatory for this action.",
        lambda t: t.request("POST", ACCESS_TOKEN, data=new_creds(t)),
        new_error("Missingbody", "body is mandatory for this action."),
        source="public",
        status=400,
    ),
    Refusal(
        "accessToken.400.no-appkey",
        "A body without appKey answers 400 MissingappKey",
        "appKey 是 (required)",
        lambda t: t.request("POST", ACCESS_TOKEN, json={"appSecret": "x"}),
        new_error("MissingappKey", "appKey is mandatory for this action."),
        source="decided",
        status=400,
    ),
    Refusal(
        "allInnerApps.400.unknown-token",
        "A call with an unknown token answers 400 InvalidAuthentication",
        "InvalidAuthentication 不合法的access_token",
        lambda t: inner_apps(t, "0" * 32),
        new_error("InvalidAuthentication", "不合法的access_token"),
        source="public",
        status=400,
    ),
    Refusal(
        "allInnerApps.400.no-token",
        "A call without the token header answers 400 InvalidAuthentication",
        "x-acs-dingtalk-access-token 是 (required)",
        lambda t: inner_apps(t, None),
        new_error("InvalidAuthentication", "不合法的access_token"),
        source="decided",
        status=400,
    ),
)
