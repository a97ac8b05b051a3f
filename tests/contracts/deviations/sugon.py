"""Sugon / SCNet AC's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from typing import Any

from ..deviants import (
    Deviant,
    changed_value,
    content_type,
    escaped_unicode,
    jwt_claims,
    on_paths,
    renamed_key,
    reordered_keys,
    replaced_text,
    server_error_when,
    sorted_keys,
)

RENEW = "/ac/openapi/v2/tokens/next"
TOKEN_PATHS = (RENEW, "/ac/openapi/v2/tokens/state", "/ac/openapi/v2/center")
#: The documentation's example token, where a suspended region should have null.
EXAMPLE_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb21wdXRlVXNlciI6Imhhb3dqIn0."
    "LUOEH3_7GjbdizcRhdPSpUxkg0mza8XM6Bd3_5ZAa-I"
)


def without(claim: str) -> Any:
    return lambda claims: {k: v for k, v in claims.items() if k != claim}


def expire_in_seconds(claims: dict[str, Any]) -> dict[str, Any]:
    return {**claims, "expireTime": str(int(claims["expireTime"]) // 1000)}


DEVIANTS = [
    Deviant("code as a number", 'code is 0, documented "0"', rewrite=changed_value("code", int)),
    Deviant("sorted keys", "documented order is ['code', 'msg', 'data']", rewrite=sorted_keys()),
    Deviant(
        "renewal keys code-first",
        "envelope keys are ['code', 'msg', 'data'], documented order is ['msg', 'code', 'data']",
        rewrite=on_paths(reordered_keys("code", "msg", "data"), RENEW),
    ),
    Deviant(
        "msg renamed message",
        "envelope keys are ['code', 'message', 'data']",
        rewrite=renamed_key("msg", "message"),
    ),
    Deviant("\\u-escaped Chinese", "\\u-escaped", rewrite=escaped_unicode()),
    Deviant(
        "wrong message text",
        'msg is "无效参数", documented "参数无效"',
        rewrite=replaced_text("参数无效", "无效参数"),
    ),
    Deviant(
        "Content-Type without charset",
        "Content-Type is ['application/json']",
        rewrite=content_type("application/json"),
    ),
    Deviant(
        "500 on a malformed token",
        "HTTP status 500",
        rewrite=on_paths(server_error_when("10004"), *TOKEN_PATHS),
    ),
    Deviant(
        "claims without invoker", "(missing ['invoker'], extra [])", rewrite=jwt_claims(without("invoker"))
    ),
    Deviant(
        "expireTime in seconds",
        "documented milliseconds since the epoch as a string",
        rewrite=jwt_claims(expire_in_seconds),
    ),
    Deviant(
        "suspended region with a token",
        "is listed with token 'eyJ",
        rewrite=replaced_text('"token":null', f'"token":"{EXAMPLE_TOKEN}"'),
    ),
    Deviant(
        "renewal allowed 25 h after expiry",
        "a renewal 24 h 1 min after expiry was not refused",
        config={"settings": {"renew_window": 25 * 3600}},
    ),
    Deviant(
        "token lives 1 hour",
        "documented 24 h after issue",
        config={"settings": {"token_lifetime": 3600}},
    ),
    Deviant(
        "timestamps 10 min off accepted",
        "a timestamp 6 min old was accepted",
        config={"settings": {"timestamp_window": 600}},
    ),
    Deviant(
        "frozen user's tokens still work",
        "a frozen user's token was not refused",
        config={"settings": {"frozen_tokens_refused": False}},
    ),
]
