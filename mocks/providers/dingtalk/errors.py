"""DingTalk's wire: two API generations, each with its own codes, texts and envelope.

The legacy API (`oapi.dingtalk.com`) answers every call HTTP 200 with `errcode` and `errmsg`
("所有接口在调用失败时都会返回errcode和errmsg") [public: docs]; an error carries those two keys
alone ("如果字段的值为空或者null，将不返回该字段") [public: docs]. Its codes are numbers.

The new API (`api.dingtalk.com/v1.0`) answers a success with the operation's fields alone and an
error with an HTTP 4xx or 5xx and `{"code", "requestid", "message"}` [public: clients' captures],
the request id also in the `x-acs-request-id` header [public: clients]. Its codes are names,
which is how a `ProviderError` tells which envelope it goes out in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...core.envelope import GATEWAY_HTTP_MESSAGES
from ...core.errors import ProviderError

if TYPE_CHECKING:
    from .models import DingTalkModel

# -- the legacy API's errcodes --------------------------------------------------------------
OK = 0
SYSTEM_BUSY = -1
INVALID_TOKEN = 40014
INVALID_CREDENTIALS = 40089
TOKEN_MISSING = 41001
APPKEY_MISSING = 41002
SECRET_MISSING = 41004
TOKEN_EXPIRED = 42001
NEEDS_GET = 43001
APPKEY_PER_SECOND = 90018
APPKEY_PER_MINUTE = 90006
ORG_PER_MONTH = 90020

# -- the new API's codes, with their HTTP statuses --------------------------------------------
CLIENT_INVALID = "invalidClientIdOrSecret"
AUTHENTICATION = "InvalidAuthentication"
BODY_MISSING = "Missingbody"
APP_KEY_MISSING = "MissingappKey"
APP_SECRET_MISSING = "MissingappSecret"
QPS_LIMIT = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
MONTH_LIMIT = "Forbidden.AccessDenied.ApiCountLimitForOrg"
BUSY = "systemBusy"
NOT_FOUND = "InvalidAction.NotFound"
BAD_REQUEST = "BadRequest"
TOO_LARGE = "RequestEntityTooLarge"
URI_TOO_LONG = "RequestURITooLong"
METHOD_UNKNOWN = "MethodNotAllowed"

#: The texts of 90020 and its new-API twin: the month's count and the quota are filled in.
MONTH_TEXT = (
    "您的企业本月api调用量已超过限制,调用量:{used}次,额度:{quota}次,请登录开发者后台-资源管理-查看用量明细"
)

MESSAGES: dict[int | str, str] = {
    OK: "ok",  # [public: docs, gettoken's example]
    SYSTEM_BUSY: "系统繁忙",  # [public: the old global code table]
    INVALID_TOKEN: "不合法的access_token",  # [public: docs and captured answers]
    # the text `settings.credential_errmsg` picks by default [public: a 2023 capture]
    INVALID_CREDENTIALS: "不合法的corpId或corpSecret",
    TOKEN_MISSING: "缺少access_token参数",  # [public: the old global code table]
    APPKEY_MISSING: "缺少corpid参数",  # [public: the old table; decided: for a missing appkey]
    SECRET_MISSING: "缺少secret参数",  # [public: the old global code table]
    TOKEN_EXPIRED: "access_token超时",  # [public: the old table; sent with expired_errcode = 42001]
    NEEDS_GET: "需要GET请求",  # [public: the old global code table]
    # [decided: the per-second limit's text was not found; worded like 90006's]
    APPKEY_PER_SECOND: "您当前使用的appkey调用当前接口频率过高,请求被暂时禁用了",
    # [public: the old global code table]
    APPKEY_PER_MINUTE: (
        "您当前使用的CorpId及CorpSecret调用当前接口次数过多,请求被暂时禁用了,仅对企业自己的Accesstoken有效"
    ),
    ORG_PER_MONTH: MONTH_TEXT,  # [public: DingTalk's help page on the monthly quota]
    # HTTP-level failures on its legacy paths [decided]; a known method it does not take is 43001
    **GATEWAY_HTTP_MESSAGES,
    CLIENT_INVALID: "无效的clientId或者clientSecret",  # [public: docs]
    AUTHENTICATION: "不合法的access_token",  # [public: captured answers]
    BODY_MISSING: "body is mandatory for this action.",  # [public: a client's capture]
    APP_KEY_MISSING: "appKey is mandatory for this action.",  # [decided: worded like Missingbody]
    APP_SECRET_MISSING: "appSecret is mandatory for this action.",  # [decided: the same]
    # [public: clients; decided: the end of the limit in Beijing time]
    QPS_LIMIT: "请求过于频繁，限制将在 {until} 结束",
    MONTH_LIMIT: MONTH_TEXT,  # [decided: 90020's text]
    BUSY: "系统繁忙",  # [public: docs, allInnerApps' error table]
    # [decided: HTTP-level failures under /v1.0, as the API gateway it runs on words them]
    NOT_FOUND: "Specified api is not found, please check your url and method.",
    BAD_REQUEST: "The request is malformed.",
    TOO_LARGE: "The request entity is too large.",
    URI_TOO_LONG: "The request URI is too long.",
    METHOD_UNKNOWN: "The request method is not supported.",
}

#: The HTTP status of each new-API code [public: docs and captures; decided for the HTTP-level ones].
STATUS: dict[str, int] = {
    CLIENT_INVALID: 400,
    AUTHENTICATION: 400,
    BODY_MISSING: 400,
    APP_KEY_MISSING: 400,
    APP_SECRET_MISSING: 400,
    QPS_LIMIT: 403,
    MONTH_LIMIT: 403,
    BUSY: 500,
    NOT_FOUND: 404,
    BAD_REQUEST: 400,
    TOO_LARGE: 413,
    URI_TOO_LONG: 414,
    METHOD_UNKNOWN: 405,
}

#: A new-API HTTP-level failure's code, by its status [decided]. A known method a path does not
#: take is the gateway's 404 (see routes); 405 is a method no HTTP client sends (`BREW`).
BY_STATUS = {400: BAD_REQUEST, 404: NOT_FOUND, 405: METHOD_UNKNOWN, 413: TOO_LARGE, 414: URI_TOO_LONG}


@dataclass(frozen=True)
class Generation:
    """The codes one API generation answers the shared rules with."""

    name: str
    key_missing: int | str
    secret_missing: int | str
    bad_credentials: int | str
    token_missing: int | str
    invalid_token: int | str
    per_second: int | str
    per_minute: int | str
    per_month: int | str

    @property
    def new(self) -> bool:
        return isinstance(self.invalid_token, str)


LEGACY = Generation(
    "oapi",
    APPKEY_MISSING,
    SECRET_MISSING,
    INVALID_CREDENTIALS,
    TOKEN_MISSING,
    INVALID_TOKEN,
    APPKEY_PER_SECOND,
    APPKEY_PER_MINUTE,
    ORG_PER_MONTH,
)
NEW = Generation(
    "api",
    APP_KEY_MISSING,
    APP_SECRET_MISSING,
    CLIENT_INVALID,
    AUTHENTICATION,  # a missing header is an invalid token [decided: no source shows the answer]
    AUTHENTICATION,
    QPS_LIMIT,
    QPS_LIMIT,
    MONTH_LIMIT,
)


def refusal(code: int | str, detail: str | None = None) -> ProviderError:
    """The error `code` with the HTTP status its generation answers it with."""
    status = STATUS[code] if isinstance(code, str) else 200
    return ProviderError(code, detail=detail, http_status=status)


def token(access_token: str, expires_in: int) -> dict[str, Any]:
    """gettoken's success, its keys in the docs' example order [public: docs]."""
    return {"errcode": OK, "access_token": access_token, "errmsg": "ok", "expires_in": expires_in}


def ticket(value: str, expires_in: int) -> dict[str, Any]:
    """get_jsapi_ticket's success [public: the old docs' example]."""
    return {"errcode": OK, "errmsg": "ok", "ticket": value, "expires_in": expires_in}


def access_token(value: str, expire_in: int) -> dict[str, Any]:
    """The new token's success, in the order a captured answer has it [public: a client's capture;
    the docs' example lists accessToken first]."""
    return {"expireIn": expire_in, "accessToken": value}


def request_id() -> str:
    """A fresh request id, as the platform writes them (`30EE8654-1AA2-7D88-8248-9518547248AA`)."""
    return str(uuid.uuid4()).upper()


def error_body(model: DingTalkModel, error: ProviderError) -> dict[str, Any]:
    """The error in its generation's envelope: `errcode`/`errmsg`, or `code`/`requestid`/`message`."""
    if isinstance(error.code, str):
        return {"code": error.code, "requestid": request_id(), "message": model.error_message(error)}
    return {"errcode": error.code, "errmsg": model.error_message(error)}
