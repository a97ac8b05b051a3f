"""Property-based run of specs/atrip.yaml against the mock on a loopback port.

No 5xx, and every answer conforms to the spec and to the envelope rules. Each
generated request is sent three times: as generated (mostly bad credentials), with
a demo client's credentials, and with those credentials and a valid Content-Type
and role, so the body checks and the success path are exercised too.
"""

from __future__ import annotations

import re
from typing import Any

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict

from tests.fuzz import conform, property_run

from .helpers import ID, SECRET, demo

FIELDS = ("orderNo", "userName")


@property_run("atrip", max_examples=40)
def test_answers_conform_to_the_spec(
    case: schemathesis.Case[Any], base_url: str, http: requests.Session
) -> None:
    first = conform(case, base_url)
    if case.method.upper() != "POST":  # schemathesis also tries undocumented methods
        assert first.status_code == 405
        if case.method.upper() != "HEAD":
            assert first.json() == {"url": "", "status": 2, "msg": "Request method not supported"}
        return
    assert first.json()["status"] in (0, 2, 3)

    creds = demo(http, base_url)
    case.headers = case.headers or CaseInsensitiveDict()
    case.headers.update({ID: creds[ID], SECRET: creds[SECRET]})
    second = conform(case, base_url)
    assert second.json()["status"] in (0, 2)  # the credentials are good: never 3

    case.headers["Content-Type"] = "application/json"
    if isinstance(case.body, dict):
        case.body = {**case.body, "role": "Admin"}
    third = conform(case, base_url)
    answer = third.json()
    body: Any = case.body
    if isinstance(body, dict) and all(isinstance(body.get(f), str) and body[f].strip() for f in FIELDS):
        well_formed = re.fullmatch(r"[A-Za-z0-9_-]{1,64}", body["orderNo"]) is not None
        cid_ok = body.get("cid") is None or isinstance(body["cid"], str)  # extra properties are generated too
        assert answer["status"] == (0 if well_formed and cid_ok else 2), (body, answer)
    if answer["status"] == 0:
        assert answer["msg"] is None
        assert http.get(answer["url"]).status_code == 200
    else:
        assert answer["url"] == ""
