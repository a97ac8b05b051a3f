"""ATRIP Token (Atlas flight ticketing): the token endpoint and the portal its url opens."""

from __future__ import annotations

from ...core.provider import Provider
from .models import PORTAL_PREFIX, TOKEN_PATH

provider = Provider.of_package(
    __name__,
    title="ATRIP Token (Atlas flight ticketing)",
    prefixes=(TOKEN_PATH, PORTAL_PREFIX),
    hosts=("sandbox.atriptech.com", "sandbox.atlaslovestravel.com"),
    credential_fields=("x-atlas-client-id",),
)
