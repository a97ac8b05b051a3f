"""WeCom's wire: codes, their texts and the `{"errcode", "errmsg", ...}` body of every answer.

A success is `errcode` 0 and `errmsg` "ok" [public: docs 91039], then the operation's fields.
An error is the code and its text, which the platform writes as `<text>, hint: [<id>], from
ip: <caller>, more info at https://open.work.weixin.qq.com/devtool/query?e=<code>` [public:
clients, the docs' 42001 example]; `settings.errmsg_hint = false` writes the bare text, as
answers before about 2019 did. A business call's error keeps its list field, empty [public:
docs, get_api_domain_ip's 42001 example].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import has_request_context, request

from ...core.envelope import HTTP_MESSAGES
from ...core.errors import ProviderError

if TYPE_CHECKING:
    from .models import WeComModel

OK = 0
SYSTEM_BUSY = -1
INVALID_SECRET = 40001
INVALID_CORPID = 40013
INVALID_TOKEN = 40014
TOKEN_MISSING = 41001
CORPID_MISSING = 41002
SECRET_MISSING = 41004
TOKEN_EXPIRED = 42001
FREQUENCY = 45009

MESSAGES: dict[int | str, str] = {
    OK: "ok",  # [public: docs]
    SYSTEM_BUSY: "system busy",  # [decided: WeCom's own text was not found; WeChat writes "system error"]
    INVALID_SECRET: "invalid credential",  # [public: clients]
    INVALID_CORPID: "invalid corpid",  # [public: clients]
    INVALID_TOKEN: "invalid access_token",  # [public: clients]
    TOKEN_MISSING: "access_token missing",  # [public: clients]
    CORPID_MISSING: "corpid missing",  # [decided: by analogy with 41001 and 41004]
    SECRET_MISSING: "corpsecret missing",  # [public: clients]
    TOKEN_EXPIRED: "access_token expired",  # [public: docs]
    FREQUENCY: "api freq out of limit",  # [public: clients]
    **HTTP_MESSAGES,  # [decided]: HTTP-level failures keep their status as the code
}

#: Where every error's text sends the developer [public: docs].
MORE_INFO = "https://open.work.weixin.qq.com/devtool/query?e={code}"


#: The operations whose answers carry a list, kept empty on an error, before the code.
LISTED = {"get_api_domain_ip": "ip_list"}


def token(model: WeComModel, fields: dict[str, Any]) -> dict[str, Any]:
    """gettoken's success: the code, "ok", then the token and its seconds [public: docs 91039]."""
    return {"errcode": OK, "errmsg": model.message(OK), **fields}


def listed(model: WeComModel, name: str, items: list[Any]) -> dict[str, Any]:
    """A business call's success: its list first, then the code and "ok" [public: docs 97073]."""
    return {name: items, "errcode": OK, "errmsg": model.message(OK)}


def error_body(model: WeComModel, error: ProviderError) -> dict[str, Any]:
    """The error's code and text, the operation's list (empty) before them where it has one."""
    code = int(error.code)
    in_request = has_request_context()
    caller = (request.remote_addr or "") if in_request else ""
    body = {"errcode": code, "errmsg": model.hint(code, model.error_message(error), caller)}
    name = LISTED.get((request.endpoint or "").rpartition(".")[2]) if in_request else None
    return {name: [], **body} if name else body
