"""The `/openapi/auth/credential` open platform: JWT access tokens and a demo business API."""

from __future__ import annotations

from ...core.provider import Provider
from . import admin, routes, rules
from .models import CredentialModel

provider = Provider(
    slug="credential",
    title="/openapi/auth/credential open platform",
    model=CredentialModel,
    routes=routes.bp,
    admin=admin.bp,
    prefixes=("/openapi",),
    credential_fields=("clientId",),
    contracts="provider_mocks.contracts.providers.credential",
    rules=rules.RULES,
)
