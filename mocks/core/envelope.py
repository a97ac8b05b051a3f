"""The envelope most gateways answer in: a code, its message and the data, keys in that order.

A provider's wire module (its `errors.py`) makes one with its own success code and keys and
hands out its `ok` and `error_body`; a provider whose answers have another shape (ATRIP's,
Sugon's, the credential platform's) writes its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ProviderError
from .provider import ProviderModel

#: HTTP-level failures on the paths of the Chinese gateways (iTrigger, appauth, the credential
#: platform) [decided]: the HTTP status, in the provider's envelope, with these texts.
GATEWAY_HTTP_MESSAGES: dict[int | str, str] = {
    400: "请求格式错误",
    404: "接口不存在",
    405: "请求方法不支持",
    413: "请求体过大",
    414: "请求地址过长",
}

#: The same failures on the paths of a platform that writes English texts (WeCom, Feishu) [decided].
HTTP_MESSAGES: dict[int | str, str] = {
    400: "bad request",
    404: "not found",
    405: "method not allowed",
    413: "request entity too large",
    414: "request uri too long",
}


def code_of(key: int | str) -> int:
    """The envelope code of a message key: `"401.missing"` -> 401, where one code has several texts."""
    return int(str(key).partition(".")[0])


@dataclass(frozen=True)
class Envelope:
    """`{"code", "message", <data>}`, and after them a success flag where the provider has one.

    A success is `ok_code` with its message; an error, the error's code with its message
    and the data null.
    """

    ok_code: int
    #: The key of the answer's data ("data", "result", ...).
    data: str = "data"
    #: The key of a flag that is true on success alone; None: no such flag.
    success: str | None = None

    def __call__(self, code: int, message: str, data: Any = None, *, ok: bool = False) -> dict[str, Any]:
        answer = {"code": code, "message": message, self.data: data}
        if self.success is not None:
            answer[self.success] = ok
        return answer

    def ok(self, model: ProviderModel[Any], data: Any) -> dict[str, Any]:
        return self(self.ok_code, model.message(self.ok_code), data, ok=True)

    def error_body(self, model: ProviderModel[Any], error: ProviderError) -> dict[str, Any]:
        return self(code_of(error.code), model.error_message(error))
