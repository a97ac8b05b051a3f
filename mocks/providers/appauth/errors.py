"""The appauth platform's wire: codes, their messages and the `{code, message, result, success}`
envelope of every answer.

Code 401 has three messages (credentials missing, credentials wrong, token invalid),
so the table is keyed by the code, or by the code and a name after a dot where one
code has several messages (`"401.missing"`). The envelope's `code` is the number
before the dot; the `[appauth.messages]` config table uses the same keys.
"""

from __future__ import annotations

from ...core.envelope import GATEWAY_HTTP_MESSAGES, Envelope
from ...core.envelope import code_of as code_of  # "401.missing" -> 401, for the table's readers

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
    **GATEWAY_HTTP_MESSAGES,
}


#: Every answer: `{code, message, result, success}`, keys in the documented order.
ENVELOPE = Envelope(OK, data="result", success="success")
ok = ENVELOPE.ok
error_body = ENVELOPE.error_body
