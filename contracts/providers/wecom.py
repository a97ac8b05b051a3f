"""WeCom's contract: gettoken's codes, one token per app secret and its life, the business call.

An error's `errmsg` is its text, which the platform follows since about 2019 with `, hint:
[<id>], from ip: <caller>, more info at https://open.work.weixin.qq.com/devtool/query?e=<code>`:
either form passes, the hint and the address being the platform's own each time.
"""

from __future__ import annotations

from typing import Any

import requests

from ..expect import Predicate, expect, refused, require
from ..registry import Cases, Refusal
from ..target import Target

P = "wecom"
CASES = Cases(P)
TOKEN = "/cgi-bin/gettoken"
DOMAIN_IP = "/cgi-bin/get_api_domain_ip"
MORE_INFO = "more info at https://open.work.weixin.qq.com/devtool/query?e="


def errmsg(text: str, code: int) -> Predicate:
    """The code's text, bare or with the platform's hint, caller and link."""

    def check(value: Any) -> bool:
        return isinstance(value, str) and (
            value == text or (value.startswith(f"{text}, hint: [") and value.endswith(f"{MORE_INFO}{code}"))
        )

    return check, f'"{text}" (with ", hint: [...], from ip: ..., {MORE_INFO}{code}" or not)'


def error(code: int, text: str, **listed: list[Any]) -> dict[str, Any]:
    """An error: a business call's list, empty, first [public: docs 97073], the code, its text."""
    return {**listed, "errcode": code, "errmsg": errmsg(text, code)}


TOKEN_STRING: Predicate = (lambda v: isinstance(v, str) and 0 < len(v) <= 512, "a string of 1 to 512 bytes")
SECONDS: Predicate = (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "seconds left")


def fetch(t: Target, creds: dict[str, Any]) -> requests.Response:
    return t.request("GET", TOKEN, params={"corpid": creds["corpid"], "corpsecret": creds["corpsecret"]})


def token(t: Target, creds: dict[str, Any]) -> dict[str, Any]:
    return expect(fetch(t, creds), P, errcode=0, errmsg="ok", access_token=TOKEN_STRING, expires_in=SECONDS)


def domain_ip(t: Target, access: str | None) -> requests.Response:
    return t.request("GET", DOMAIN_IP, params={} if access is None else {"access_token": access})


@CASES.story(
    "token.success",
    rule="获取access_token: errcode 0, errmsg ok, access_token, expires_in 7200",
    source="public",
)
def token_success(t: Target) -> None:
    """The demo app gets a token that lives 7200 s"""
    got = token(t, t.creds("demo"))
    require(got["expires_in"] == 7200, f"expires_in is {got['expires_in']}, documented 7200")


@CASES.story(
    "token.same-while-valid",
    rule="有效期内重复获取返回相同结果 (the older text of docs 91039)",
    source="public",
)
def same_while_valid(t: Target) -> None:
    """A second fetch within validity answers the same token, no more time left"""
    first, second = token(t, t.creds("demo")), token(t, t.creds("demo"))
    require(second["access_token"] == first["access_token"], "a new token while the first lived")
    require(
        second["expires_in"] <= first["expires_in"],
        f"more time left: {first['expires_in']} then {second['expires_in']}",
    )


@CASES.story(
    "token.one-per-app", rule="每个应用有独立的secret,获取到的access_token只能本应用使用", source="public"
)
def one_per_app(t: Target) -> None:
    """Two apps of one corp get two tokens"""
    first, second = token(t, t.creds("demo")), token(t, t.creds("second_app"))
    require(first["access_token"] != second["access_token"], "two apps got one token")


@CASES.story(
    "token.new-after-expiry", rule="过期后获取会返回新的access_token", source="public", needs=("admin",)
)
def new_after_expiry(t: Target) -> None:
    """Once the token has expired, calls answer 42001 and a fetch answers a new one"""
    first = token(t, t.creds("demo"))
    t.clock(advance=first["expires_in"])
    try:
        refused(domain_ip(t, first["access_token"]), P, error(42001, "access_token expired", ip_list=[]))
        require(token(t, t.creds("demo"))["access_token"] != first["access_token"], "the expired token again")
    finally:
        t.reset_clock()


@CASES.story("business.success", rule="获取企业微信接口IP段: ip_list, errcode 0, errmsg ok", source="public")
def business_success(t: Target) -> None:
    """A live token gets the API host's addresses"""
    access = token(t, t.creds("demo"))["access_token"]
    ips: Predicate = (
        lambda v: isinstance(v, list) and v != [] and all(isinstance(i, str) for i in v),
        "addresses",
    )
    expect(domain_ip(t, access), P, ip_list=ips, errcode=0, errmsg="ok")


CASES.refusals(
    Refusal(
        "token.41004.no-credentials",
        "No corpsecret (and no corpid) answers 41004",
        "41004 缺少secret参数; the secret is checked first",
        lambda t: t.request("GET", TOKEN),
        error(41004, "corpsecret missing"),
        source="public",
    ),
    Refusal(
        "token.41002.no-corpid",
        "A corpsecret without a corpid answers 41002",
        "41002 缺少corpid参数",
        lambda t: t.request("GET", TOKEN, params={"corpsecret": t.creds("demo")["corpsecret"]}),
        error(41002, "corpid missing"),
        source="decided",
    ),
    Refusal(
        "token.40013.unknown-corpid",
        "An unknown corpid answers 40013",
        "40013 不合法的CorpID",
        lambda t: fetch(t, {**t.creds("demo"), "corpid": "ww0000000000000000"}),
        error(40013, "invalid corpid"),
        source="public",
    ),
    Refusal(
        "token.40001.wrong-secret",
        "A known corpid with a wrong corpsecret answers 40001",
        "40001 不合法的secret参数",
        lambda t: fetch(t, {**t.creds("demo"), "corpsecret": "not-the-secret"}),
        error(40001, "invalid credential"),
        source="public",
    ),
    Refusal(
        "business.41001.no-token",
        "A call without access_token answers 41001, its list empty",
        "41001 缺少access_token参数",
        lambda t: domain_ip(t, None),
        error(41001, "access_token missing", ip_list=[]),
        source="public",
    ),
    Refusal(
        "business.40014.unknown-token",
        "A call with an unknown access_token answers 40014, its list empty",
        "40014 不合法的access_token",
        lambda t: domain_ip(t, "not-a-token"),
        error(40014, "invalid access_token", ip_list=[]),
        source="public",
    ),
    Refusal(
        "token.405",
        "A POST answers 405 with the code 405",
        "gettoken takes GET [decided answer]",
        lambda t: t.request("POST", TOKEN),
        error(405, "method not allowed"),
        source="decided",
        allow="GET",
    ),
)


@CASES.story(
    "business.42001.ended-early",
    rule="企业微信可能会出于运营需要,提前使access_token失效",
    source="public",
    needs=("admin",),
)
def ended_early(t: Target) -> None:
    """A token the platform ended early answers 42001, and the next fetch answers a new one"""
    first = token(t, t.creds("demo"))["access_token"]
    t.admin_call("POST", f"/{P}/tokens/{first}/end")
    refused(domain_ip(t, first), P, error(42001, "access_token expired", ip_list=[]))
    require(token(t, t.creds("demo"))["access_token"] != first, "the ended token again")
