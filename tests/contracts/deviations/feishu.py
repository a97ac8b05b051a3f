"""Feishu's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from typing import Any

from ..deviants import (
    CHARSET_DROPPED,
    Deviant,
    as_string,
    configured,
    crashing,
    keys_first,
    renamed,
    reworded,
    token_lives,
    without_key,
)


def refused_in_200(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    """The gateway's HTTP 400 answered as an HTTP 200, as the token endpoints answer."""
    return (200 if status == 400 else status), headers, body


DEVIANTS = [
    Deviant(
        "msg first",
        "documented order is ['code', 'expire', 'msg', 'tenant_access_token']",
        rewrite=keys_first("msg"),
    ),
    renamed("msg", "message", 'msg is "<missing>", documented "ok"'),
    as_string("code", 'code is "0", documented 0'),
    reworded('msg is "invalid app secret"', "app secret invalid", "invalid app secret"),
    CHARSET_DROPPED,
    crashing(10003, name="500 on a malformed app_id"),
    configured("a new token each fetch", "a new token while 2 hours were left", renew_below=7200),
    configured("renewed below 10 minutes", "the same token below 30 minutes", renew_below=600),
    token_lives(1, "expire is 3600, documented 7200"),
    Deviant("gateway refusals in an HTTP 200", "HTTP status 200, documented 400", rewrite=refused_in_200),
    Deviant(
        "no data on a token refusal",
        'data is "<missing>", documented {}',
        rewrite=without_key("data", when=lambda body: body.get("code") in (10003, 10014)),
    ),
]
