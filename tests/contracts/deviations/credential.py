"""credential deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    Deviant,
    changed_value,
    configured,
    content_type,
    escaped_unicode,
    json_body_as_form,
    removed_key,
    renamed_key,
    replaced_text,
    server_error_when,
    sorted_keys,
)

DEVIANTS = [
    Deviant(
        "ok as a string",
        'ok is "true", documented true',
        rewrite=changed_value("ok", lambda v: str(v).lower()),
    ),
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
    Deviant(
        "10131 message changed",
        'message is "缺少必要参数", documented "缺少必要请求参数！"',
        rewrite=replaced_text("缺少必要请求参数！", "缺少必要参数"),
    ),
    Deviant(
        "JSON body read",
        "a JSON body was read (非Json格式入参)",
        request=json_body_as_form("/openapi/auth/credential"),
    ),
    configured("token lives 1 hour", "the token stopped working before its 2 hours", token_lifetime=3600),
    configured("token lives 3 hours", "the token still works after its 2 hours", token_lifetime=10800),
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
    Deviant("\\u-escaped Chinese", "\\u-escaped", rewrite=escaped_unicode()),
    Deviant("sorted keys", "envelope keys are ['_status', '_trackId', 'code'", rewrite=sorted_keys()),
    Deviant(
        "Content-Type without charset",
        "Content-Type is ['application/json']",
        rewrite=content_type("application/json"),
    ),
    Deviant("500 on malformed input", "HTTP status 500", rewrite=server_error_when(10131)),
]
