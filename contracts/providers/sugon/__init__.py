"""Sugon / SCNet AC's contract: token acquisition (password and AK/SK), renewal, state, center, user.

Written from the documentation (provider-docs/sugon.md and the public facts in PROVIDERS.md):
every code is a STRING, every answer is `{code, msg, data}` but the renewal's success and every
AK/SK answer `{msg, code, data}`, the token list ends with the platform's token, and tokens are
HS256 JWTs with exactly the documented claims. Each part holds its own cases; `CASES` is all of
them, in the order the documentation goes.
"""

from __future__ import annotations

from typing import Any

from schemathesis import Case

from ...fuzz import Fill
from ...target import Target
from . import account, acquisition, renewal
from .protocol import AKSK, CENTER, RENEW, STATE, TOKENS, USER, demo_token, key_headers, password_headers

CASES = acquisition.CASES.merged(renewal.CASES, account.CASES)


def prepare(t: Target) -> Fill:
    """Generated requests also go out with the demo credentials or a live platform token."""

    def fill(case: Case[Any]) -> None:
        path = case.operation.path
        if path == TOKENS and "demo" in t.credentials:
            case.headers.update(password_headers(t.creds("demo")))
        elif path == AKSK and "aksk" in t.credentials:
            case.headers.update(key_headers(t.creds("aksk"), t.now()))
        elif path in (RENEW, STATE, CENTER, USER) and "demo" in t.credentials:
            case.headers["token"] = demo_token(t)

    return fill
