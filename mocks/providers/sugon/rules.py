"""Sugon's own behaviour rule: a renewal after the renewal window had closed."""

from __future__ import annotations

from typing import Any, cast

from ...core.checks import OneRequest, rule, ruleset
from .config import SugonConfig


def duration(seconds: int) -> str:
    """`86400` as "24 h", `90` as "90 s": the window as the documentation words it."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@rule(
    "renewal-after-window",
    severity="error",
    source="sugon: 过期超过24小时的token不能续期",
)
class RenewalAfterWindow(OneRequest):
    """A renewal came after the renewal window (`renew_window`, 24 h) had closed: log in again instead."""

    def judge(self, facts: dict[str, Any]) -> str | None:
        if facts.get("renewal_window_passed"):
            window = cast("SugonConfig", self.config).settings.renew_window
            return f"renewal of a token expired more than {duration(window)} ago; a fresh login was needed"
        return None


RULES = ruleset(RenewalAfterWindow)
