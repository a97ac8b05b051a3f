"""WeCom (企业微信): the app access token (`cgi-bin/gettoken`) and a business call that checks it."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="WeCom 企业微信 access token",
    prefixes=("/cgi-bin",),
    hosts=("qyapi.weixin.qq.com",),
    credential_fields=("corpid",),
    # WeChat's API lives under /cgi-bin/ too (get_api_domain_ip is both's): served by its host
    prefixed=True,
)
