"""Admin routes under /__admin/itrigger: tenants, apps, grants and live tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.crud import credential_routes
from ...core.jsonio import json_response
from .models import App, AppChange, ITriggerModel, Tenant, TenantChange
from .routes import bp as routes

bp = Blueprint("itrigger_admin", __name__)

credential_routes(
    bp,
    "tenants",
    routes.model,
    ITriggerModel.tenants,
    (Tenant, ITriggerModel.create_tenant),
    update=(TenantChange, ITriggerModel.update_tenant),
)
credential_routes(
    bp,
    "apps",
    routes.model,
    ITriggerModel.apps,
    (App, ITriggerModel.create_app),
    get=ITriggerModel.app,
    update=(AppChange, ITriggerModel.update_app),
)


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": routes.model().tokens()})
