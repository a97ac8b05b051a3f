"""ATRIP's deviations: each breaks one documented behaviour."""

from __future__ import annotations

from ..deviants import (
    Deviant,
    changed_value,
    configured,
    content_type,
    replaced_text,
    server_error_when,
    sorted_keys,
    without_header,
    without_key,
)

DEVIANTS = [
    Deviant(
        "url missing on an error",
        'url is "<missing>", documented ""',
        rewrite=without_key("url", when=lambda body: body.get("status") != 0),
    ),
    Deviant("status as a string", 'status is "0", documented 0', rewrite=changed_value("status", str)),
    Deviant(
        "msg on success not null",
        'msg is "success", documented null',
        rewrite=changed_value("msg", lambda msg: "success" if msg is None else msg),
    ),
    Deviant("sorted keys", "documented order is ['url', 'status', 'msg']", rewrite=sorted_keys()),
    Deviant(
        "wrong message text",
        'msg is "unauthorized access", documented "Unauthorized access"',
        rewrite=replaced_text('"Unauthorized access"', '"unauthorized access"'),
    ),
    Deviant(
        "Content-Type without charset",
        "Content-Type is ['application/json']",
        rewrite=content_type("application/json"),
    ),
    Deviant(
        "500 on malformed input",
        "HTTP status 500",
        rewrite=server_error_when("Request body must be a JSON object"),
    ),
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
