"""Admin routes under /__admin/credential: partners, apps (status, IP allow-list, grants, secret), tokens."""

from __future__ import annotations

from ...core.crud import Kind, admin_routes
from . import routes
from .models import CredentialModel

bp = admin_routes(
    __name__,
    routes.bp,
    Kind(
        "partners",
        CredentialModel.partners,
        CredentialModel.create_partner,
        CredentialModel.partner,
        CredentialModel.update_partner,
    ),
    Kind(
        "apps",
        CredentialModel.apps,
        CredentialModel.create_app,
        CredentialModel.app,
        CredentialModel.update_app,
    ),
    Kind("tokens", CredentialModel.tokens),
)
