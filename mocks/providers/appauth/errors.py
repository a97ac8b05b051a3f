"""The appauth platform's wire: codes, their messages and the `{code, message, result, success}`
envelope of every answer.

Code 401 has three messages (credentials missing, credentials wrong, token invalid),
so the table is keyed by the code, or by the code and a name after a dot where one
code has several messages (`"401.missing"`). The envelope's `code` is the number
before the dot; the `[appauth.messages]` config table uses the same keys.
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ProviderError
from ...core.provider import ProviderModel

OK = 200
CREDENTIALS_MISSING = "401.missing"
CREDENTIALS_WRONG = "401.credentials"
TOKEN_INVALID = "401.token"
RATE_LIMITED = 429
SYSTEM_ERROR = 500

MESSAGES: dict[int | str, str] = {
    OK: "操作成功",  # [decided code and message]
    CREDENTIALS_MISSING: "appId或appSecret不能为空",  # [decided]: appId or appSecret absent or empty
    CREDENTIALS_WRONG: "appId或appSecret错误",  # [decided]: unknown appId or wrong appSecret
    TOKEN_INVALID: "accessToken无效或已过期",  # [decided]: /auth/hello, missing/unknown/expired token
    RATE_LIMITED: "请求过于频繁",  # [doc rule, decided code and message]
    SYSTEM_ERROR: "系统错误",  # [decided]: an unexpected failure, still an HTTP 200
    # HTTP-level failures on the platform's paths [decided]: the HTTP status, in the envelope.
    400: "请求格式错误",
    404: "接口不存在",
    405: "请求方法不支持",
    413: "请求体过大",
    414: "请求地址过长",
}


def code_of(key: int | str) -> int:
    """The envelope code of a MESSAGES key: `"401.missing"` -> 401."""
    return int(str(key).partition(".")[0])


def envelope(code: int, message: str, result: Any = None, success: bool = False) -> dict[str, Any]:
    """The one shape of every answer, keys in the documented order."""
    return {"code": code, "message": message, "result": result, "success": success}


def ok(model: ProviderModel[Any], result: Any) -> dict[str, Any]:
    return envelope(OK, model.message(OK), result, success=True)


def error_body(model: ProviderModel[Any], error: ProviderError) -> dict[str, Any]:
    return envelope(code_of(error.code), model.error_message(error))
