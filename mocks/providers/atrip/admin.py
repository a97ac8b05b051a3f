"""Admin routes under /__admin/atrip: clients (with their orders) and live portal sessions."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.admin import body
from ...core.jsonio import json_response
from .models import Client, ClientChange
from .routes import model

bp = Blueprint("atrip_admin", __name__)


@bp.get("/clients")
def clients() -> Response:
    return json_response({"clients": model().clients()})


@bp.post("/clients")
def create_client() -> Response:
    return json_response(model().create_client(body(Client)), status=201)


@bp.get("/clients/<client_id>")
def client(client_id: str) -> Response:
    return json_response(model().client(client_id))


@bp.patch("/clients/<client_id>")
def update_client(client_id: str) -> Response:
    return json_response(model().update_client(client_id, body(ClientChange)))


@bp.get("/sessions")
def sessions() -> Response:
    return json_response({"sessions": model().sessions()})
