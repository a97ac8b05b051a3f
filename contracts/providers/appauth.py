"""appauth's contract: 获取 accessToken, the accessToken 有效性测试, and the token lifecycle.

The documentation gives the two operations, their parameters and their fields, and the
lifecycle rules (the same token within its validity, a new one after expiry, a fetch
limit); it gives no codes or messages. Those are the project's decisions, written out
here literally as PROVIDERS.md and specs/appauth.yaml state them.
"""

# ruff: noqa: RUF001, RUF100 (the greeting's Chinese punctuation is the expected text)

from __future__ import annotations

import re
from typing import Any

import requests
from schemathesis import Case

from ..expect import Deviation, Predicate, expect, is_string, refused, require
from ..fuzz import Fill
from ..registry import Cases, Refusal
from ..target import Target

P = "appauth"
CASES = Cases(P)
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


# -- 获取 accessToken --------------------------------------------------------------------


@CASES.story(
    "token.success",
    rule="获取 accessToken → result {accessToken, expireTime (date-time), expiresIn (int64 seconds)}; "
    "code 200 操作成功, success true",
    source="decided",
)
def token_success(t: Target) -> None:
    """A valid appId and appSecret get an accessToken, its expireTime and expiresIn"""
    token(t, t.creds("demo"))


@CASES.story(
    "token.headers-optional",
    rule="Headers Accept: application/json, Content-Type: application/json, 是否必须: 否",
)
def token_with_documented_headers(t: Target) -> None:
    """A fetch sending the documented Accept and Content-Type headers gets a token"""
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    token(t, t.creds("demo"), headers=headers)


CASES.refusals(
    Refusal(
        "token.401.missing-appId",
        "A fetch without appId answers 401 appId或appSecret不能为空",
        "appId 是否必须: 是 → 401 appId或appSecret不能为空",
        lambda t: t.request("GET", TOKEN, params={"appSecret": t.creds("demo")["appSecret"]}),
        CREDENTIALS_MISSING,
        source="decided",
    ),
    Refusal(
        "token.401.missing-appSecret",
        "A fetch without appSecret answers 401 appId或appSecret不能为空",
        "appSecret 是否必须: 是 → 401 appId或appSecret不能为空",
        lambda t: t.request("GET", TOKEN, params={"appId": t.creds("demo")["appId"]}),
        CREDENTIALS_MISSING,
        source="decided",
    ),
    Refusal(
        "token.401.empty-appSecret",
        "A fetch with an empty appSecret answers 401 appId或appSecret不能为空",
        "an empty appSecret counts as missing → 401 appId或appSecret不能为空",
        lambda t: fetch(t, {**t.creds("demo"), "appSecret": ""}),
        CREDENTIALS_MISSING,
        source="decided",
    ),
    Refusal(
        "token.401.wrong-secret",
        "A wrong appSecret answers 401 appId或appSecret错误",
        "a wrong appSecret → 401 appId或appSecret错误",
        lambda t: fetch(t, {**t.creds("demo"), "appSecret": t.creds("demo")["appSecret"] + "x"}),
        CREDENTIALS_WRONG,
        source="decided",
    ),
    Refusal(
        "token.401.unknown-app",
        "An unknown appId answers 401 appId或appSecret错误",
        "an unknown appId → 401 appId或appSecret错误",
        lambda t: fetch(t, {"appId": "app-no-such-app", "appSecret": "x"}),
        CREDENTIALS_WRONG,
        source="decided",
    ),
)


@CASES.story(
    "token.repeated-parameter",
    rule="a repeated query parameter counts by its first value (servlet getParameter)",
    source="decided",
)
def repeated_parameter(t: Target) -> None:
    """A repeated appId or appSecret counts by its first value"""
    creds = t.creds("demo")
    params = [
        ("appId", creds["appId"]),
        ("appId", "app-no-such-app"),
        ("appSecret", creds["appSecret"]),
        ("appSecret", "wrong"),
    ]
    token_answer(t.request("GET", TOKEN, params=params))


CASES.refusals(
    Refusal(
        "token.405",
        "A POST to /auth/getAccessToken is refused with HTTP 405 and Allow: GET",
        "Method: GET; any other method → HTTP 405, Allow: GET",
        lambda t: fetch(t, t.creds("demo"), method="POST"),
        NOT_SUPPORTED,
        source="decided",
        allow="GET",
    ),
    Refusal(
        "token.413",
        "A request body over 1 MiB is refused with HTTP 413",
        "a request body over the server's limit (1 MiB by default) → HTTP 413 请求体过大",
        lambda t: fetch(
            t, t.creds("demo"), data=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "text/plain"}
        ),
        error(413, "请求体过大"),
        source="decided",
        status=413,
    ),
)


# -- the token lifecycle -----------------------------------------------------------------


@CASES.story("token.same-within-validity", rule="有效期内重复获取返回相同结果")
def same_within_validity(t: Target) -> None:
    """Fetching again within the token's validity returns the same accessToken and expireTime"""
    first = token(t, t.creds("demo"))
    second = token(t, t.creds("demo"))
    require(
        second["accessToken"] == first["accessToken"],
        "a second fetch within the token's validity returned a different accessToken",
    )
    require(
        second["expireTime"] == first["expireTime"],
        f"a second fetch within the token's validity moved expireTime from {first['expireTime']} "
        f"to {second['expireTime']}",
    )
    require(
        second["expiresIn"] <= first["expiresIn"],
        f"expiresIn grew from {first['expiresIn']} to {second['expiresIn']} for the same token",
    )


@CASES.story(
    "token.countdown",
    rule="有效期内重复获取返回相同结果; accessToken 的有效期通过返回的 expiresIn 来传达 (seconds left)",
    needs=("admin",),
)
def countdown(t: Target) -> None:
    """Within its validity the same token comes back, expiresIn counting down second by second"""
    creds = fresh_app(t)
    t.clock(freeze=True)
    first = token(t, creds)
    t.clock(advance=1000)
    second = token(t, creds)
    require(
        second["accessToken"] == first["accessToken"],
        "a second fetch within the token's validity returned a different accessToken",
    )
    require(
        second["expireTime"] == first["expireTime"],
        f"1000 s later expireTime moved from {first['expireTime']} to {second['expireTime']}",
    )
    require(
        second["expiresIn"] == first["expiresIn"] - 1000,
        f"expiresIn is {second['expiresIn']} 1000 s after it was {first['expiresIn']}, "
        f"documented {first['expiresIn'] - 1000} (counting down)",
    )


@CASES.story("token.new-after-expiry", rule="过期后获取会返回新的 accessToken", needs=("admin",))
def new_after_expiry(t: Target) -> None:
    """Once the token's expiresIn has run out, a fetch returns a new accessToken"""
    creds = fresh_app(t)
    t.clock(freeze=True)
    first = token(t, creds)
    t.clock(advance=first["expiresIn"])
    second = token(t, creds)
    require(
        second["accessToken"] != first["accessToken"],
        f"a fetch {first['expiresIn']} s later, after expiry, returned the expired accessToken again",
    )
    require(
        second["expiresIn"] == first["expiresIn"],
        f"the new token's expiresIn is {second['expiresIn']}, the first one's was {first['expiresIn']}",
    )
    valid(t, second["accessToken"])


@CASES.story(
    "token.lifetime.7200",
    rule="accessToken 的有效期通过返回的 expiresIn 来传达: 7200 s; expireTime RFC 3339 in +08:00",
    source="decided",
    needs=("admin",),
)
def lifetime(t: Target) -> None:
    """A new token lives 7200 s: expiresIn 7200, expireTime two hours on, and not a moment longer"""
    creds = fresh_app(t)
    t.clock(set="2026-03-10T12:00:00+08:00", freeze=True)
    result = token(t, creds)
    require(result["expiresIn"] == LIFETIME, f"expiresIn is {result['expiresIn']}, documented {LIFETIME}")
    require(
        result["expireTime"] == "2026-03-10T14:00:00+08:00",
        f"expireTime is {result['expireTime']} for a token fetched at 2026-03-10T12:00:00+08:00, "
        "documented 2026-03-10T14:00:00+08:00",
    )
    t.clock(advance=LIFETIME - 1)
    try:
        valid(t, result["accessToken"])
    except Deviation as exc:
        raise Deviation(f"the token stopped working before its expireTime: {exc}") from exc
    t.clock(advance=1)
    try:
        refused(hello(t, result["accessToken"]), P, INVALID)
    except Deviation as exc:
        raise Deviation(f"the token still works at its expireTime: {exc}") from exc


@CASES.story(
    "token.expiresIn.rounded-up",
    rule="expiresIn is the whole seconds left, rounded up: 1 in the token's last second",
    source="decided",
    needs=("admin",),
)
def expires_in_rounded_up(t: Target) -> None:
    """Half a second before expiry a fetch still returns the token, expiresIn 1"""
    creds = fresh_app(t)
    t.clock(set="2026-03-10T12:00:00+08:00", freeze=True)
    first = token(t, creds)
    t.clock(advance=first["expiresIn"] - 0.5)
    last = token(t, creds)
    require(
        (last["accessToken"], last["expiresIn"]) == (first["accessToken"], 1),
        f"half a second before expiry the fetch returned expiresIn {last['expiresIn']}"
        + ("" if last["accessToken"] == first["accessToken"] else " and a different accessToken")
        + ", documented the same token with expiresIn 1",
    )


# -- the fetch limit ---------------------------------------------------------------------


@CASES.story(
    "token.429.limit",
    rule="不能频繁调用 getAccessToken 接口，否则会受到频率拦截 → 429 请求过于频繁 (per-app limit)",
    needs=("admin",),
)
def rate_limit(t: Target) -> None:
    """An app over its own fetch limit answers 429 请求过于频繁"""
    creds = fresh_app(t, rate_limit=3)
    t.clock(freeze=True)
    for _ in range(3):
        token(t, creds)
    refused(fetch(t, creds), P, LIMITED)


@CASES.story(
    "token.429.default-limit",
    rule="频率拦截: 20 fetches per app per 60-second window by default",
    source="decided",
    needs=("admin",),
)
def default_rate_limit(t: Target) -> None:
    """An app without a limit of its own may fetch 20 times a minute; the 21st answers 429"""
    creds = fresh_app(t)
    t.clock(freeze=True)
    for _ in range(RATE_LIMIT):
        token(t, creds)
    answer = fetch(t, creds)
    try:
        refused(answer, P, LIMITED)
    except Deviation as exc:
        raise Deviation(f"fetch {RATE_LIMIT + 1} within a minute was not refused: {exc}") from exc


@CASES.story(
    "token.429.window",
    rule="频率拦截: a 60-second window opening at the app's first counted fetch",
    source="decided",
    needs=("admin",),
)
def rate_window(t: Target) -> None:
    """A refused app may fetch again once its 60-second window has passed"""
    creds = fresh_app(t, rate_limit=2)
    t.clock(freeze=True)
    token(t, creds)
    t.clock(advance=30)
    token(t, creds)
    refused(fetch(t, creds), P, LIMITED)
    t.clock(advance=RATE_WINDOW - 30 - 1)
    refused(fetch(t, creds), P, LIMITED)
    t.clock(advance=1)
    try:
        token(t, creds)
    except Deviation as exc:
        raise Deviation(f"the limit did not reset {RATE_WINDOW} s after the first fetch: {exc}") from exc


@CASES.story(
    "token.429.bad-credentials-not-counted",
    rule="only fetches with good credentials count toward the limit",
    source="decided",
    needs=("admin",),
)
def bad_credentials_not_counted(t: Target) -> None:
    """Fetches with a wrong appSecret do not use up the app's limit"""
    creds = fresh_app(t, rate_limit=2)
    t.clock(freeze=True)
    for _ in range(3):
        refused(fetch(t, {**creds, "appSecret": creds["appSecret"] + "x"}), P, CREDENTIALS_WRONG)
    token(t, creds)
    token(t, creds)
    refused(fetch(t, creds), P, LIMITED)


# -- accessToken 有效性测试 ---------------------------------------------------------------


@CASES.story(
    "hello.valid",
    rule="accessToken 有效性测试: result 返回数据 (string); code 200 操作成功, success true",
    source="decided",
)
def hello_valid(t: Target) -> None:
    """A valid accessToken passes the validity test"""
    valid(t, token(t, t.creds("demo"))["accessToken"])


@CASES.story(
    "hello.greeting",
    rule="/auth/hello's result greets the token's app: 你好，<app name>！ (its appId without a name)",
    source="decided",
    needs=("admin",),
)
def hello_greeting(t: Target) -> None:
    """The validity test's result greets the token's app by name, or by appId without one"""
    named = fresh_app(t, name="契约测试应用")
    valid(t, token(t, named)["accessToken"], "你好，契约测试应用！")
    unnamed = fresh_app(t)
    valid(t, token(t, unnamed)["accessToken"], f"你好，{unnamed['appId']}！")


CASES.refusals(
    Refusal(
        "hello.401.missing",
        "The validity test without accessToken answers 401",
        "accessToken 是否必须: 是 → 401 accessToken无效或已过期",
        lambda t: hello(t, None),
        INVALID,
        source="decided",
    ),
    Refusal(
        "hello.401.empty",
        "The validity test with an empty accessToken answers 401",
        "an empty accessToken → 401 accessToken无效或已过期",
        lambda t: hello(t, ""),
        INVALID,
        source="decided",
    ),
    Refusal(
        "hello.401.unknown",
        "The validity test with an unknown accessToken answers 401",
        "an unknown accessToken → 401 accessToken无效或已过期",
        lambda t: hello(t, "0" * 32),
        INVALID,
        source="decided",
    ),
)


@CASES.story(
    "hello.401.expired",
    rule="当 accessToken 失效或过期时，需要重新获取 → 401 accessToken无效或已过期",
    source="decided",
    needs=("admin",),
)
def hello_expired(t: Target) -> None:
    """The validity test with an expired accessToken answers 401"""
    creds = fresh_app(t)
    t.clock(freeze=True)
    result = token(t, creds)
    valid(t, result["accessToken"])
    t.clock(advance=result["expiresIn"])
    try:
        refused(hello(t, result["accessToken"]), P, INVALID)
    except Deviation as exc:
        raise Deviation(f"the token still works once its expiresIn has run out: {exc}") from exc


CASES.refusals(
    Refusal(
        "hello.405",
        "A POST to /auth/hello is refused with HTTP 405 and Allow: GET",
        "Method: GET; any other method → HTTP 405, Allow: GET",
        lambda t: t.request("POST", HELLO, params={"accessToken": "0" * 32}),
        NOT_SUPPORTED,
        source="decided",
        allow="GET",
    ),
)


# -- generated requests ------------------------------------------------------------------


def prepare(t: Target) -> Fill:
    """Validity tests also go out with a live demo token, fetches with the demo credentials.

    One demo token serves the run, kept while its expiresIn lasts on the target's clock, so the
    fetch limit stays unspent."""
    access, until = "", 0.0

    def demo_token() -> str:
        nonlocal access, until
        if (now := t.now()) >= until:
            result = token(t, t.creds("demo"))
            access, until = result["accessToken"], now + result["expiresIn"] - 1
        return access

    def fill(case: Case[Any]) -> None:
        if "demo" not in t.credentials or not isinstance(case.query, dict):
            return
        live = demo_token()  # before the fetches below can use up the demo app's limit
        if "accessToken" in case.query:
            case.query["accessToken"] = live
        if "appId" in case.query and "appSecret" in case.query:
            case.query.update(appId=t.creds("demo")["appId"], appSecret=t.creds("demo")["appSecret"])

    return fill
