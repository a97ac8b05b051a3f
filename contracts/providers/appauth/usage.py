"""appauth's fetch limit and the accessToken 有效性测试."""

# ruff: noqa: RUF001, RUF100 (the greeting's Chinese punctuation is the expected text)

from __future__ import annotations

from ...expect import because, refused
from ...registry import Cases, Refusal
from ...target import Target
from .protocol import (
    CREDENTIALS_WRONG,
    HELLO,
    INVALID,
    LIMITED,
    NOT_SUPPORTED,
    RATE_LIMIT,
    RATE_WINDOW,
    P,
    fetch,
    fresh_app,
    frozen_app,
    hello,
    token,
    valid,
)

CASES = Cases(P)


# -- the fetch limit ---------------------------------------------------------------------


@CASES.story(
    "token.429.limit",
    rule="不能频繁调用 getAccessToken 接口，否则会受到频率拦截 → 429 请求过于频繁 (per-app limit)",
    needs=("admin",),
)
def rate_limit(t: Target) -> None:
    """An app over its own fetch limit answers 429 请求过于频繁"""
    creds = frozen_app(t, rate_limit=3)
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
    creds = frozen_app(t)
    for _ in range(RATE_LIMIT):
        token(t, creds)
    with because(f"fetch {RATE_LIMIT + 1} within a minute was not refused"):
        refused(fetch(t, creds), P, LIMITED)


@CASES.story(
    "token.429.window",
    rule="频率拦截: a 60-second window opening at the app's first counted fetch",
    source="decided",
    needs=("admin",),
)
def rate_window(t: Target) -> None:
    """A refused app may fetch again once its 60-second window has passed"""
    creds = frozen_app(t, rate_limit=2)
    token(t, creds)
    t.clock(advance=30)
    token(t, creds)
    refused(fetch(t, creds), P, LIMITED)
    t.clock(advance=RATE_WINDOW - 30 - 1)
    refused(fetch(t, creds), P, LIMITED)
    t.clock(advance=1)
    with because(f"the limit did not reset {RATE_WINDOW} s after the first fetch"):
        token(t, creds)


@CASES.story(
    "token.429.bad-credentials-not-counted",
    rule="only fetches with good credentials count toward the limit",
    source="decided",
    needs=("admin",),
)
def bad_credentials_not_counted(t: Target) -> None:
    """Fetches with a wrong appSecret do not use up the app's limit"""
    creds = frozen_app(t, rate_limit=2)
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
    creds = frozen_app(t)
    result = token(t, creds)
    valid(t, result["accessToken"])
    t.clock(advance=result["expiresIn"])
    with because("the token still works once its expiresIn has run out"):
        refused(hello(t, result["accessToken"]), P, INVALID)


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
