"""appauth's contract: 获取 accessToken, the accessToken 有效性测试, and the token lifecycle.

The documentation gives the two operations, their parameters and their fields, and the
lifecycle rules (the same token within its validity, a new one after expiry, a fetch
limit); it gives no codes or messages. Those are the project's decisions, written out
here literally as PROVIDERS.md and specs/appauth.yaml state them.
"""

from __future__ import annotations

from typing import Any

from schemathesis import Case

from ...fuzz import Fill, as_demo
from ...target import Target
from . import tokens, usage
from .protocol import token

CASES = tokens.CASES.merged(usage.CASES)


def prepare(t: Target) -> Fill:
    """Validity tests also go out with a live demo token, fetches with the demo credentials.

    One demo token serves the run, kept while its expiresIn lasts on the target's clock, so the
    fetch limit stays unspent."""
    access, until = "", 0.0

    def demo_token() -> str:
        nonlocal access, until
        if (now := t.now()) >= until:
            result = token(t, t.creds("demo"))
            access, until = result["accessToken"], now + result["expiresIn"] - 1
        return access

    def fill(case: Case[Any], creds: dict[str, Any]) -> None:
        if not isinstance(case.query, dict):
            return
        live = demo_token()  # before the fetches below can use up the demo app's limit
        if "accessToken" in case.query:
            case.query["accessToken"] = live
        if "appId" in case.query and "appSecret" in case.query:
            case.query.update(appId=creds["appId"], appSecret=creds["appSecret"])

    return as_demo(t, fill)
