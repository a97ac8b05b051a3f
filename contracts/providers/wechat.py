"""WeChat's contract: the token endpoints' codes, a token's replacement and its 5 minutes of
overlap, the stable token apart from it, the quotas, the business call.

A token's success is `{"access_token", "expires_in"}` alone, with no errcode. An error's
`errmsg` is its text, which answers since about 2021 follow with ` rid: <8 hex>-<8 hex>-<8 hex>`
(sometimes after a comma): either form passes. Cases that spend what a real account has little
of (forced refreshes, quota clears) or move the clock need the mock's admin API, which also
makes them an account of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import requests
from schemathesis import Case

from ..expect import Predicate, because, expect, refused, require
from ..fuzz import Fill, as_demo
from ..registry import Cases, Refusal
from ..target import Target

P = "wechat"
CASES = Cases(P)
TOKEN = "/cgi-bin/token"
STABLE = "/cgi-bin/stable_token"
QUOTA = "/cgi-bin/openapi/quota/get"
CLEAR = "/cgi-bin/clear_quota"
CLEAR_V2 = "/cgi-bin/clear_quota/v2"
DOMAIN_IP = "/cgi-bin/get_api_domain_ip"
LIFETIME = 7200
OVERLAP = 300
RID = r"(,? rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})?"


def errmsg(text: str, pattern: str | None = None) -> Predicate:
    """The code's text (or what `pattern` matches, where the text names the caller), bare or
    followed by the request's id."""
    found = re.compile((pattern or re.escape(text)) + RID)
    return (
        lambda v: isinstance(v, str) and found.fullmatch(v) is not None
    ), f'"{text}" (with " rid: ..." or not)'


def error(code: int, text: str, pattern: str | None = None) -> dict[str, Any]:
    return {"errcode": code, "errmsg": errmsg(text, pattern)}


INVALID_CREDENTIAL = error(
    40001,
    "invalid credential, access_token is invalid or not latest, could get access_token by "
    "getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
)
TOKEN_STRING: Predicate = (lambda v: isinstance(v, str) and 0 < len(v) <= 512, "a string of 1 to 512 bytes")
SECONDS: Predicate = (lambda v: type(v) is int and 0 < v <= LIFETIME, "seconds, at most 7200")
IPS: Predicate = (
    lambda v: isinstance(v, list) and v != [] and all(isinstance(i, str) for i in v),
    "a list of addresses",
)


def params(creds: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A token request's parameters (a None change leaves one out)."""
    found = {"grant_type": "client_credential", "appid": creds["appid"], "secret": creds["secret"], **changes}
    return {k: v for k, v in found.items() if v is not None}


def fetch(t: Target, creds: dict[str, Any], **changes: Any) -> requests.Response:
    return t.request("GET", TOKEN, params=params(creds, **changes))


def token(t: Target, creds: dict[str, Any]) -> dict[str, Any]:
    """A token from cgi-bin/token: the token and its seconds, nothing more."""
    return expect(fetch(t, creds), P, access_token=TOKEN_STRING, expires_in=SECONDS)


def stable(t: Target, creds: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return expect(
        t.request("POST", STABLE, json=params(creds, **changes)),
        P,
        access_token=TOKEN_STRING,
        expires_in=SECONDS,
    )


def domain_ip(t: Target, access: str | None) -> requests.Response:
    return t.request("GET", DOMAIN_IP, params={} if access is None else {"access_token": access})


def works(t: Target, access: str, what: str) -> None:
    with because(what):
        expect(domain_ip(t, access), P, ip_list=IPS)


def quota(t: Target, access: str, cgi_path: str = TOKEN) -> dict[str, Any]:
    answer = t.request("POST", QUOTA, params={"access_token": access}, json={"cgi_path": cgi_path})
    return expect(answer, P, errcode=0, errmsg="ok")


def clear(t: Target, access: str, appid: str) -> requests.Response:
    return t.request("POST", CLEAR, params={"access_token": access}, json={"appid": appid})


def own_account(t: Target, **fields: Any) -> dict[str, Any]:
    """An account of the case's own, made through the admin API: its limits are no other's."""
    made: dict[str, Any] = t.admin_call("POST", f"/{P}/apps", json=fields)
    return made


@contextmanager
def frozen(t: Target) -> Iterator[None]:
    """The target's clock stopped: the calls inside fall in one minute."""
    t.clock(freeze=True)
    try:
        yield
    finally:
        t.reset_clock()


# -- the access token -------------------------------------------------------------------


@CASES.story(
    "token.success",
    rule="获取接口调用凭据: {access_token, expires_in: 7200}, with no errcode",
    source="public",
)
def token_success(t: Target) -> None:
    """The demo account gets a token that lives 7200 s, and nothing else in the answer"""
    got = token(t, t.creds("demo"))
    require(got["expires_in"] == LIFETIME, f"expires_in is {got['expires_in']}, documented 7200")


@CASES.story(
    "token.new-each-fetch",
    rule="重复获取将导致上次获取的access_token失效; 5分钟内新老access_token都可用",
    source="public",
)
def new_each_fetch(t: Target) -> None:
    """Each fetch answers a new token, and the one it replaced still works"""
    first = token(t, t.creds("demo"))["access_token"]
    second = token(t, t.creds("demo"))["access_token"]
    require(second != first, "the same token again: a fetch answers a new one")
    works(t, first, "the replaced token, at once")
    works(t, second, "the new token")


@CASES.story(
    "token.replaced-works-5-minutes",
    rule="公众平台后台会保证在5分钟内，新老access_token都可用; after them 40001 (not latest)",
    source="public",
    needs=("admin",),
)
def replaced_overlap(t: Target) -> None:
    """A replaced token works for 5 minutes, then answers 40001; the new one works on"""
    account = own_account(t)
    first = token(t, account)["access_token"]
    second = token(t, account)["access_token"]
    t.clock(advance=OVERLAP - 1)
    works(t, first, "the replaced token within its 5 minutes")
    t.clock(advance=1)
    with because("the replaced token after its 5 minutes"):
        refused(domain_ip(t, first), P, INVALID_CREDENTIAL)
    works(t, second, "the new token")


@CASES.story(
    "business.42001.expired",
    rule="42001 access_token expired: after its 7200 s",
    source="public",
    needs=("admin",),
)
def expired(t: Target) -> None:
    """A token past its 7200 s answers 42001"""
    access = token(t, own_account(t))["access_token"]
    t.clock(advance=LIFETIME)
    refused(domain_ip(t, access), P, error(42001, "access_token expired"))


@CASES.story(
    "business.success", rule="获取微信API服务器IP: {ip_list: [...]}, with no errcode", source="public"
)
def business_success(t: Target) -> None:
    """A live token gets the API servers' addresses"""
    works(t, token(t, t.creds("demo"))["access_token"], "a live token")


@CASES.story("token.43001.post", rule="cgi-bin/token takes GET: another method is 43001", source="decided")
def token_post(t: Target) -> None:
    """A POST to cgi-bin/token answers 43001 require GET method in an HTTP 200"""
    answer = t.request("POST", TOKEN, params=params(t.creds("demo")))
    refused(answer, P, error(43001, "require GET method"), method="GET")


# -- the stable token -------------------------------------------------------------------


@CASES.story(
    "stable.same-in-normal-mode",
    rule="force_refresh = false 时为普通调用模式，access_token 有效期内重复调用该接口不会更新 access_token",
    source="public",
)
def stable_same(t: Target) -> None:
    """Two normal-mode calls answer the same token, the second with no more time left"""
    first, second = stable(t, t.creds("demo")), stable(t, t.creds("demo"))
    require(second["access_token"] == first["access_token"], "a new stable token while the first lived")
    require(second["expires_in"] <= first["expires_in"], "the second answer has more time left")


@CASES.story(
    "stable.apart-from-token",
    rule="与 getAccessToken 获取的调用凭证完全隔离，互不影响",
    source="public",
)
def stable_apart(t: Target) -> None:
    """A cgi-bin/token fetch neither answers nor replaces the stable token"""
    held = stable(t, t.creds("demo"))["access_token"]
    ordinary = token(t, t.creds("demo"))["access_token"]
    require(ordinary != held, "cgi-bin/token answered the stable token")
    require(
        stable(t, t.creds("demo"))["access_token"] == held, "a cgi-bin/token fetch replaced the stable token"
    )
    works(t, held, "the stable token")


@CASES.story(
    "stable.renewed-in-last-5-minutes",
    rule="在有效期倒计时5分钟内发起调用会获取新的access_token; 新旧access_token都可用; expires_in >= 300",
    source="public",
    needs=("admin",),
)
def stable_renewed(t: Target) -> None:
    """In its last 5 minutes a normal call answers a new stable token; the old one works to its end"""
    account = own_account(t)
    first = stable(t, account)
    t.clock(advance=LIFETIME - OVERLAP - 1)
    kept = stable(t, account)
    require(kept["access_token"] == first["access_token"], "renewed with more than 300 s left")
    require(kept["expires_in"] == OVERLAP + 1, f"expires_in is {kept['expires_in']}, 301 s left")
    t.clock(advance=1)
    renewed = stable(t, account)
    require(renewed["access_token"] != first["access_token"], "not renewed in its last 300 s")
    require(renewed["expires_in"] == LIFETIME, f"a new token's expires_in is {renewed['expires_in']}")
    works(t, first["access_token"], "the old stable token before its end")


@CASES.story(
    "stable.forced",
    rule="force_refresh = true 时为强制刷新模式，会导致上次获取的 access_token 失效，并返回新的 access_token",
    source="public",
    needs=("admin",),
)
def stable_forced(t: Target) -> None:
    """A forced call answers a new stable token for 7200 s"""
    account = own_account(t)
    held = stable(t, account)["access_token"]
    forced = stable(t, account, force_refresh=True)
    require(forced["access_token"] != held, "a forced call answered the live token")
    require(forced["expires_in"] == LIFETIME, f"expires_in is {forced['expires_in']}, documented 7200")


@CASES.story(
    "stable.forced-30-s-apart",
    rule="连续使用该模式时，请保证调用时间隔至少为 30s，否则不会刷新",
    source="decided",
    needs=("admin",),
)
def stable_forced_apart(t: Target) -> None:
    """A forced call within 30 s of the last answers the live token; one 30 s later a new one"""
    account = own_account(t)
    with frozen(t):
        forced = stable(t, account, force_refresh=True)["access_token"]
        t.clock(advance=29)
        again = stable(t, account, force_refresh=True)["access_token"]
        require(again == forced, "a forced call within 30 s refreshed the token")
        t.clock(advance=1)
        later = stable(t, account, force_refresh=True)["access_token"]
        require(later != forced, "a forced call 30 s later did not refresh the token")


@CASES.story(
    "stable.43002.get", rule="43002 require POST method: 该接口仅支持 POST JSON 形式的调用", source="public"
)
def stable_get(t: Target) -> None:
    """A GET of cgi-bin/stable_token answers 43002 in an HTTP 200"""
    refused(t.request("GET", STABLE), P, error(43002, "require POST method"), method="POST")


# -- quotas -----------------------------------------------------------------------------


@CASES.story(
    "quota.get",
    rule="查询API调用额度: {errcode 0, errmsg ok, quota {daily_limit 2000, used, remain}}; "
    "each successful fetch is counted",
    source="public",
)
def quota_get(t: Target) -> None:
    """The quota of cgi-bin/token: 2000 a day, used and remain adding up, a fetch counted"""
    access = token(t, t.creds("demo"))["access_token"]
    before = quota(t, access)["quota"]
    require(before["daily_limit"] == 2000, f"daily_limit is {before['daily_limit']}, documented 2000")
    require(before["used"] + before["remain"] == 2000, f"used and remain are {before}")
    token(t, t.creds("demo"))
    after = quota(t, access)["quota"]
    require(after["used"] == before["used"] + 1, f"used went from {before['used']} to {after['used']}")


@CASES.story(
    "token.45009.daily-quota",
    rule="45009 reach max api daily quota limit; 可调用clear_quota接口恢复调用额度",
    source="public",
    needs=("admin",),
)
def daily_quota(t: Target) -> None:
    """Past the day's quota a fetch answers 45009; clear_quota restores it"""
    account = own_account(t, token_daily=2)
    access = token(t, account)["access_token"]
    token(t, account)
    refused(fetch(t, account), P, error(45009, "reach max api daily quota limit"))
    require(quota(t, access)["quota"]["remain"] == 0, "remain is not 0 past the quota")
    expect(clear(t, access, account["appid"]), P, errcode=0, errmsg="ok")
    require(quota(t, access)["quota"]["used"] == 0, "used is not 0 after clear_quota")
    token(t, account)


@CASES.story(
    "token.45011.minute-quota",
    rule="45011 api minute-quota reach limit, must slower, retry next minute",
    source="public",
    needs=("admin",),
)
def minute_quota(t: Target) -> None:
    """Past the minute's quota a fetch answers 45011, and the next minute works"""
    account = own_account(t, token_per_minute=1)
    with frozen(t):
        t.clock(advance=60 - t.now() % 60)  # the start of a minute
        token(t, account)
        refused(
            fetch(t, account), P, error(45011, "api minute-quota reach limit, must slower, retry next minute")
        )
        t.clock(advance=60)
        token(t, account)


@CASES.story(
    "quota.48006.ten-a-month",
    rule="每个账号每月共10次清零操作机会; 48006 forbid to clear quota because of reaching the limit",
    source="public",
    needs=("admin",),
)
def ten_clears(t: Target) -> None:
    """Ten clears a month; the eleventh answers 48006, by token or by AppSecret alike"""
    account = own_account(t)
    access = token(t, account)["access_token"]
    for n in range(10):
        with because(f"clear {n + 1} of 10"):
            expect(clear(t, access, account["appid"]), P, errcode=0, errmsg="ok")
    limit = error(48006, "forbid to clear quota because of reaching the limit")
    refused(clear(t, access, account["appid"]), P, limit)
    body = {"appid": account["appid"], "appsecret": account["secret"]}
    refused(t.request("POST", CLEAR_V2, json=body), P, limit)


CASES.refusals(
    Refusal(
        "token.40002.no-grant-type",
        "No grant_type answers 40002",
        "40002 请确保 grant_type 字段值为 client_credential",
        lambda t: fetch(t, t.creds("demo"), grant_type=None),
        error(40002, "invalid grant_type"),
        source="public",
    ),
    Refusal(
        "token.40002.other-grant-type",
        "A grant_type other than client_credential answers 40002",
        "40002 invalid grant_type",
        lambda t: fetch(t, t.creds("demo"), grant_type="authorization_code"),
        error(40002, "invalid grant_type"),
        source="public",
    ),
    Refusal(
        "token.41002.no-appid",
        "No appid answers 41002",
        "41002 appid missing",
        lambda t: fetch(t, t.creds("demo"), appid=None),
        error(41002, "appid missing"),
        source="public",
    ),
    Refusal(
        "token.41004.no-secret",
        "No secret answers 41004",
        "41004 appsecret missing",
        lambda t: fetch(t, t.creds("demo"), secret=None),
        error(41004, "appsecret missing"),
        source="public",
    ),
    Refusal(
        "token.40013.unknown-appid",
        "An unknown appid answers 40013",
        "40013 不合法的 AppID",
        lambda t: fetch(t, t.creds("demo"), appid="wx0000000000000000"),
        error(40013, "invalid appid"),
        source="public",
    ),
    Refusal(
        "token.40125.wrong-secret",
        "A wrong secret answers 40125",
        "40125 invalid appsecret (the answer, where the older page names 40001)",
        lambda t: fetch(t, t.creds("demo"), secret="not-the-secret"),
        error(40125, "invalid appsecret"),
        source="public",
    ),
    Refusal(
        "token.40164.not-in-whitelist",
        "An account that white-lists other addresses answers 40164, naming the caller's",
        "40164 invalid ip <address> ipv6 ::ffff:<address>, not in whitelist: 将ip添加到ip白名单列表即可",
        lambda t: fetch(t, t.creds("ip_limited")),
        error(
            40164,
            "invalid ip <address> ipv6 <address>, not in whitelist",
            r"invalid ip [0-9A-Fa-f.:]+ ipv6 [0-9A-Fa-f.:]+, not in whitelist",
        ),
        source="public",
    ),
    Refusal(
        "token.40243.frozen-secret",
        "A frozen AppSecret answers 40243",
        "AppSecret冻结后，开发者无法使用AppSecret获取Access token（接口返回错误码40243）",
        lambda t: fetch(t, t.creds("frozen")),
        error(40243, "appsecret is frozen"),
        source="decided",
    ),
    Refusal(
        "stable.47001.form-body",
        "A form body to cgi-bin/stable_token answers 47001",
        "该接口仅支持 POST JSON 形式的调用",
        lambda t: t.request("POST", STABLE, data=params(t.creds("demo"))),
        error(47001, "data format error"),
        source="decided",
    ),
    Refusal(
        "stable.40125.wrong-secret",
        "A wrong secret to cgi-bin/stable_token answers 40125",
        "40125 invalid appsecret",
        lambda t: t.request("POST", STABLE, json=params(t.creds("demo"), secret="not-the-secret")),
        error(40125, "invalid appsecret"),
        source="public",
    ),
    Refusal(
        "business.41001.no-token",
        "A call without access_token answers 41001",
        "41001 access_token missing",
        lambda t: domain_ip(t, None),
        error(41001, "access_token missing"),
        source="public",
    ),
    Refusal(
        "business.40001.unknown-token",
        "A call with an unknown token answers 40001",
        "40001 invalid credential, access_token is invalid or not latest",
        lambda t: domain_ip(t, "not-a-token-of-this-platform"),
        INVALID_CREDENTIAL,
        source="public",
    ),
    Refusal(
        "business.40014.no-token-shape",
        "A call with what cannot be a token answers 40014",
        "40014 invalid access_token",
        lambda t: domain_ip(t, "not a token"),
        error(40014, "invalid access_token"),
        source="decided",
    ),
    Refusal(
        "quota.76021.unknown-cgi-path",
        "The quota of a path the account has none of answers 76021",
        "76021 cgi_path not found, please check",
        lambda t: t.request(
            "POST",
            QUOTA,
            params={"access_token": token(t, t.creds("demo"))["access_token"]},
            json={"cgi_path": "/cgi-bin/no/such/api"},
        ),
        error(76021, "cgi_path not found, please check"),
        source="public",
    ),
    Refusal(
        "clear.40013.another-account",
        "clear_quota with another account's appid answers 40013",
        "填入的appid与access_token代表的账号的appid不一致",
        lambda t: clear(t, token(t, t.creds("demo"))["access_token"], t.creds("second")["appid"]),
        error(40013, "invalid appid"),
        source="public",
    ),
    Refusal(
        "clear-v2.40125.wrong-secret",
        "clear_quota/v2 with a wrong AppSecret answers 40125",
        "40125 invalid appsecret",
        lambda t: t.request("POST", CLEAR_V2, json={"appid": t.creds("demo")["appid"], "appsecret": "x"}),
        error(40125, "invalid appsecret"),
        source="decided",
    ),
)


def prepare(t: Target) -> Fill:
    """Generated requests also go out with the demo account's AppID and AppSecret, and with its
    live stable token (which cgi-bin/token's fetches leave alone)."""

    def fill(case: Case[Any], creds: dict[str, Any]) -> None:
        path = case.operation.path
        query = case.query if isinstance(case.query, MutableMapping) else None
        body = case.body if isinstance(case.body, MutableMapping) else None
        if query is not None and "access_token" in query:
            query["access_token"] = stable(t, creds)["access_token"]
        if path in (TOKEN, STABLE) and (found := query if path == TOKEN else body) is not None:
            found.update({k: creds[k] for k in ("appid", "secret") if k in found})
        if path in (CLEAR, CLEAR_V2):
            for given in (query, body):
                if given is not None and "appid" in given:
                    given["appid"] = creds["appid"]
                if given is not None and "appsecret" in given:
                    given["appsecret"] = creds["secret"]

    return as_demo(t, fill)
