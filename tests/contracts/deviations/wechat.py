"""WeChat's deviations: each breaks one documented behaviour."""

from __future__ import annotations

import json
from typing import Any

from ..deviants import (
    CHARSET_DROPPED,
    Deviant,
    as_string,
    body_rewrite,
    configured,
    crashing,
    keys_sorted,
    reworded,
    token_lives,
)


def _with_errcode(body: Any) -> bytes:
    """A token's answer with errcode 0 and "ok" before it, as a management call's."""
    if isinstance(body, dict) and "access_token" in body:
        body = {"errcode": 0, "errmsg": "ok", **body}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _errors_as_400(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    """Every error answered with HTTP 400, not in an HTTP 200."""
    parsed = json.loads(body) if body.startswith(b"{") else {}
    return (400 if parsed.get("errcode", 0) != 0 else status), headers, body


DEVIANTS = [
    keys_sorted("documented order is ['errcode', 'errmsg', 'quota', 'rate_limit', 'component_rate_limit']"),
    Deviant(
        "errcode 0 on a token's answer",
        "envelope keys are ['errcode', 'errmsg', 'access_token', 'expires_in']",
        rewrite=body_rewrite(_with_errcode),
    ),
    as_string("expires_in", "expires_in is '7200'"),
    reworded("errmsg is 'invalid secret", "invalid appsecret", "invalid secret"),
    CHARSET_DROPPED,
    crashing(40013, name="500 on an unknown appid"),
    Deviant("errors in an HTTP 400", "HTTP status 400, documented 200", rewrite=_errors_as_400),
    token_lives(1, "expires_in is 3600, documented 7200"),
    configured("a replaced token refused at once", "the replaced token, at once", overlap=0),
    configured("a replaced token working on", "the replaced token after its 5 minutes", overlap=3600),
    configured(
        "a new stable token each call", "a new stable token while the first lived", stable_renew_before=7200
    ),
    configured(
        "forced refreshes any time", "a forced call within 30 s refreshed the token", force_interval=0
    ),
    configured("1000 tokens a day", "daily_limit is 1000, documented 2000", token_daily=1000),
    configured(
        "the older pages' texts",
        "errmsg is 'invalid credential, access_token is invalid or not latest rid: ",
        texts="older",
    ),
]
