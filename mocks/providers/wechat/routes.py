"""WeChat's real paths (under its mount: see the package): parse, ask the model, write the body.

The token and the business call are GET, the rest POST JSON [public: docs]. A wrong method is
the platform's own code in an HTTP 200: 43002 require POST method [public: the stable token's
table], and 43001 require GET method on a GET path [public: the global code list; decided use].
A POST body that is not a JSON object is 47001 data format error [public code, decided use]; a
field that is not a string reads as missing [decided]. A repeated query parameter counts by
its first value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, request

from ...core.errors import ProviderError
from ...core.routes import Routes, json_body
from . import errors
from .models import (
    CLEAR_PATH,
    CLEAR_V2_PATH,
    DOMAIN_IP_PATH,
    QUOTA_PATH,
    STABLE_PATH,
    TOKEN_PATH,
    WeChatModel,
    forced,
)

#: What WeChat's answers carry [public: a captured answer; note `encoding=`, not `charset=`].
CONTENT_TYPE = "application/json; encoding=utf-8"
bp = Routes("wechat", WeChatModel, errors.error_body, CONTENT_TYPE)


def refusal(code: int) -> Callable[[Sequence[str]], Response]:
    """A wrong method's answer: the platform's code for the method the path takes."""

    def refuse(methods: Sequence[str]) -> Response:
        return bp.error_response(ProviderError(code))

    return refuse


GET_ONLY, POST_ONLY = refusal(errors.REQUIRE_GET), refusal(errors.REQUIRE_POST)


def json_object() -> dict[str, Any]:
    """The POST body, a JSON object (`{}` when blank); anything else is 47001."""
    body = json_body(errors.DATA_FORMAT)
    if not isinstance(body, dict):
        raise ProviderError(errors.DATA_FORMAT)
    return body


def text(body: dict[str, Any], name: str) -> str | None:
    """A body's string field; any other value reads as missing."""
    value = body.get(name)
    return value if isinstance(value, str) else None


def caller() -> str:
    return request.remote_addr or ""


@bp.answer(TOKEN_PATH, methods=["GET"], refuse=GET_ONLY)
def token() -> Response:
    args = request.args
    return bp.json(bp.model().token(args.get("grant_type"), args.get("appid"), args.get("secret"), caller()))


@bp.answer(STABLE_PATH, methods=["POST"], refuse=POST_ONLY)
def stable_token() -> Response:
    """POST JSON only ("该接口仅支持 POST JSON 形式的调用") [public: docs]."""
    body = json_object()
    answer = bp.model().stable_token(
        text(body, "grant_type"),
        text(body, "appid"),
        text(body, "secret"),
        forced(body.get("force_refresh")),
        caller(),
    )
    return bp.json(answer)


@bp.answer(QUOTA_PATH, methods=["POST"], refuse=POST_ONLY)
def get_api_quota() -> Response:
    model = bp.model()
    issued = model.check(request.args.get("access_token"))  # the token before the body [decided]
    return bp.json(model.quota(issued, json_object().get("cgi_path")))


@bp.answer(CLEAR_PATH, methods=["POST"], refuse=POST_ONLY)
def clear_quota() -> Response:
    model = bp.model()
    issued = model.check(request.args.get("access_token"))
    return bp.json(model.clear_quota(issued, json_object().get("appid")))


@bp.answer(CLEAR_V2_PATH, methods=["POST"], refuse=POST_ONLY)
def clear_quota_v2() -> Response:
    """The AppID and AppSecret in the body, or in the query as the docs' example and public
    clients (WxJava) send them [public: the docs disagree with themselves]."""
    body = json_object()
    args = request.args
    appid = text(body, "appid") or args.get("appid")
    secret = text(body, "appsecret") or args.get("appsecret")
    return bp.json(bp.model().clear_quota_by_secret(appid, secret, caller()))


@bp.answer(DOMAIN_IP_PATH, methods=["GET"], refuse=GET_ONLY)
def get_api_domain_ip() -> Response:
    return bp.json({"ip_list": bp.model().api_domain_ip(request.args.get("access_token"))})
