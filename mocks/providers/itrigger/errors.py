"""iTrigger's wire: its codes, their messages and the `{code, message, data}` envelope of every answer."""

from __future__ import annotations

from ...core.envelope import GATEWAY_HTTP_MESSAGES, Envelope

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
    **GATEWAY_HTTP_MESSAGES,
}


#: Every answer: `{code, message, data}`, keys in the documented order.
ENVELOPE = Envelope(OK)
ok = ENVELOPE.ok
error_body = ENVELOPE.error_body
