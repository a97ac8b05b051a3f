"""appauth deviations: each breaks one documented behaviour.

Sorting the keys is no deviation here: the documented orders (code, message, result,
success; accessToken, expireTime, expiresIn) are already alphabetical. The envelope in
another Java framework's order (success and message first) stands in for it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from ..deviants import (
    CHARSET_DROPPED,
    ESCAPED_CHINESE,
    Deviant,
    Rewrite,
    as_string,
    changed_value,
    configured,
    crashing,
    keys_first,
    renamed,
    reworded,
    token_lives,
)


def in_token_result(key: str, change: Callable[[Any], Any]) -> Rewrite:
    """The token answer with one field of its result changed (other results pass unchanged)."""
    return changed_value(
        "result", lambda result: {**result, key: change(result[key])} if isinstance(result, dict) else result
    )


DEVIANTS = [
    Deviant(
        "success and message first",
        "documented order is ['code', 'message', 'result', 'success']",
        rewrite=keys_first("success", "message"),
    ),
    renamed("result", "data", "envelope keys are ['code', 'message', 'data', 'success']"),
    ESCAPED_CHINESE,
    as_string("success", 'success is "true", documented true', lambda v: "true" if v is True else v),
    Deviant(
        "expiresIn as a string",
        "result.expiresIn is '7200', documented an integer",
        rewrite=in_token_result("expiresIn", str),
    ),
    Deviant(
        "expiresIn not counting down",
        "documented 6200 (counting down)",
        rewrite=in_token_result("expiresIn", lambda _: 7200),
    ),
    Deviant(
        "a new token on every fetch",
        "a second fetch within the token's validity returned a different accessToken",
        rewrite=in_token_result("accessToken", lambda _: secrets.token_hex(16)),
    ),
    reworded(
        'message is "访问过于频繁", documented "请求过于频繁"',
        "请求过于频繁",
        "访问过于频繁",
        name="wrong 429 message",
    ),
    CHARSET_DROPPED,
    crashing("appId或appSecret不能为空", name="500 on missing credentials"),
    token_lives(1, "expiresIn is 3600, documented 7200"),
    configured(
        "fetch limit never enforced", "fetch 21 within a minute was not refused", rate_limit=1_000_000
    ),
    configured(
        "limit window never closes", "the limit did not reset 60 s after the first fetch", rate_window=3600
    ),
]
