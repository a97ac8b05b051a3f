"""The `/auth/getAccessToken` platform: app credentials and the accessToken validity test."""

from __future__ import annotations

from ...core.provider import Provider
from . import admin, routes
from .models import AppAuthModel

provider = Provider(
    slug="appauth",
    title="接口凭证 /auth/getAccessToken platform",
    model=AppAuthModel,
    routes=routes.bp,
    admin=admin.bp,
    prefixes=("/auth",),
    hosts=(),  # the platform is not named in its documentation
    credential_fields=("appId",),
    contracts="provider_mocks.contracts.providers.appauth",
)
