"""ATRIP's contract: the token request's statuses and body rules, gzip, and the portal its url opens."""

from __future__ import annotations

from typing import Any

from requests.structures import CaseInsensitiveDict
from schemathesis import Case

from ...fuzz import Fill, as_demo
from ...target import Target
from . import http, token
from .protocol import ID, SECRET

CASES = token.CASES.merged(http.CASES)


def prepare(t: Target) -> Fill:
    """Generated requests also go out as the demo client, with JSON and a documented role."""

    def fill(case: Case[Any], creds: dict[str, Any]) -> None:
        case.headers = case.headers or CaseInsensitiveDict()
        case.headers.update({ID: creds[ID], SECRET: creds[SECRET], "Content-Type": "application/json"})
        if isinstance(case.body, dict):
            case.body = {**case.body, "role": "Admin"}

    return as_demo(t, fill)
