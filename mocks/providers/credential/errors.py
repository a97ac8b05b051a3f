"""The credential platform's wire: codes, their messages (full-width punctuation, as documented) and
the envelope of every answer."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...core.envelope import GATEWAY_HTTP_MESSAGES
from ...core.errors import ProviderError

if TYPE_CHECKING:
    from .models import CredentialModel

OK = 200  # [public example]; its `message` is null, so it has no entry below
UNKNOWN_CLIENT = 10101
WRONG_SECRET = 10102
APP_DISABLED = 10103
PARTNER_DISABLED = 10104
IP_REFUSED = 10106
MISSING_PARAMETERS = 10131
NOT_GRANTED = 10133
TOKEN_INVALID = 10134
SYSTEM_ERROR = 500

#: 10132 (签名验证失败) and 10135 (解密合作方应用请求数据失败) are documented publicly too, but
#: they need request signing and encryption that no documentation describes: the mock cannot
#: send them, so they are not here (the spec mentions them).
MESSAGES: dict[int | str, str] = {
    UNKNOWN_CLIENT: "非法的ApiKey，请联系接口对接人！",  # [public]
    WRONG_SECRET: "您的应用Secret Key错误！",  # [public]
    APP_DISABLED: "您的应用已被禁用，请联系接口对接人！",  # [public]
    PARTNER_DISABLED: "合作方已禁用，请联系接口对接人！",  # [public]
    IP_REFUSED: "您的IP地址受限，请联系接口对接人！",  # [public]
    MISSING_PARAMETERS: "缺少必要请求参数！",  # [public]
    NOT_GRANTED: "请求接口未授权，请联系接口对接人！",  # [public]
    TOKEN_INVALID: "非法的AccessToken或已失效，请重新获取！",  # [public]
    SYSTEM_ERROR: "系统异常，请联系管理员！",  # [decided]: an unexpected failure, in an HTTP 200
    **GATEWAY_HTTP_MESSAGES,
}

#: The captured answers' spelling [public]; the documentation's table says `trackId` [doc].
TRACK_ID_KEYS = ("_trackId", "trackId")


def envelope(
    code: int,
    message: str | None,
    data: Any,
    *,
    timestamp: int,
    ok: bool,
    track_id_key: str = "_trackId",
) -> dict[str, Any]:
    """The one shape of every answer, keys in the captured order.

    `_trackId`, `extr` and `_status` are always null: the documentation says nothing of them.
    """
    return {
        "code": code,
        "message": message,
        track_id_key: None,
        "data": data,
        "extr": None,
        "timestamp": timestamp,
        "_status": None,
        "ok": ok,
    }


def _answer(model: CredentialModel, code: int, message: str | None, data: Any, ok: bool) -> dict[str, Any]:
    return envelope(
        code,
        message,
        data,
        timestamp=math.floor(model.clock.time() * 1000),
        ok=ok,
        track_id_key=model.config.settings.track_id_key,
    )


def ok(model: CredentialModel, data: Any) -> dict[str, Any]:
    """Success: code 200, message null [public example]."""
    return _answer(model, OK, None, data, True)


def error_body(model: CredentialModel, error: ProviderError) -> dict[str, Any]:
    return _answer(model, int(error.code), model.error_message(error), None, False)
