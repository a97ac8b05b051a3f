"""Sugon / SCNet AC's codes, their messages and its `{code, msg, data}` envelope.

Every code is a string, "0" included [doc]. Failures are HTTP 200 with `data: null`.
"""

from __future__ import annotations

from typing import Any

OK = "0"
INTERNAL_ERROR = "10001"
MISSING_PARAMETER = "10003"
INVALID_PARAMETER = "10004"
USER_FROZEN = "10007"
NO_PERMISSION = "10008"
API_NOT_ALLOWED = "10009"

MESSAGES: dict[int | str, str] = {
    OK: "success",  # [doc]
    INTERNAL_ERROR: "内部错误",  # [doc]
    MISSING_PARAMETER: "参数不全",  # [doc]: a missing or empty header
    INVALID_PARAMETER: "参数无效",  # [doc]: bad credentials, signature, timestamp or token
    USER_FROZEN: "用户已冻结",  # [public code, decided message]
    NO_PERMISSION: "权限不足",  # [doc]: expired token, renewal too late, suspended region
    API_NOT_ALLOWED: "没有权限访问接口",  # [doc]: an API the token's region may not call
    # HTTP-level failures on Sugon paths [decided]: the HTTP status, as a string, in the envelope.
    "400": "请求格式错误",
    "404": "接口不存在",
    "405": "请求方法不支持",
    "413": "请求体过大",
}


def envelope(code: str, msg: str, data: Any = None) -> dict[str, Any]:
    """Most answers' shape, keys in the documented order: code, msg, data."""
    return {"code": code, "msg": msg, "data": data}


def renewal_envelope(msg: str, data: str) -> dict[str, Any]:
    """The renewal's success answer, keys in its own documented order: msg, code, data [doc]."""
    return {"msg": msg, "code": OK, "data": data}
