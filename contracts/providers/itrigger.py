"""iTrigger's contract: the token endpoint's codes, the token lifecycle, and the business-call rules."""

from __future__ import annotations

from typing import Any

import requests
from schemathesis import Case

from ..expect import Predicate, because, expect, refused, require
from ..fuzz import Fill, as_demo
from ..registry import Cases, Refusal
from ..target import Target

P = "itrigger"
CASES = Cases(P)
TOKEN = "/itrigger-tenant/v1/basic/accessTokenOpen/token"
GET_API = "/itrigger-tenant/v1/basic/openAPItest/test/get"
POST_API = "/itrigger-tenant/v1/basic/openAPItest/test/post"
OK = "操作成功"
TOKEN_DATA: Predicate = (
    lambda d: (
        isinstance(d, dict)
        and list(d) == ["accessToken"]
        and isinstance(d["accessToken"], str)
        and d["accessToken"] != ""
    ),
    '{"accessToken": "<non-empty string>"}',
)


def fetch(t: Target, creds: dict[str, Any]) -> requests.Response:
    return t.request("GET", TOKEN, params={"appId": creds["appId"], "appSecret": creds["appSecret"]})


def token(t: Target, creds: dict[str, Any]) -> str:
    body = expect(fetch(t, creds), P, code=200, message=OK, data=TOKEN_DATA)
    value: str = body["data"]["accessToken"]
    return value


def call(t: Target, access: str | None, **params: str) -> requests.Response:
    query = params if access is None else {"accessToken": access, **params}
    return t.request("GET", GET_API, params=query)


def error(code: int, message: str) -> dict[str, Any]:
    """The error envelope: the code, its message, data null."""
    return {"code": code, "message": message, "data": None}


EMPTY = error(40001, "appId或appSecret为空")
WRONG = error(40002, "appId或appSecret格式不正确")
LIMITED = error(40004, "超过租户调用次数限制")
INVALID = error(401, "accessToken无效或已过期")


def fresh_app(t: Target, **tenant: Any) -> dict[str, str]:
    """A new app in a new tenant, made through the admin API, so no other client shares its state."""
    made = t.admin_call("POST", f"/{P}/tenants", json=tenant)
    app = t.admin_call("POST", f"/{P}/apps", json={"tenant": made["id"]})
    return {"appId": app["app_id"], "appSecret": app["app_secret"]}


# -- the token endpoint ------------------------------------------------------------------


@CASES.story("token.success", rule='返回说明: {"code": 200, "message": "操作成功", "data": {"accessToken"}}')
def token_success(t: Target) -> None:
    """A valid appId and appSecret get a token"""
    token(t, t.creds("demo"))


CASES.refusals(
    Refusal(
        "token.40001.no-appId",
        "A fetch without appId answers 40001",
        "返回码 40001: appId或appSecret为空",
        lambda t: t.request("GET", TOKEN, params={"appSecret": t.creds("demo")["appSecret"]}),
        EMPTY,
    ),
    Refusal(
        "token.40001.empty-appSecret",
        "A fetch with an empty appSecret answers 40001",
        "返回码 40001: appId或appSecret为空",
        lambda t: t.request("GET", TOKEN, params={"appId": t.creds("demo")["appId"], "appSecret": ""}),
        EMPTY,
    ),
    Refusal(
        "token.40002.wrong-secret",
        "A wrong appSecret answers 40002",
        "返回码 40002: appId或appSecret格式不正确 (for a wrong secret)",
        lambda t: fetch(t, {**t.creds("demo"), "appSecret": t.creds("demo")["appSecret"] + "x"}),
        WRONG,
        source="decided",
    ),
    Refusal(
        "token.40002.unknown-app",
        "An unknown appId answers 40002",
        "返回码 40002: appId或appSecret格式不正确 (for an unknown appId)",
        lambda t: fetch(t, {"appId": "qjy-no-such-app", "appSecret": "x"}),
        WRONG,
        source="decided",
    ),
    Refusal(
        "token.40003.frozen",
        "A frozen app's fetch answers 40003",
        "返回码 40003: 应用appId已被冻结",
        lambda t: fetch(t, t.creds("frozen")),
        error(40003, "应用appId已被冻结"),
    ),
)


@CASES.story(
    "token.40004.daily-limit",
    rule="每个租户每天可以获取accessToken的次数会有一定限制 → 40004 超过租户调用次数限制",
    needs=("admin",),
)
def daily_limit(t: Target) -> None:
    """A tenant past its daily fetch limit answers 40004"""
    creds = fresh_app(t, daily_limit=2)
    token(t, creds)
    token(t, creds)
    refused(fetch(t, creds), P, LIMITED)


@CASES.story(
    "token.daily-limit.shanghai-day",
    rule="the daily limit counts per calendar day in Asia/Shanghai",
    source="decided",
    needs=("admin",),
)
def daily_limit_rolls_over(t: Target) -> None:
    """The daily limit starts again at midnight Asia/Shanghai"""
    creds = fresh_app(t, daily_limit=1)
    t.clock(set="2026-03-01T23:59:59+08:00", freeze=True)
    token(t, creds)
    refused(fetch(t, creds), P, LIMITED)
    t.clock(advance=1)
    token(t, creds)


# -- the token lifecycle -----------------------------------------------------------------


@CASES.story("token.lifetime.2h", rule="accessToken的有效期目前是2小时", needs=("admin",))
def lifetime(t: Target) -> None:
    """A token works for 2 hours and not a moment longer"""
    t.clock(freeze=True)
    access = token(t, t.creds("demo"))
    t.clock(advance=7199)
    expect(call(t, access), P, code=200, message=OK)
    t.clock(advance=1)
    refused(call(t, access), P, INVALID)


@CASES.story(
    "token.overwrite",
    rule="不应该各自去刷新，否则容易造成冲突，导致accessToken覆盖: a new token replaces the old",
)
def overwrite(t: Target) -> None:
    """Fetching a new token makes the previous one stop working"""
    first = token(t, t.creds("demo"))
    second = token(t, t.creds("demo"))
    require(first != second, "a second fetch returned the same token, so nothing was overwritten")
    expect(call(t, second), P, code=200, message=OK)
    with because("the overwritten token still works"):
        refused(call(t, first), P, INVALID)


# -- business calls ----------------------------------------------------------------------


@CASES.story("business.get.query", rule="GET请求后面必须带accessToken, 其他参数全部跟到url后面")
def get_reads_the_query(t: Target) -> None:
    """A GET business call reads every parameter from the query"""
    access = token(t, t.creds("demo"))
    expect(
        call(t, access, name="张三", page="1"), P, code=200, message=OK, data={"name": "张三", "page": "1"}
    )


@CASES.story(
    "business.post.body",
    rule="POST请求url后面只能带accessToken，其余参数都会被忽略; 其他参数全部放到body中",
)
def post_reads_the_body(t: Target) -> None:
    """A POST business call reads the body and ignores other query parameters"""
    access = token(t, t.creds("demo"))
    answer = t.request(
        "POST",
        POST_API,
        params={"accessToken": access, "ignored": "1"},
        data='{"name":"张三"}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    expect(answer, P, code=200, message=OK, data={"name": "张三"})


CASES.refusals(
    Refusal(
        "business.post.token-in-query-only",
        "A POST whose accessToken is only in the body is refused with 401",
        "accessToken接在url的尾部 (not in the POST body)",
        lambda t: t.request("POST", POST_API, json={"accessToken": token(t, t.creds("demo"))}),
        INVALID,
        source="decided",
    ),
    Refusal(
        "business.401.missing",
        "A business call without accessToken answers 401",
        "后续所有请求都需要携带accessToken → 401 accessToken无效或已过期",
        lambda t: call(t, None),
        INVALID,
        source="decided",
    ),
    Refusal(
        "business.401.unknown",
        "A business call with an unknown accessToken answers 401",
        "an unknown accessToken → 401 accessToken无效或已过期",
        lambda t: call(t, "0" * 32),
        INVALID,
        source="decided",
    ),
    Refusal(
        "business.403.not-granted",
        "An API the app was not granted answers 403 无权限访问",
        "API列表需要先在企加云平台进行申请，通过后才能访问，否则无权限访问 → 403",
        lambda t: t.request("POST", POST_API, params={"accessToken": token(t, t.creds("get_only"))}, json={}),
        error(403, "无权限访问"),
        source="decided",
    ),
    Refusal(
        "business.61451.not-json",
        "A POST body that is not a JSON object answers 61451",
        "other global codes: 61451 bad parameter",
        lambda t: t.request(
            "POST",
            POST_API,
            params={"accessToken": token(t, t.creds("demo"))},
            data=b"{not json",
            headers={"Content-Type": "application/json"},
        ),
        error(61451, "参数错误"),
        source="public",
    ),
    Refusal(
        "methods.405",
        "Methods other than GET and POST are refused with 405",
        "调用方式只有GET和POST方式 → HTTP 405 in the envelope",
        lambda t: t.request("PUT", GET_API),
        error(405, "请求方法不支持"),
        source="decided",
        allow="GET, POST",
    ),
)


def prepare(t: Target) -> Fill:
    """Business calls also go out with a live token of the demo app."""

    def fill(case: Case[Any], creds: dict[str, Any]) -> None:
        if isinstance(case.query, dict) and "accessToken" in case.query:
            case.query["accessToken"] = token(t, creds)

    return as_demo(t, fill)
