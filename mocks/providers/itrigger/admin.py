"""Admin routes under /__admin/itrigger: tenants, apps, grants and live tokens."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import ITriggerModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("tenants", ITriggerModel.tenants, ITriggerModel.create_tenant, update=ITriggerModel.update_tenant),
    Kind("apps", ITriggerModel.apps, ITriggerModel.create_app, ITriggerModel.app, ITriggerModel.update_app),
    Kind("tokens", ITriggerModel.tokens),
)
