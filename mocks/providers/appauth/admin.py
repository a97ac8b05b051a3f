"""Admin routes under /__admin/appauth: apps and live tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.crud import credential_routes
from ...core.jsonio import json_response
from .models import App, AppAuthModel, AppChange
from .routes import bp as routes

bp = Blueprint("appauth_admin", __name__)

credential_routes(
    bp,
    "apps",
    routes.model,
    AppAuthModel.apps,
    (App, AppAuthModel.create_app),
    get=AppAuthModel.app_usage,
    update=(AppChange, AppAuthModel.update_app),
)


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": routes.model().tokens()})
