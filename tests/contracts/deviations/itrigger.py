"""iTrigger's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    CHARSET_DROPPED,
    ESCAPED_CHINESE,
    as_string,
    configured,
    crashing,
    keys_sorted,
    renamed,
    reworded,
    token_lives,
)

DEVIANTS = [
    keys_sorted("documented order is ['code', 'message', 'data']"),
    renamed("message", "msg", "envelope keys are ['code', 'msg', 'data']"),
    ESCAPED_CHINESE,
    reworded('message is "成功", documented "操作成功"', "操作成功", "成功"),
    as_string("code", 'code is "200", documented 200'),
    CHARSET_DROPPED,
    crashing(61451),
    configured("token not overwritten", "the overwritten token still works", overwrite_grace=7200),
    token_lives(1, "code is 401, documented 200"),
]
