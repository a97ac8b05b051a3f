"""Feishu / Lark (飞书): a self-built app's tenant and app access tokens, and a call that checks them."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="Feishu 飞书 / Lark access tokens",
    prefixes=("/open-apis",),
    # Feishu's, Lark's (the same API [public: docs, SDKs]) and the doc mirror's, which community
    # scripts call as an API host too [public: clients]
    hosts=("open.feishu.cn", "open.larksuite.com", "open.larkoffice.com"),
    credential_fields=("app_id",),
)
