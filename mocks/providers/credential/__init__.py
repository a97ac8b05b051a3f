"""The `/openapi/auth/credential` open platform: JWT access tokens and a demo business API."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="/openapi/auth/credential open platform",
    prefixes=("/openapi",),
    credential_fields=("clientId",),
)
