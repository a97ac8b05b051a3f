"""The credential platform's contract: the token endpoint's codes, the token's life, business calls.

Every answer is the envelope `{code, message, _trackId, data, extr, timestamp, _status, ok}`
(`trackId` accepted in `_trackId`'s place, as the spec's `x-envelope-key-aliases` says); the
cases pin `code`, `message`, `data`, `timestamp` (milliseconds) and `ok`, and the spec checks
the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from typing import Any

from schemathesis import Case

from ...fuzz import Fill, as_demo
from ...target import Target
from . import business, tokens
from .protocol import ECHO, TOKEN, token

CASES = tokens.CASES.merged(business.CASES)


def prepare(t: Target) -> Fill:
    """Token requests also go out with the demo app's parameters, business calls with its live token."""

    def fill(case: Case[Any], creds: dict[str, Any]) -> None:
        if case.operation.path == TOKEN and isinstance(case.query, dict) and "clientId" in case.query:
            case.query.update(clientId=creds["clientId"], secret=creds["secret"])
        if (
            case.operation.path == ECHO
            and isinstance(case.headers, MutableMapping)
            and "Access-Token" in case.headers
        ):
            case.headers.update({"Access-Token": token(t, creds), "Request-Id": uuid.uuid4().hex})

    return as_demo(t, fill)
