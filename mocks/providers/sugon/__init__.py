"""Sugon / SCNet AC: token acquisition (password and AK/SK), renewal, state and the center."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="Sugon / SCNet AC computing platform",
    prefixes=("/ac", "/api/user"),
    hosts=("www.scnet.cn", "api.scnet.cn", "ac.sugon.com", "scnet-demo.accloud.cn"),
    credential_fields=("user",),
)
