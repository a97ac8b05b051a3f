"""Admin routes under /__admin/feishu: apps and the tokens they were issued."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import FeishuModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("apps", FeishuModel.apps, FeishuModel.create_app),
    Kind("tokens", FeishuModel.tokens),
)
