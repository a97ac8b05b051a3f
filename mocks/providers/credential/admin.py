"""Admin routes under /__admin/credential: partners, apps (status, IP allow-list, grants, secret), tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.crud import credential_routes
from ...core.jsonio import json_response
from .models import App, AppChange, CredentialModel, Partner, PartnerChange
from .routes import bp as routes

bp = Blueprint("credential_admin", __name__)

credential_routes(
    bp,
    "partners",
    routes.model,
    CredentialModel.partners,
    (Partner, CredentialModel.create_partner),
    get=CredentialModel.partner,
    update=(PartnerChange, CredentialModel.update_partner),
)
credential_routes(
    bp,
    "apps",
    routes.model,
    CredentialModel.apps,
    (App, CredentialModel.create_app),
    get=CredentialModel.app,
    update=(AppChange, CredentialModel.update_app),
)


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": routes.model().tokens()})
