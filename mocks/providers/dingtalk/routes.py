"""DingTalk's real paths on both hosts: parse, ask the model, write the body.

The legacy API takes its token and its business call as GET query parameters [public: docs];
older clients send `corpid`/`corpsecret` where newer send `appkey`/`appsecret` [public: old
docs, clients], and both are read. The new API takes a JSON body for its token (a form body is
`Missingbody` [public: a client's capture]) and the token in the `x-acs-dingtalk-access-token`
header of a business call [public: docs].
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask import Response, request

from ...core.errors import ProviderError
from ...core.jsonio import json_response
from ...core.routes import Routes
from . import errors
from .models import ACCESS_TOKEN_PATH, INNER_APPS_PATH, TICKET_PATH, TOKEN_PATH, DingTalkModel

#: What the legacy host's answers carry [public: a client's capture of an oapi answer].
LEGACY_CONTENT_TYPE = "application/json"
#: What the new host's answers carry [public: a client's capture of an api.dingtalk.com answer].
NEW_CONTENT_TYPE = "application/json;charset=utf-8"
#: The header a new-API business call carries its token in [public: docs].
TOKEN_HEADER = "x-acs-dingtalk-access-token"


class DingTalkRoutes(Routes[DingTalkModel]):
    """Two hosts, two wires: a new-API answer (its code a name) has its own Content-Type and the
    request id headers [public: clients' captures]."""

    def error_response(self, error: ProviderError) -> Response:
        body = errors.error_body(self.model(), error)
        if isinstance(error.code, str):
            headers = {**error.headers, "x-acs-request-id": body["requestid"]}
            return new_answer(body, error.http_status, headers)
        return json_response(body, error.http_status, error.headers, LEGACY_CONTENT_TYPE)


def needs_get(methods: Sequence[str]) -> Response:
    """Another method on a legacy GET path: 43001 需要GET请求 in an HTTP 200 [public: the old table]."""
    return bp.error_response(errors.refusal(errors.NEEDS_GET))


def not_found(methods: Sequence[str]) -> Response:
    """Another method on a new-API path: the gateway finds no api for it, a 404 [decided]."""
    return bp.error_response(errors.refusal(errors.NOT_FOUND))


def new_answer(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A new-API answer: its Content-Type, a request id and a trace id [public: clients' captures]."""
    ids = {
        "x-acs-request-id": errors.request_id(),
        "x-acs-trace-id": errors.request_id().replace("-", "").lower(),
    }
    return json_response(body, status, {**ids, **(headers or {})}, NEW_CONTENT_TYPE)


bp = DingTalkRoutes("dingtalk", DingTalkModel, errors.error_body, LEGACY_CONTENT_TYPE)


@bp.answer(TOKEN_PATH, methods=["GET"], refuse=needs_get)
def gettoken() -> Response:
    args = request.args
    appkey, appsecret = args.get("appkey", args.get("corpid")), args.get("appsecret", args.get("corpsecret"))
    value, seconds = bp.model().token(appkey, appsecret, errors.LEGACY)
    return bp.json(errors.token(value, seconds))


@bp.answer(TICKET_PATH, methods=["GET"], refuse=needs_get)
def get_jsapi_ticket() -> Response:
    value, seconds = bp.model().jsapi_ticket(request.args.get("access_token"))
    return bp.json(errors.ticket(value, seconds))


@bp.answer(ACCESS_TOKEN_PATH, methods=["POST"], refuse=not_found)
def access_token() -> Response:
    try:
        body = json.loads(request.get_data())
    except (ValueError, RecursionError) as exc:  # a form body, or none [public: Missingbody]
        raise errors.refusal(errors.BODY_MISSING) from exc
    if not isinstance(body, dict):
        raise errors.refusal(errors.BODY_MISSING)
    value, seconds = bp.model().token(body.get("appKey"), body.get("appSecret"), errors.NEW)
    return new_answer(errors.access_token(value, seconds))


@bp.answer(INNER_APPS_PATH, methods=["GET"], refuse=not_found)
def all_inner_apps() -> Response:
    return new_answer({"appList": bp.model().inner_apps(request.headers.get(TOKEN_HEADER))})
