"""DingTalk (钉钉): the app access token of both API generations (legacy `oapi.dingtalk.com/gettoken`,
new `api.dingtalk.com/v1.0/oauth2/accessToken`) and a business call on each that checks it."""

from __future__ import annotations

from ...core.provider import Provider

provider = Provider.of_package(
    __name__,
    title="DingTalk 钉钉 access token",
    prefixes=("/gettoken", "/get_jsapi_ticket", "/v1.0"),
    hosts=("oapi.dingtalk.com", "api.dingtalk.com"),
    credential_fields=("appkey", "appKey", "corpid"),
    # no other provider's paths are these: served at the root as well as under /dingtalk
)
