"""Admin routes under /__admin/appauth: apps and live tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.admin import body
from ...core.jsonio import json_response
from .models import App, AppChange
from .routes import model

bp = Blueprint("appauth_admin", __name__)


@bp.get("/apps")
def apps() -> Response:
    return json_response({"apps": model().apps()})


@bp.post("/apps")
def create_app() -> Response:
    return json_response(model().create_app(body(App)), status=201)


@bp.get("/apps/<app_id>")
def app(app_id: str) -> Response:
    return json_response(model().app_usage(app_id))


@bp.patch("/apps/<app_id>")
def update_app(app_id: str) -> Response:
    return json_response(model().update_app(app_id, body(AppChange)))


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": model().tokens()})
