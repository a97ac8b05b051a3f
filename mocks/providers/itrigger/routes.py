"""iTrigger's real paths: parse the request, ask the model, write the envelope.

The documentation allows only GET and POST [doc: 调用方式只有GET和POST].
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from ...core.errors import ProviderError
from ...core.jsonio import json_response
from ...core.routes import Routes, json_body
from . import errors
from .models import TOKEN_PATH, ITriggerModel

bp = Routes("itrigger", ITriggerModel, errors.error_body)


@bp.answer(TOKEN_PATH, methods=["GET"])
def token() -> Response:
    # A repeated parameter counts by its first value, as a servlet's getParameter does.
    token = bp.model().issue_token(request.args.get("appId", ""), request.args.get("appSecret", ""))
    return json_response(errors.ok(bp.model(), {"accessToken": token}))


@bp.answer("/itrigger-tenant/<path:api>", "/itrigger-bff/<path:api>", methods=["GET", "POST"])
def business(api: str) -> Response:
    """Any granted API echoes what it received: the query (GET) or the JSON object body (POST)."""
    model = bp.model()
    model.authorize(request.args.get("accessToken"), request.path)
    data: Any
    if request.method == "GET":
        data = {k: v for k, v in request.args.items() if k != "accessToken"}
    else:  # POST: only accessToken is read from the query [doc]
        data = json_body(errors.BAD_PARAMETER)
        if not isinstance(data, dict):  # parameters are named: an array or a scalar is none
            raise ProviderError(errors.BAD_PARAMETER)
    return json_response(errors.ok(model, data))
