"""TokenBox's one path: parse the request, ask the model, write the envelope."""

from __future__ import annotations

from flask import Response, request

from provider_mocks.core.jsonio import json_response
from provider_mocks.core.routes import Routes

from . import errors
from .models import TOKEN_PATH, TokenBoxModel

bp = Routes("tokenbox", TokenBoxModel, errors.error_body)


@bp.answer(TOKEN_PATH, methods=["GET"])
def token() -> Response:
    found = bp.model().token(request.args.get("clientId", ""), request.args.get("clientSecret", ""))
    return json_response(errors.ok(bp.model(), found))
