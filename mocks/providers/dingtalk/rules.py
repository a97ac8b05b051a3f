"""DingTalk's own behaviour rule: a token cached for its whole 7200 s, against the docs' advice."""

from __future__ import annotations

from typing import Any

from ...core.checks import OneRequest, rule, ruleset

#: The seconds before expiry the docs advise a cache to drop a token ("例如7000秒" of 7200).
CACHE_MARGIN = 200


@rule(
    "cached-to-expiry",
    severity="warning",
    source="DingTalk: 建议设置缓存过期时间略小于7200秒（例如7000秒），实现自动刷新机制，"
    "防止因时间偏差导致凭证失效",
)
class CachedToExpiry(OneRequest):
    """A call used a token in its last 200 s: the client caches it for its whole lifetime, and a
    clock a little off will have it refused. Fetching again then renews it at no cost."""

    def judge(self, facts: dict[str, Any]) -> str | None:
        left = facts.get("token_left")
        if facts.get("token_state") == "valid" and left is not None and left < CACHE_MARGIN:
            return (
                f"called with a token {left:.0f} s before its expiry; cache it for a little less "
                "than 7200 s (the docs suggest 7000 s) and fetch again"
            )
        return None


RULES = ruleset(CachedToExpiry)
