"""企加云 iTrigger: the open API gateway's token endpoint and demo business APIs."""

from __future__ import annotations

from ...core.provider import Provider
from . import admin, routes
from .models import ITriggerModel

provider = Provider(
    slug="itrigger",
    title="企加云 iTrigger open API gateway",
    model=ITriggerModel,
    routes=routes.bp,
    admin=admin.bp,
    prefixes=("/itrigger-tenant", "/itrigger-bff"),
    hosts=("gateway-dev.itrigger.cn",),
    credential_fields=("appId",),
    contracts="provider_mocks.contracts.providers.itrigger",
)
