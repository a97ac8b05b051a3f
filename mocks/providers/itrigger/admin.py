"""Admin routes under /__admin/itrigger: tenants, apps, grants and live tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.admin import body
from ...core.jsonio import json_response
from .models import App, AppChange, Tenant, TenantChange
from .routes import model

bp = Blueprint("itrigger_admin", __name__)


@bp.get("/tenants")
def tenants() -> Response:
    return json_response({"tenants": model().tenants()})


@bp.post("/tenants")
def create_tenant() -> Response:
    return json_response(model().create_tenant(body(Tenant)), status=201)


@bp.patch("/tenants/<tenant_id>")
def update_tenant(tenant_id: str) -> Response:
    return json_response(model().update_tenant(tenant_id, body(TenantChange)))


@bp.get("/apps")
def apps() -> Response:
    return json_response({"apps": model().apps()})


@bp.post("/apps")
def create_app() -> Response:
    return json_response(model().create_app(body(App)), status=201)


@bp.get("/apps/<app_id>")
def app(app_id: str) -> Response:
    return json_response(model().app(app_id))


@bp.patch("/apps/<app_id>")
def update_app(app_id: str) -> Response:
    return json_response(model().update_app(app_id, body(AppChange)))


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": model().tokens()})
