"""ATRIP Token (Atlas flight ticketing): the token endpoint and the portal its url opens."""

from __future__ import annotations

from ...core.provider import Provider
from . import admin, routes, rules
from .models import PORTAL_PREFIX, TOKEN_PATH, AtripModel

provider = Provider(
    slug="atrip",
    title="ATRIP Token (Atlas flight ticketing)",
    model=AtripModel,
    routes=routes.bp,
    admin=admin.bp,
    prefixes=(TOKEN_PATH, PORTAL_PREFIX),
    hosts=("sandbox.atriptech.com", "sandbox.atlaslovestravel.com"),
    credential_fields=("x-atlas-client-id",),
    contracts="provider_mocks.contracts.providers.atrip",
    rules=rules.RULES,
)
