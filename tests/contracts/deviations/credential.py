"""credential deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    CHARSET_DROPPED,
    ESCAPED_CHINESE,
    Deviant,
    as_string,
    changed_value,
    configured,
    crashing,
    json_body_as_form,
    keys_sorted,
    removed_key,
    renamed_key,
    reworded,
    token_lives,
)

DEVIANTS = [
    as_string("ok", 'ok is "true", documented true', lambda v: str(v).lower()),
    Deviant(
        "timestamp in seconds",
        "documented as milliseconds since the epoch",
        rewrite=changed_value("timestamp", lambda v: v // 1000),
    ),
    Deviant(
        "trackId spelled trackID",
        "envelope keys are ['code', 'message', 'trackID'",
        rewrite=renamed_key("_trackId", "trackID"),
    ),
    Deviant(
        "_status missing",
        "envelope keys are ['code', 'message', '_trackId', 'data', 'extr', 'timestamp', 'ok']",
        rewrite=removed_key("_status"),
    ),
    reworded(
        'message is "缺少必要参数", documented "缺少必要请求参数！"',
        "缺少必要请求参数！",
        "缺少必要参数",
        name="10131 message changed",
    ),
    Deviant(
        "JSON body read",
        "a JSON body was read (非Json格式入参)",
        request=json_body_as_form("/openapi/auth/credential"),
    ),
    token_lives(1, "the token stopped working before its 2 hours"),
    token_lives(3, "the token still works after its 2 hours"),
    configured(
        "a new token overwrites the old",
        "the first token stopped working when a new one was fetched",
        overwrite_previous=True,
    ),
    configured(
        "Request-Id required",
        "a call without Request-Id was refused (the provider's own demo sends none)",
        require_request_id=True,
    ),
    ESCAPED_CHINESE,
    keys_sorted("envelope keys are ['_status', '_trackId', 'code'"),
    CHARSET_DROPPED,
    crashing(10131),
]
