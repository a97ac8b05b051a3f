"""Admin routes under /__admin/credential: partners, apps (status, IP allow-list, grants, secret), tokens."""

from __future__ import annotations

from flask import Blueprint, Response

from ...core.admin import body
from ...core.jsonio import json_response
from .models import App, AppChange, Partner, PartnerChange
from .routes import model

bp = Blueprint("credential_admin", __name__)


@bp.get("/partners")
def partners() -> Response:
    return json_response({"partners": model().partners()})


@bp.post("/partners")
def create_partner() -> Response:
    return json_response(model().create_partner(body(Partner)), status=201)


@bp.get("/partners/<partner_id>")
def partner(partner_id: str) -> Response:
    return json_response(model().partner(partner_id))


@bp.patch("/partners/<partner_id>")
def update_partner(partner_id: str) -> Response:
    return json_response(model().update_partner(partner_id, body(PartnerChange)))


@bp.get("/apps")
def apps() -> Response:
    return json_response({"apps": model().apps()})


@bp.post("/apps")
def create_app() -> Response:
    return json_response(model().create_app(body(App)), status=201)


@bp.get("/apps/<client_id>")
def app(client_id: str) -> Response:
    return json_response(model().app(client_id))


@bp.patch("/apps/<client_id>")
def update_app(client_id: str) -> Response:
    return json_response(model().update_app(client_id, body(AppChange)))


@bp.get("/tokens")
def tokens() -> Response:
    return json_response({"tokens": model().tokens()})
