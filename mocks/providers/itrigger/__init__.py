"""企加云 iTrigger: the open API gateway's token endpoint and demo business APIs."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="企加云 iTrigger open API gateway",
    prefixes=("/itrigger-tenant", "/itrigger-bff"),
    hosts=("gateway-dev.itrigger.cn",),
    credential_fields=("appId",),
)
