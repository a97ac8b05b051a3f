"""Property-based run of specs/sugon.yaml against the mock on a loopback port.

No 5xx, and every answer conforms to the spec and to the envelope rules. Each call is
followed by a call with live credentials or a live token, so the success paths are
exercised too.

The renewal's success answer and every AK/SK answer keep their own documented key order
(msg, code, data: the `RenewOk` schema's and the AK/SK operation's `x-envelope-keys`); the
envelope checks read those, and the live answer's order is checked explicitly too.
"""

from __future__ import annotations

import json
from typing import Any

import requests
import schemathesis

from provider_mocks import Mocks
from tests.fuzz import conform, property_run

from .helpers import AKSK, RENEW, TOKENS, demo, key_headers, token


def live_headers(http: requests.Session, base_url: str, mocks: Mocks, path: str) -> dict[str, str]:
    """Headers that succeed on `path`."""
    if path == TOKENS:
        creds = demo(http, base_url)
        return {"user": creds["user"], "password": creds["password"], "orgId": creds["orgId"]}
    if path == AKSK:
        return key_headers(demo(http, base_url, "aksk"), int(mocks.clock.time()))
    return {"token": token(http, base_url)}


@property_run("sugon", max_examples=15)
def test_answers_conform_to_the_spec(
    case: schemathesis.Case[Any], base_url: str, http: requests.Session, mocks: Mocks
) -> None:
    conform(case, base_url)
    # A fresh case: a generated one may be a "header missing" case, whose header stays out.
    path = case.operation.path
    live = case.operation.Case(headers=live_headers(http, base_url, mocks, path))
    response = conform(live, base_url)
    body = json.loads(response.content)
    assert body["code"] == "0", body
    assert list(body) == (["msg", "code", "data"] if path in (RENEW, AKSK) else ["code", "msg", "data"])
