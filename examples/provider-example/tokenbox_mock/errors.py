"""TokenBox's wire: its codes, their messages and the `{code, message, data}` envelope."""

from __future__ import annotations

from typing import Any

from provider_mocks.core.errors import ProviderError
from provider_mocks.core.provider import ProviderModel

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


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data}


def ok(model: ProviderModel[Any], data: Any) -> dict[str, Any]:
    return envelope(OK, model.message(OK), data)


def error_body(model: ProviderModel[Any], error: ProviderError) -> dict[str, Any]:
    return envelope(int(error.code), model.error_message(error))
