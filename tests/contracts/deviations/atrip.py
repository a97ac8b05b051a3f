"""ATRIP's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    CHARSET_DROPPED,
    Deviant,
    as_string,
    changed_value,
    configured,
    crashing,
    keys_sorted,
    replaced_text,
    reworded,
    without_header,
    without_key,
)

DEVIANTS = [
    Deviant(
        "url missing on an error",
        'url is "<missing>", documented ""',
        rewrite=without_key("url", when=lambda body: body.get("status") != 0),
    ),
    as_string("status", 'status is "0", documented 0'),
    Deviant(
        "msg on success not null",
        'msg is "success", documented null',
        rewrite=changed_value("msg", lambda msg: "success" if msg is None else msg),
    ),
    keys_sorted("documented order is ['url', 'status', 'msg']"),
    reworded(
        'msg is "unauthorized access", documented "Unauthorized access"',
        '"Unauthorized access"',
        '"unauthorized access"',
    ),
    CHARSET_DROPPED,
    crashing("Request body must be a JSON object"),
    Deviant("gzip ignored", "(gzip ignored)", rewrite=without_header("Content-Encoding")),
    Deviant(
        "\\u-escaped operator name on the portal",
        "the portal page: non-ASCII text is \\u-escaped",
        rewrite=replaced_text("李伟", "\\u674e\\u4f1f"),
    ),
    configured("legacy roles refused", "the legacy role 'TICKETING' was refused", legacy_roles=False),
    configured(
        "Accept other than */* refused",
        "Accept: application/json was refused (settings.strict_accept)",
        strict_accept=True,
    ),
    configured(
        "portal token lives 10 minutes",
        "29:59 after the token request: the portal url answered HTTP 401",
        portal_token_lifetime=600,
    ),
    configured(
        "portal token lives 1 hour",
        "30:00 after the token request: a stale or unknown portal token answered HTTP 200",
        portal_token_lifetime=3600,
    ),
]
