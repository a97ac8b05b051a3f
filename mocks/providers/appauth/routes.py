"""The platform's real paths: parse the request, ask the model, write the envelope.

Both operations are documented as GET [doc]; Accept and Content-Type are optional and not read.
"""

from __future__ import annotations

from flask import Response, request

from ...core.jsonio import json_response
from ...core.routes import Routes
from . import errors
from .models import HELLO_PATH, TOKEN_PATH, AppAuthModel

bp = Routes("appauth", AppAuthModel, errors.error_body)


@bp.answer(TOKEN_PATH, methods=["GET"])
def get_access_token() -> Response:
    # A repeated parameter counts by its first value, as a servlet's getParameter does.
    result = bp.model().fetch_token(request.args.get("appId", ""), request.args.get("appSecret", ""))
    return json_response(errors.ok(bp.model(), result))


@bp.answer(HELLO_PATH, methods=["GET"])
def hello() -> Response:
    return json_response(errors.ok(bp.model(), bp.model().hello(request.args.get("accessToken"))))
