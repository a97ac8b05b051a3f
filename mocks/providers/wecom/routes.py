"""WeCom's real paths (under its mount: see the package): parse, ask the model, write the body.

Both are GET [public: docs 91039, 97073]; a repeated parameter counts by its first value.
"""

from __future__ import annotations

from flask import Response, request

from ...core.routes import Routes
from . import errors
from .models import DOMAIN_IP_PATH, TOKEN_PATH, WeComModel

#: What WeCom's answers carry [public: a client's capture of a qyapi answer].
CONTENT_TYPE = "application/json; charset=utf-8"
bp = Routes("wecom", WeComModel, errors.error_body, CONTENT_TYPE)


@bp.answer(TOKEN_PATH, methods=["GET"])
def gettoken() -> Response:
    args = request.args
    answer = bp.model().token(args.get("corpid"), args.get("corpsecret"), request.remote_addr or "")
    return bp.json(errors.token(bp.model(), answer))


@bp.answer(DOMAIN_IP_PATH, methods=["GET"])
def get_api_domain_ip() -> Response:
    ips = bp.model().api_domain_ip(request.args.get("access_token"))
    return bp.json(errors.listed(bp.model(), errors.LISTED["get_api_domain_ip"], ips))
