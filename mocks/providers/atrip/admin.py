"""Admin routes under /__admin/atrip: clients (with their orders) and live portal sessions."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import AtripModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind(
        "clients", AtripModel.clients, AtripModel.create_client, AtripModel.client, AtripModel.update_client
    ),
    Kind("sessions", AtripModel.sessions),
)
