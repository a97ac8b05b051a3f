"""Property-based run of specs/appauth.yaml against the mock on a loopback port.

No 5xx, and every answer conforms to the spec and to the envelope rules. Each call
is sent as generated (mostly bad credentials or a bad token), then again with a
demo app's credentials or a live token, so the success paths are exercised too.
"""

from __future__ import annotations

from typing import Any

import requests
import schemathesis

from provider_mocks import Mocks
from tests.fuzz import conform, property_run

from .helpers import demo, token


@property_run("appauth", max_examples=30)
def test_answers_conform_to_the_spec(
    case: schemathesis.Case[Any], base_url: str, http: requests.Session, mocks: Mocks
) -> None:
    mocks.reset()  # each example starts with a fresh rate window
    conform(case, base_url)
    if not isinstance(case.query, dict):
        return
    # By operation, not by the generated keys: a negative case may carry any parameter.
    if case.operation.path == "/auth/getAccessToken":
        creds = demo(http, base_url)
        case.query.update(appId=creds["appId"], appSecret=creds["appSecret"])
    elif case.operation.path == "/auth/hello":
        case.query["accessToken"] = token(http, base_url)
    else:
        return
    response = conform(case, base_url)
    if response.status_code == 200:  # the documented method: good credentials or a live token
        assert response.json()["code"] == 200, response.text
