"""Sugon / SCNet AC: token acquisition (password and AK/SK), renewal, state and the center."""

from __future__ import annotations

from ...core.provider import Provider
from . import admin, routes, rules
from .models import SugonModel

provider = Provider(
    slug="sugon",
    title="Sugon / SCNet AC computing platform",
    model=SugonModel,
    routes=routes.bp,
    admin=admin.bp,
    prefixes=("/ac", "/api/user"),
    hosts=("www.scnet.cn", "api.scnet.cn", "ac.sugon.com", "scnet-demo.accloud.cn"),
    credential_fields=("user",),
    contracts="provider_mocks.contracts.providers.sugon",
    rules=rules.RULES,
)
