"""The platform's real paths: parse the request, ask the model, write the envelope."""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed

from ...core.jsonio import json_response
from ...core.services import get_mocks
from .models import HELLO_PATH, TOKEN_PATH, AppAuthModel

bp = Blueprint("appauth", __name__)

#: Every method reaches a handler, so a wrong one gets the platform's envelope.
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def model() -> AppAuthModel:
    found = get_mocks().model("appauth")
    assert isinstance(found, AppAuthModel)
    return found


def allow_get() -> None:
    """Both operations are documented as GET [doc]; Accept and Content-Type are optional and not read."""
    if request.method != "GET":
        raise MethodNotAllowed(valid_methods=["GET"])


@bp.route(TOKEN_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def get_access_token() -> Response:
    allow_get()
    # A repeated parameter counts by its first value, as a servlet's getParameter does.
    result = model().fetch_token(request.args.get("appId", ""), request.args.get("appSecret", ""))
    return json_response(model().ok(result))


@bp.route(HELLO_PATH, methods=ANY_METHOD, provide_automatic_options=False)
def hello() -> Response:
    allow_get()
    return json_response(model().ok(model().hello(request.args.get("accessToken"))))
