"""Sugon / SCNet AC's real paths, and each one's operation: its route's name, which fault
rules, the journal and per-operation texts and key orders use."""

from __future__ import annotations

TOKENS_PATH = "/ac/openapi/v2/tokens"
AKSK_PATH = "/api/user/v3/tokens"
RENEW_PATH = "/ac/openapi/v2/tokens/next"
STATE_PATH = "/ac/openapi/v2/tokens/state"
CENTER_PATH = "/ac/openapi/v2/center"
USER_PATH = "/ac/openapi/v2/user"

#: The operation of the AK/SK token endpoint (`POST /api/user/v3/tokens`).
AKSK = "aksk"

OPERATIONS = {
    TOKENS_PATH: "tokens",
    AKSK_PATH: AKSK,
    RENEW_PATH: "renew",
    STATE_PATH: "state",
    CENTER_PATH: "center",
    USER_PATH: "user",
}
