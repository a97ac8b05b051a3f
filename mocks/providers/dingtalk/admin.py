"""Admin routes under /__admin/dingtalk: apps and live tokens."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import DingTalkModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("apps", DingTalkModel.apps, DingTalkModel.create_app),
    Kind("tokens", DingTalkModel.tokens),
)
