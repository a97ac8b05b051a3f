"""Feishu's real paths: parse, ask the model, write the body.

The token endpoints take POST and a JSON body [public: docs]; the path with a trailing slash
answers as the path does [public: a probe]. Get bot info takes GET and the token in
`Authorization` [public: docs].
"""

from __future__ import annotations

from flask import Response, request

from ...core.routes import Routes, json_body
from . import errors
from .models import APP_TOKEN_PATH, BOT_INFO_PATH, TENANT_TOKEN_PATH, FeishuModel

#: What Feishu's answers carry [public: the SDKs read any application/json; decided charset].
CONTENT_TYPE = "application/json; charset=utf-8"
bp = Routes("feishu", FeishuModel, errors.error_body, CONTENT_TYPE)


@bp.answer(TENANT_TOKEN_PATH, TENANT_TOKEN_PATH + "/", methods=["POST"])
def tenant_access_token() -> Response:
    """自建应用获取 tenant_access_token: the token and its seconds left [public: docs]."""
    live = bp.model().token(json_body(errors.INVALID_PARAM), "tenant_access_token")
    return bp.json(errors.token(bp.model(), {"tenant_access_token": live["token"], "expire": live["expire"]}))


@bp.answer(APP_TOKEN_PATH, APP_TOKEN_PATH + "/", methods=["POST"])
def app_access_token() -> Response:
    """自建应用获取 app_access_token: for a self-built app, its tenant token under both names
    [public: docs, the example answers one value for both]."""
    live = bp.model().token(json_body(errors.INVALID_PARAM), "app_access_token")
    fields = {
        "app_access_token": live["token"],
        "expire": live["expire"],
        "tenant_access_token": live["token"],
    }
    return bp.json(errors.token(bp.model(), fields))


@bp.answer(BOT_INFO_PATH, methods=["GET"])
def bot_info() -> Response:
    """获取机器人信息: the app's bot, under `bot` [public: docs]."""
    return bp.json(errors.ok(bp.model(), "bot", bp.model().bot_info(request.headers.get("Authorization"))))
