"""appauth's 获取 accessToken: its refusals and the token's lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...expect import because, refused, require
from ...registry import Cases, Refusal, Send
from ...target import Target
from .protocol import (
    CREDENTIALS_MISSING,
    CREDENTIALS_WRONG,
    INVALID,
    LIFETIME,
    NOT_SUPPORTED,
    TOKEN,
    P,
    error,
    fetch,
    frozen_app,
    hello,
    token,
    token_answer,
    valid,
)

CASES = Cases(P)


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


def only(kept: str) -> Send:
    """A fetch of the demo app that sends only its `kept` credential."""
    return lambda t: t.request("GET", TOKEN, params={kept: t.creds("demo")[kept]})


def fetch_refused(case: str, subject: str, why: str, send: Send, answer: dict[str, Any]) -> Refusal:
    """A fetch refused with `answer` [decided]: the title says `subject` answers the code and message,
    the rule that `why` leads to them."""
    said = f"{answer['code']} {answer['message']}"
    return Refusal(
        f"token.{answer['code']}.{case}",
        f"{subject} answers {said}",
        f"{why} → {said}",
        send,
        answer,
        "decided",
    )


CASES.refusals(
    *(
        fetch_refused(
            f"missing-{missing}",
            f"A fetch without {missing}",
            f"{missing} 是否必须: 是",
            only(kept),
            CREDENTIALS_MISSING,
        )
        for missing, kept in [("appId", "appSecret"), ("appSecret", "appId")]
    ),
    fetch_refused(
        "empty-appSecret",
        "A fetch with an empty appSecret",
        "an empty appSecret counts as missing",
        lambda t: fetch(t, {**t.creds("demo"), "appSecret": ""}),
        CREDENTIALS_MISSING,
    ),
    fetch_refused(
        "wrong-secret",
        "A wrong appSecret",
        "a wrong appSecret",
        lambda t: fetch(t, {**t.creds("demo"), "appSecret": t.creds("demo")["appSecret"] + "x"}),
        CREDENTIALS_WRONG,
    ),
    fetch_refused(
        "unknown-app",
        "An unknown appId",
        "an unknown appId",
        lambda t: fetch(t, {"appId": "app-no-such-app", "appSecret": "x"}),
        CREDENTIALS_WRONG,
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


def fetched_twice(
    t: Target, wait: Callable[[dict[str, Any]], float], at: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The story's two fetches: a new app's token on a frozen clock (`at` an instant, if given), then
    again `wait(first result)` seconds later; both results."""
    creds = frozen_app(t, at)
    first = token(t, creds)
    t.clock(advance=wait(first))
    return first, token(t, creds)


@CASES.story(
    "token.countdown",
    rule="有效期内重复获取返回相同结果; accessToken 的有效期通过返回的 expiresIn 来传达 (seconds left)",
    needs=("admin",),
)
def countdown(t: Target) -> None:
    """Within its validity the same token comes back, expiresIn counting down second by second"""
    first, second = fetched_twice(t, lambda first: 1000)
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
    first, second = fetched_twice(t, lambda first: first["expiresIn"])
    require(
        second["accessToken"] != first["accessToken"],
        f"a fetch {first['expiresIn']} s later, after expiry, returned the expired accessToken again",
    )
    require(
        second["expiresIn"] == first["expiresIn"],
        f"the new token's expiresIn is {second['expiresIn']}, the first one's was {first['expiresIn']}",
    )
    valid(t, second["accessToken"])


#: The instant the lifetime stories fetch at.
NOON = "2026-03-10T12:00:00+08:00"


@CASES.story(
    "token.lifetime.7200",
    rule="accessToken 的有效期通过返回的 expiresIn 来传达: 7200 s; expireTime RFC 3339 in +08:00",
    source="decided",
    needs=("admin",),
)
def lifetime(t: Target) -> None:
    """A new token lives 7200 s: expiresIn 7200, expireTime two hours on, and not a moment longer"""
    result = token(t, frozen_app(t, NOON))
    require(result["expiresIn"] == LIFETIME, f"expiresIn is {result['expiresIn']}, documented {LIFETIME}")
    require(
        result["expireTime"] == "2026-03-10T14:00:00+08:00",
        f"expireTime is {result['expireTime']} for a token fetched at 2026-03-10T12:00:00+08:00, "
        "documented 2026-03-10T14:00:00+08:00",
    )
    t.clock(advance=LIFETIME - 1)
    with because("the token stopped working before its expireTime"):
        valid(t, result["accessToken"])
    t.clock(advance=1)
    with because("the token still works at its expireTime"):
        refused(hello(t, result["accessToken"]), P, INVALID)


@CASES.story(
    "token.expiresIn.rounded-up",
    rule="expiresIn is the whole seconds left, rounded up: 1 in the token's last second",
    source="decided",
    needs=("admin",),
)
def expires_in_rounded_up(t: Target) -> None:
    """Half a second before expiry a fetch still returns the token, expiresIn 1"""
    first, last = fetched_twice(t, lambda first: first["expiresIn"] - 0.5, NOON)
    require(
        (last["accessToken"], last["expiresIn"]) == (first["accessToken"], 1),
        f"half a second before expiry the fetch returned expiresIn {last['expiresIn']}"
        + ("" if last["accessToken"] == first["accessToken"] else " and a different accessToken")
        + ", documented the same token with expiresIn 1",
    )
