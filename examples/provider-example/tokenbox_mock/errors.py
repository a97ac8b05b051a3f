"""TokenBox's wire: its codes, their messages and the `{code, message, data}` envelope."""

from __future__ import annotations

from provider_mocks.core.envelope import Envelope

OK = 0
INVALID_CLIENT = 40001

MESSAGES: dict[int | str, str] = {
    OK: "ok",
    INVALID_CLIENT: "invalid client",
    # HTTP-level failures on TokenBox's path: the HTTP status, in the envelope.
    404: "not found",
    405: "method not allowed",
    413: "request too large",
    414: "request line too long",
    500: "system error",
}


#: Every answer: `{code, message, data}`, the kit's usual envelope.
ENVELOPE = Envelope(OK)
ok = ENVELOPE.ok
error_body = ENVELOPE.error_body
