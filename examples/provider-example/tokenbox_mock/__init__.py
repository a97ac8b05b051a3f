"""TokenBox: one token endpoint, one error code, one lifecycle rule, as a provider-mocks plugin."""

from __future__ import annotations

from pathlib import Path

from provider_mocks.core.provider import Provider

from . import admin, routes
from .models import TokenBoxModel

provider = Provider(
    slug="tokenbox",
    title="TokenBox (an example provider)",
    model=TokenBoxModel,
    routes=routes.bp,
    admin=admin.bp,
    prefixes=("/tokenbox",),
    hosts=("api.tokenbox.example",),
    credential_fields=("clientId",),
    contracts="tokenbox_mock.contract",
    spec=Path(__file__).with_name("tokenbox.yaml"),
)
