"""Admin routes under /__admin/wecom: apps, live tokens, and ending a token early."""

from __future__ import annotations

from flask import Response

from ...core.crud import Kind, admin_routes
from ...core.errors import AdminError
from ...core.jsonio import json_response
from . import routes
from .models import WeComModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind("apps", WeComModel.apps, WeComModel.create_app),
    Kind("tokens", WeComModel.tokens),
)


@bp.post("/tokens/<token>/end")
def end_token(token: str) -> Response:
    """End a live token now, as the platform may ("提前使access_token失效") [public: docs 91039]."""
    if not routes.bp.model().end_token(token):
        raise AdminError(404, f"no live token {token!r}")
    return json_response({"ended": token})
