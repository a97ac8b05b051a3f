"""WeChat's wire: codes, their texts and the bodies of its answers.

A token's success is the token and its seconds alone, with no `errcode` [public: the docs'
example; a community answer: "并没有返回errcode和errmsg"]; so is get_api_domain_ip's list
[public: docs]. The management calls (the quota's get and clear) answer `errcode` 0 and "ok"
first [public: docs]. An error is `{"errcode", "errmsg"}` in an HTTP 200 [public: clients], its
text followed by the request's id, ` rid: <8 hex>-<8 hex>-<8 hex>`, as answers have read since
about 2021 [public: clients]; `settings.errmsg_rid = false` writes the bare text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.envelope import HTTP_MESSAGES
from ...core.errors import ProviderError

if TYPE_CHECKING:
    from .models import WeChatModel

OK = 0
SYSTEM_ERROR = -1
INVALID_CREDENTIAL = 40001
INVALID_GRANT_TYPE = 40002
INVALID_APPID = 40013
INVALID_TOKEN = 40014
INVALID_SECRET = 40125
IP_NOT_WHITELISTED = 40164
SECRET_FROZEN = 40243
TOKEN_MISSING = 41001
APPID_MISSING = 41002
SECRET_MISSING = 41004
TOKEN_EXPIRED = 42001
REQUIRE_GET = 43001
REQUIRE_POST = 43002
DAILY_QUOTA = 45009
MINUTE_QUOTA = 45011
DATA_FORMAT = 47001
CLEAR_LIMIT = 48006
CLIENT_IP_NOT_REGISTERED = 61004
CGI_PATH_INVALID = 76003
CGI_PATH_NOT_FOUND = 76021

MESSAGES: dict[int | str, str] = {
    OK: "ok",  # [public: docs]
    SYSTEM_ERROR: "system error",  # [public: docs]
    INVALID_CREDENTIAL: "invalid credential, access_token is invalid or not latest, could get "
    "access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",  # [public: docs]
    INVALID_GRANT_TYPE: "invalid grant_type",  # [public: docs, the stable token's table]
    INVALID_APPID: "invalid appid",  # [public: docs]
    INVALID_TOKEN: "invalid access_token",  # [public: docs]
    INVALID_SECRET: "invalid appsecret",  # [public: docs, the stable token's table; answers]
    IP_NOT_WHITELISTED: "invalid ip {ip} ipv6 {ipv6}, not in whitelist",  # [public: answers]
    SECRET_FROZEN: "appsecret is frozen",  # [decided: the code is documented, its text is not]
    TOKEN_MISSING: "access_token missing",  # [public: docs]
    APPID_MISSING: "appid missing",  # [public: docs]
    SECRET_MISSING: "appsecret missing",  # [public: docs, the stable token's table]
    TOKEN_EXPIRED: "access_token expired",  # [public: docs]
    REQUIRE_GET: "require GET method",  # [public: the global code list]
    REQUIRE_POST: "require POST method",  # [public: docs, the stable token's table]
    DAILY_QUOTA: "reach max api daily quota limit",  # [public: docs, answers]
    MINUTE_QUOTA: "api minute-quota reach limit, must slower, retry next minute",  # [public: answers]
    DATA_FORMAT: "data format error",  # [public: the global code list]
    CLEAR_LIMIT: "forbid to clear quota because of reaching the limit",  # [public: docs]
    CLIENT_IP_NOT_REGISTERED: "access clientip is not registered",  # [public: the global code list]
    CGI_PATH_INVALID: "invalid cgi_path",  # [decided: the code is documented, its text is not]
    CGI_PATH_NOT_FOUND: "cgi_path not found, please check",  # [public: docs]
    # a wrong method is the platform's own 43001 or 43002, never an HTTP 405
    **{status: text for status, text in HTTP_MESSAGES.items() if status != 405},
}

#: The texts of the older pages and answers, where the current ones differ (`settings.texts`).
OLDER: dict[int | str, str] = {
    INVALID_CREDENTIAL: "invalid credential, access_token is invalid or not latest",  # [public: docs]
    IP_NOT_WHITELISTED: "invalid ip {ip}, not in whitelist",  # [public: a 2017 answer]
    DAILY_QUOTA: "api freq out of limit",  # [public: docs, API_Call_Limits]
}


def token(access_token: str, expires_in: int) -> dict[str, Any]:
    """A token and its seconds, and nothing else [public: docs]."""
    return {"access_token": access_token, "expires_in": expires_in}


def ok(model: WeChatModel, **fields: Any) -> dict[str, Any]:
    """A management call's success: the code and "ok", then its fields [public: docs]."""
    return {"errcode": OK, "errmsg": model.message(OK), **fields}


def error_body(model: WeChatModel, error: ProviderError) -> dict[str, Any]:
    """The code and its text, with the request's id unless `settings.errmsg_rid` is off."""
    return {"errcode": int(error.code), "errmsg": model.with_rid(model.error_message(error))}
