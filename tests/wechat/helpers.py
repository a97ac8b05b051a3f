"""Small helpers shared by the WeChat tests: its paths under the mock's /wechat, an errmsg read
as its text."""

from __future__ import annotations

import re
from typing import Any

from provider_mocks.providers.wechat import errors

#: Where the mock serves WeChat's real paths to a client that does not name its host.
MOUNT = "/wechat"
HOST = {"Host": "api.weixin.qq.com"}
#: The request id an error's errmsg ends with.
RID = re.compile(r",? rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")
_WHITELIST = re.compile(r"^invalid ip \S+ ipv6 \S+, not in whitelist$")


def text_of(errmsg: Any) -> Any:
    """The text errors.MESSAGES holds for an errmsg: without its request id, and 40164's with the
    caller's address as its placeholders."""
    if not isinstance(errmsg, str):
        return errmsg
    text = RID.sub("", errmsg)
    return errors.MESSAGES[errors.IP_NOT_WHITELISTED] if _WHITELIST.match(text) else text


def credentials(demo: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A token request's three parameters for a demo account, changed as given (None: left out)."""
    found = {"grant_type": "client_credential", "appid": demo["appid"], "secret": demo["secret"], **changes}
    return {k: v for k, v in found.items() if v is not None}
