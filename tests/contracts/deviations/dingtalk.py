"""DingTalk's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from typing import Any

from ..deviants import (
    CHARSET_DROPPED,
    Deviant,
    as_string,
    configured,
    crashing,
    keys_sorted,
    renamed,
    token_lives,
)


def new_errors_at_200(path: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    """A new-API refusal sent with HTTP 200, as the legacy API sends its own."""
    return (200 if b'"requestid"' in body else status), headers, body


DEVIANTS = [
    keys_sorted("documented order is ['errcode', 'access_token', 'errmsg', 'expires_in']"),
    renamed("requestid", "requestId", '"requestid" is a required property'),
    as_string("errcode", 'errcode is "0", documented 0'),
    configured(
        "the old table's 40089 text",
        'errmsg is "不合法的corpid或corpsecret", documented "不合法的corpId或corpSecret"',
        credential_errmsg="不合法的corpid或corpsecret",
    ),
    CHARSET_DROPPED,
    crashing(40089, name="500 on a wrong secret"),
    configured("no renewal on a fetch", "expires_in is 200 after a renewing fetch", renew_on_fetch=False),
    configured("a token per endpoint", "the two endpoints answered two tokens", shared_token=False),
    configured("42001 for an expired token", "errcode is 42001, documented 40014", expired_errcode=42001),
    token_lives(1, "expires_in is 3600, documented 7200"),
    Deviant("new-API errors at HTTP 200", "HTTP status 200, documented 400", rewrite=new_errors_at_200),
]
