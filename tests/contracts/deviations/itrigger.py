"""iTrigger's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    Deviant,
    changed_value,
    configured,
    content_type,
    escaped_unicode,
    renamed_key,
    replaced_text,
    server_error_when,
    sorted_keys,
)

DEVIANTS = [
    Deviant("sorted keys", "documented order is ['code', 'message', 'data']", rewrite=sorted_keys()),
    Deviant(
        "message renamed msg",
        "envelope keys are ['code', 'msg', 'data']",
        rewrite=renamed_key("message", "msg"),
    ),
    Deviant("\\u-escaped Chinese", "\\u-escaped", rewrite=escaped_unicode()),
    Deviant(
        "wrong message text",
        'message is "成功", documented "操作成功"',
        rewrite=replaced_text("操作成功", "成功"),
    ),
    Deviant("code as a string", 'code is "200", documented 200', rewrite=changed_value("code", str)),
    Deviant(
        "Content-Type without charset",
        "Content-Type is ['application/json']",
        rewrite=content_type("application/json"),
    ),
    Deviant("500 on malformed input", "HTTP status 500", rewrite=server_error_when(61451)),
    configured("token not overwritten", "the overwritten token still works", overwrite_grace=7200),
    configured("token lives 1 hour", "code is 401, documented 200", token_lifetime=3600),
]
