"""Sugon / SCNet AC's wire: codes, their messages and the `{code, msg, data}` envelope of every answer.

Every code is a string, "0" included [doc]. Failures are HTTP 200 with `data: null`.

One code may have another text on one operation: the table is keyed by the code, or by the
code and an operation after a dot (`"10009.aksk"`: 10009 on the AK/SK token endpoint). An
answer on an operation takes its own key where there is one, else the code's. The operations
are the routes' names (`tokens`, `aksk`, `renew`, `state`, `center`, `user`), as fault rules
and the journal name them; the `[sugon.messages]` config table uses the same keys, so it can
replace a text everywhere or on one operation only.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from ...core.errors import ProviderError
from ...core.provider import ProviderModel
from .paths import AKSK, OPERATIONS

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
    INVALID_PARAMETER: "参数无效",  # [doc]: bad credentials, timestamp or token
    # [public: shibingli/go_acsugon_sdk api/code.go]; `"10007" = "用户已冻结"` in the config's messages
    # gives the text the mock used before.
    USER_FROZEN: "用户已被冻结",
    NO_PERMISSION: "权限不足",  # [doc]: expired token, renewal too late, suspended region
    API_NOT_ALLOWED: "没有权限访问接口",  # [doc]: an API the token's region may not call
    f"{API_NOT_ALLOWED}.{AKSK}": "校验失败",  # [public: the AK/SK endpoint's table]: a bad signature
    # HTTP-level failures on Sugon paths [decided]: the HTTP status, as a string, in the envelope.
    "400": "请求格式错误",
    "404": "接口不存在",
    "405": "请求方法不支持",
    "413": "请求体过大",
}

#: The envelope's key orders: most answers' [doc], and the renewal's success and every AK/SK
#: answer's [doc: the renewal's example; public: the AK/SK example].
CODE_FIRST = ("code", "msg", "data")
MSG_FIRST = ("msg", "code", "data")
#: Operations all of whose answers, errors included, come msg, code, data [public].
MSG_FIRST_OPERATIONS = frozenset({AKSK})


def code_of(key: int | str) -> str:
    """The envelope code of a MESSAGES key: `"10009.aksk"` -> `"10009"`."""
    return str(key).partition(".")[0]


def key_order(operation: str | None) -> tuple[str, ...]:
    """The envelope's key order on `operation` (None: off the operations), the renewal's success aside."""
    return MSG_FIRST if operation in MSG_FIRST_OPERATIONS else CODE_FIRST


def envelope(code: str, msg: str, data: Any = None, order: tuple[str, ...] = CODE_FIRST) -> dict[str, Any]:
    """The one shape of every answer, its keys in `order`."""
    values = {"code": code, "msg": msg, "data": data}
    return {key: values[key] for key in order}


def answering() -> str | None:
    """The operation whose path this request is on ("aksk", "center", …), else None.

    Texts and key orders depend on it, and an error raised before a route runs (a fault
    rule, a 405, a 413) reaches `error_body` with its code alone; read from the path, as a
    method no route takes (TRACE) has no endpoint.
    """
    return OPERATIONS.get(request.path) if has_request_context() else None


def ok(model: ProviderModel[Any], data: Any) -> dict[str, Any]:
    return envelope(OK, model.message(OK), data, key_order(answering()))


def renewed(model: ProviderModel[Any], token: str) -> dict[str, Any]:
    """The renewal's success, keys in its own documented order: msg, code, data [doc]."""
    return envelope(OK, model.message(OK), token, MSG_FIRST)


def error_body(model: ProviderModel[Any], error: ProviderError) -> dict[str, Any]:
    """The code's text on the answering operation, in that operation's key order."""
    operation = answering()
    return envelope(code_of(error.code), model.error_message(error, operation), None, key_order(operation))
