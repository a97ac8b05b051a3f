"""WeCom's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    CHARSET_DROPPED,
    Deviant,
    as_string,
    configured,
    crashing,
    keys_sorted,
    renamed,
    reworded,
    token_lives,
    without_key,
)

DEVIANTS = [
    keys_sorted("documented order is ['errcode', 'errmsg', 'access_token', 'expires_in']"),
    renamed("errmsg", "message", 'errmsg is "<missing>", documented "ok"'),
    as_string("errcode", 'errcode is "0", documented 0'),
    reworded("errmsg is 'invalid corp id", "invalid corpid", "invalid corp id"),
    CHARSET_DROPPED,
    crashing(40013, name="500 on an unknown corpid"),
    configured("a new token each fetch", "a new token while the first lived", reuse_token=False),
    token_lives(1, "expires_in is 3600, documented 7200"),
    Deviant(
        "no list on a failed call",
        'ip_list is "<missing>", documented []',
        rewrite=without_key("ip_list", when=lambda body: body.get("errcode") != 0),
    ),
]
