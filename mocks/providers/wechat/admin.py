"""Admin routes under /__admin/wechat: accounts (secret, white-list, frozen secret, quotas) and tokens."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import WeChatModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("apps", WeChatModel.apps, WeChatModel.create_app, WeChatModel.app, WeChatModel.update_app),
    Kind("tokens", WeChatModel.tokens),
)
