"""Admin routes under /__admin/atrip: clients (with their orders) and live portal sessions."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.crud import credential_routes
from ...core.jsonio import json_response
from .models import AtripModel, Client, ClientChange
from .routes import bp as routes

bp = Blueprint("atrip_admin", __name__)

credential_routes(
    bp,
    "clients",
    routes.model,
    AtripModel.clients,
    (Client, AtripModel.create_client),
    get=AtripModel.client,
    update=(ClientChange, AtripModel.update_client),
)


@bp.get("/sessions")
def sessions() -> Response:
    return json_response({"sessions": routes.model().sessions()})
