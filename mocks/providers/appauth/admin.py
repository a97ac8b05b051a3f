"""Admin routes under /__admin/appauth: apps and live tokens."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import AppAuthModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("apps", AppAuthModel.apps, AppAuthModel.create_app, AppAuthModel.app_usage, AppAuthModel.update_app),
    Kind("tokens", AppAuthModel.tokens),
)
