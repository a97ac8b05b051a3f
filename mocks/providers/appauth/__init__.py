"""The `/auth/getAccessToken` platform: app credentials and the accessToken validity test."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="接口凭证 /auth/getAccessToken platform",
    prefixes=("/auth",),
    hosts=(),  # the platform is not named in its documentation
    credential_fields=("appId",),
)
