"""WeChat (微信公众平台 / 小程序): the access token (`cgi-bin/token`), the stable one
(`cgi-bin/stable_token`), their quotas and a business call that checks them."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="WeChat 微信公众平台 / 小程序 access token",
    prefixes=("/cgi-bin",),
    # the general host, its disaster-recovery twin and the regional ones [public: docs]
    hosts=(
        "api.weixin.qq.com",
        "api2.weixin.qq.com",
        "sh.api.weixin.qq.com",
        "sz.api.weixin.qq.com",
        "hk.api.weixin.qq.com",
    ),
    credential_fields=("appid",),
    # WeCom's API lives under /cgi-bin/ too (get_api_domain_ip is both's): served by its hosts
    prefixed=True,
)
