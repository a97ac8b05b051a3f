"""Feishu's wire: codes, their texts, and the shapes its answers take.

Every answer is `{"code", "msg", ...}`, `code` 0 on success [public: docs]. The shapes differ by
where the answer comes from:

- the token endpoints answer HTTP 200 whatever happened [public: clients' probes]; their keys in
  alphabetical order, as the platform writes them (`{"code": 0, "expire": 4567, "msg": "ok",
  "tenant_access_token": ...}`, and the app token page's example) [public]; a refusal carries an
  empty `data`: `{"code":10003,"data":{},"msg":"invalid param"}` [public: a probe];
- the gateway refuses a business call's token with HTTP 400, the code, its text and an `error`
  with the request's `log_id` and where to look it up [public: a probe];
- a frequency limit is HTTP 429 (400 on some older APIs), `{"code": 99991400, "msg": ...}`
  with `x-ogw-ratelimit-limit` and `x-ogw-ratelimit-reset` [public: docs];
- everything else (HTTP-level failures, a crash) is the bare `{"code", "msg"}` [decided].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.envelope import HTTP_MESSAGES
from ...core.envelope import code_of as code_of  # "10014.app" -> 10014, for the table's readers
from ...core.errors import ProviderError

if TYPE_CHECKING:
    from .models import FeishuModel

OK = 0
INVALID_PARAM = 10003
APP_NOT_FOUND = "10014.app"
SECRET_INVALID = "10014.secret"
INTERNAL_ERROR = 1500
FREQUENCY = 99991400
TOKEN_MISSING = 99991661
TOKEN_INVALID = 99991663
USER_TOKEN_INVALID = 99991668

#: The gateway's text for a token it refuses [public: clients quoting the platform's answers].
INVALID_TOKEN_TEXT = "Invalid access token for authorization. Please make a request with token attached."

MESSAGES: dict[int | str, str] = {
    OK: "ok",  # [public: docs, the /internal pages' examples]
    INVALID_PARAM: "invalid param",  # [public: a probe, SDK issues]: a missing or malformed field
    APP_NOT_FOUND: "app id not exists",  # [public: clients]: a well-formed app_id nobody has
    SECRET_INVALID: "app secret invalid",  # [public: the official CLI's error table]
    INTERNAL_ERROR: "internal error",  # [public: docs, the server error codes page]
    FREQUENCY: "request trigger frequency limit",  # [public: docs, the rate limits page]
    TOKEN_MISSING: "Missing access token for authorization. Please make a request with token attached.",
    TOKEN_INVALID: INVALID_TOKEN_TEXT,  # [public: clients]: a tenant token unknown or expired
    USER_TOKEN_INVALID: INVALID_TOKEN_TEXT,  # [public: a probe]: what looks like a user token
    **HTTP_MESSAGES,  # [decided]: HTTP-level failures keep their status as the code
}

#: The codes the token endpoints answer with, in an HTTP 200 and with an empty `data`.
TOKEN_CODES = frozenset({INVALID_PARAM, code_of(APP_NOT_FOUND)})
#: The codes the gateway refuses a business call's token with, in an HTTP 400.
GATEWAY_CODES = frozenset({TOKEN_MISSING, TOKEN_INVALID, USER_TOKEN_INVALID})
#: Where the gateway's `error.troubleshooter` sends the developer [public: clients' captures].
TROUBLESHOOTER = "排查建议查看(Troubleshooting suggestions): https://open.feishu.cn/search?from=openapi&log_id={log_id}&code={code}"


def alphabetical(answer: dict[str, Any]) -> dict[str, Any]:
    """A token endpoint's answer, its keys in the order the platform writes them."""
    return dict(sorted(answer.items()))


def token(model: FeishuModel, fields: dict[str, Any]) -> dict[str, Any]:
    """A token endpoint's success: the code, "ok" and the token's fields [public: docs]."""
    return alphabetical({"code": OK, "msg": model.message(OK), **fields})


def ok(model: FeishuModel, name: str, result: Any) -> dict[str, Any]:
    """A business call's success: the code, "ok", then its result under its own key [public: docs]."""
    return {"code": OK, "msg": model.message(OK), name: result}


def gateway(code: int) -> ProviderError:
    """The gateway's refusal of a business call's token: an HTTP 400 [public: a probe]."""
    return ProviderError(code, http_status=400)


def error_body(model: FeishuModel, error: ProviderError) -> dict[str, Any]:
    """The error's code and text, in the shape of where it arose (see the module)."""
    code = code_of(error.code)
    text = model.error_message(error)
    if code in TOKEN_CODES:
        return alphabetical({"code": code, "data": {}, "msg": text})
    if code in GATEWAY_CODES:
        log_id = model.log_id()
        detail = {"log_id": log_id, "troubleshooter": TROUBLESHOOTER.format(log_id=log_id, code=code)}
        return {"code": code, "msg": text, "error": detail}
    return {"code": code, "msg": text}
