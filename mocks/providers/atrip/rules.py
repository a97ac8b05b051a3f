"""ATRIP's own behaviour rules: the role spelling and the Accept header Atlas takes."""

from __future__ import annotations

from typing import Any

from ...core.checks import OneRequest, rule, ruleset


@rule(
    "legacy-role",
    severity="warning",
    source="ATRIP: role is one of Customer service, Finance, Developer, Admin",
)
class LegacyRole(OneRequest):
    """A token request used an older role spelling the current documentation no longer lists."""

    def judge(self, facts: dict[str, Any]) -> str | None:
        if role := facts.get("legacy_role"):
            return (
                f"role {role!r} is the older spelling; the documentation lists Customer service, "
                "Finance, Developer, Admin"
            )
        return None


@rule(
    "accept-not-any",
    severity="warning",
    source="ATRIP [public, observed by clients; not in the ATRIP Token page]: Accept: */* is "
    "mandatory, Atlas rejects Accept: application/json",
)
class AcceptNotAny(OneRequest):
    """A token request sent an Accept other than */*, which clients report Atlas refuses.

    A warning, not an error: the ATRIP Token page requires Accept but names no value, and the
    Atlas Flight Booking CLI (atlas-doc/atlas-flight-booking) sends application/json; only
    third-party clients (the README of fathihamdan/ADAPT-Agent, say) describe the refusal.
    It reads `accept_not_any`, the Accept sent when it is neither `*/*` nor missing: a missing
    Accept is the spec's required header, reported by `request-spec` alone.
    """

    def judge(self, facts: dict[str, Any]) -> str | None:
        if accept := facts.get("accept_not_any"):
            return (
                f"Accept {accept!r} is not */*; clients observe that Atlas rejects Accept: application/json"
            )
        return None


RULES = ruleset(LegacyRole, AcceptNotAny)
