"""iTrigger's wire: its codes, their messages and the `{code, message, data}` envelope of every answer."""

from __future__ import annotations

from typing import Any

from ...core.errors import ProviderError
from ...core.provider import ProviderModel

OK = 200
EMPTY_CREDENTIALS = 40001
BAD_CREDENTIALS = 40002
APP_FROZEN = 40003
TENANT_LIMIT = 40004
TOKEN_INVALID = 401
NOT_GRANTED = 403
SYSTEM_ERROR = 500
BAD_PARAMETER = 61451

MESSAGES: dict[int | str, str] = {
    OK: "操作成功",  # [doc]
    EMPTY_CREDENTIALS: "appId或appSecret为空",  # [doc]
    BAD_CREDENTIALS: "appId或appSecret格式不正确",  # [doc]
    APP_FROZEN: "应用appId已被冻结",  # [doc]
    TENANT_LIMIT: "超过租户调用次数限制",  # [doc]
    TOKEN_INVALID: "accessToken无效或已过期",  # [decided]
    NOT_GRANTED: "无权限访问",  # [decided code, doc wording]
    SYSTEM_ERROR: "系统错误",  # [public code, decided message]
    BAD_PARAMETER: "参数错误",  # [public code, decided message]: a POST body that is not JSON
    # HTTP-level failures on iTrigger paths [decided]: the HTTP status, in the envelope.
    400: "请求格式错误",
    404: "接口不存在",
    405: "请求方法不支持",
    413: "请求体过大",
    414: "请求地址过长",
}


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    """The one shape of every iTrigger answer, keys in the documented order."""
    return {"code": code, "message": message, "data": data}


def ok(model: ProviderModel[Any], data: Any) -> dict[str, Any]:
    return envelope(OK, model.message(OK), data)


def error_body(model: ProviderModel[Any], error: ProviderError) -> dict[str, Any]:
    return envelope(int(error.code), model.error_message(error))
