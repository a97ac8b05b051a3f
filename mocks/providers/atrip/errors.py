"""ATRIP's wire: its statuses, every `msg` text the mock sends, and the `{url, status, msg}`
envelope of every answer.

The documentation defines three statuses: 0 success, 2 system error, 3 unauthorized
access, and says `msg` is only a description [doc]. Status 2 is the only documented
answer to a bad request, so its `msg` names the problem [decided]; those texts are the
string-keyed entries below (templates: `{field}` and the like are filled in). A config
file's `[atrip.messages]` table may replace any of them, keyed as here.
"""

from __future__ import annotations

import string
from typing import Any

from ...core.errors import ProviderError
from ...core.provider import ProviderModel

SUCCESS = 0
SYSTEM_ERROR = 2
UNAUTHORIZED = 3

MESSAGES: dict[int | str, str] = {
    SYSTEM_ERROR: "System error",  # [doc: "2: System error"]: an unexpected failure
    UNAUTHORIZED: "Unauthorized access",  # [doc: "3: unauthorized access"]: missing or wrong client id/secret
    # status 3, decided: a client configured with its own orders asked for another order
    "foreign_order": "Unauthorized access: the order does not belong to this client",
    # status 2, decided: the msg names the problem
    "missing_header": "Missing required header: {header}",
    "content_type": "Content-Type must be application/json",
    # status 2 in an HTTP 406, decided, only with settings.strict_accept: clients observe that
    # Atlas rejects an Accept other than */* [public, observed by clients]
    "not_acceptable": "Accept must be */*",
    "not_object": "Request body must be a JSON object",
    "missing_field": "{field} is required",
    "not_string": "{field} must be a string",
    "bad_role": "role must be one of: {roles}",
    "bad_order_no": "orderNo must be 1 to 64 letters, digits, '-' or '_'",
    # status 2 at the HTTP level, decided: the HTTP status is kept, the body is the envelope
    "not_found": "Not found",
    "method_not_allowed": "Request method not supported",
    "too_large": "Request body too large",
    "bad_request": "Bad request",
}

#: The status each string-keyed message is sent with (all others: 2).
STATUS_OF: dict[str, int] = {"foreign_order": UNAUTHORIZED}

#: HTTP-level failures on ATRIP paths; any other 4xx is `bad_request`.
HTTP_MESSAGES: dict[int, str] = {
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
}


def placeholders(template: str) -> set[str]:
    """The `{names}` a message template fills in (`{}` counts as the name "")."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def status_of(key: int | str) -> int:
    return key if isinstance(key, int) else STATUS_OF.get(key, SYSTEM_ERROR)


def envelope(url: str, status: int, msg: str | None) -> dict[str, Any]:
    """The one shape of every ATRIP answer, keys in the documented order."""
    return {"url": url, "status": status, "msg": msg}


def ok(url: str) -> dict[str, Any]:
    return envelope(url, SUCCESS, None)


def error_body(model: ProviderModel[Any], error: ProviderError) -> dict[str, Any]:
    """Error answers still carry `url`, empty, because the schema requires it [doc]."""
    return envelope("", int(error.code), model.error_message(error))
