"""iTrigger's real paths: parse the request, ask the model, write the envelope."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from ...core.errors import ProviderError
from ...core.jsonio import json_response
from ...core.services import get_mocks
from . import errors
from .models import TOKEN_PATH, ITriggerModel

bp = Blueprint("itrigger", __name__)

#: Every method reaches a handler, so a wrong one gets iTrigger's envelope.
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def model() -> ITriggerModel:
    found = get_mocks().model("itrigger")
    assert isinstance(found, ITriggerModel)
    return found


def _not_json(constant: str) -> Any:
    """NaN and Infinity are not JSON, whatever Python's parser accepts."""
    raise ValueError(f"{constant} is not JSON")


def allow(*methods: str) -> None:
    """The documentation allows only these methods [doc: 调用方式只有GET和POST]."""
    if request.method not in methods:
        raise MethodNotAllowed(valid_methods=list(methods))


@bp.route(TOKEN_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def token() -> Response:
    allow("GET")
    # A repeated parameter counts by its first value, as a servlet's getParameter does.
    token = model().issue_token(request.args.get("appId", ""), request.args.get("appSecret", ""))
    return json_response(model().ok({"accessToken": token}))


@bp.route("/itrigger-tenant/<path:api>", methods=ANY_METHOD, provide_automatic_options=False)
@bp.route("/itrigger-bff/<path:api>", methods=ANY_METHOD, provide_automatic_options=False)
def business(api: str) -> Response:
    """Any granted API echoes what it received: the query (GET) or the JSON object body (POST)."""
    allow("GET", "POST")
    model().authorize(request.args.get("accessToken"), request.path)
    data: Any
    if request.method == "GET":
        data = {k: v for k, v in request.args.items() if k != "accessToken"}
    else:  # POST: only accessToken is read from the query [doc]
        raw = request.get_data()
        try:
            data = json.loads(raw, parse_constant=_not_json) if raw.strip() else {}
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to parse
            raise ProviderError(errors.BAD_PARAMETER) from exc
        if not isinstance(data, dict):  # parameters are named: an array or a scalar is none
            raise ProviderError(errors.BAD_PARAMETER)
    return json_response(model().ok(data))
