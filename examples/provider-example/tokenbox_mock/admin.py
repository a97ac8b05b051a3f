"""Admin routes under /__admin/tokenbox: the live tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from provider_mocks.core.jsonio import json_response

from .routes import bp as routes

bp = Blueprint("tokenbox_admin", __name__)


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": routes.model().live_tokens()})
