"""specs/itrigger.yaml: its values for the checks every spec gets (tests/test_specs.py), the
cases that provoke each answer of the live mock, and what only iTrigger's spec is checked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from provider_mocks.providers.itrigger import errors
from provider_mocks.providers.itrigger.models import DEMO_GET, DEMO_POST, TOKEN_PATH
from tests.specs import AnswerTable, LiveCase, Node, SpecTable, live_context, resolve
from tests.support import AppTokenContext, refused_app_credential_cases

SPEC = SpecTable(
    slug="itrigger",
    openapi="3.0.3",
    envelope_keys=["code", "message", "data"],
    operations={(TOKEN_PATH, "GET"): None, (DEMO_GET, "GET"): None, (DEMO_POST, "POST"): None},
)

#: The spec's operations by a short name: (path, method).
TOKEN, GET, POST = (TOKEN_PATH, "GET"), (DEMO_GET, "GET"), (DEMO_POST, "POST")


@dataclass
class Context(AppTokenContext):
    slug = "itrigger"
    token_path = TOKEN_PATH
    token_at = ("data", "accessToken")

    def token_without_grants(self) -> str:
        """A token of a new app granted no API (through the admin API)."""
        created = self.http.post(self.base_url + "/__admin/itrigger/apps", json={"grants": []})
        assert created.status_code == 201, created.text
        app = created.json()
        return self.token(credentials={"appId": app["app_id"], "appSecret": app["app_secret"]})


Case = LiveCase[Context]
context = live_context(Context)


def _overwritten(c: Context) -> requests.Response:
    old = c.token()
    c.token()
    return c.call(DEMO_GET, params={"accessToken": old})


def _token_crash(c: Context) -> requests.Response:
    c.crash("issue_token")
    return c.fetch(**c.credentials())


def _business_crash(path: str, method: str) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        token = c.token()
        c.crash("authorize")
        return c.call(path, method, params={"accessToken": token})

    return send


BODY = {"名称": "企加云", "items": [1, 2], "nested": {"a": None}}

CASES = [
    Case("token ok", TOKEN, errors.OK, lambda c: c.fetch(**c.credentials())),
    *refused_app_credential_cases(
        Case, TOKEN, errors.EMPTY_CREDENTIALS, errors.BAD_CREDENTIALS, "qjy-unknown"),
    Case("token frozen app", TOKEN, errors.APP_FROZEN, lambda c: c.fetch(**c.credentials("frozen"))),
    Case("token over the daily limit", TOKEN, errors.TENANT_LIMIT, lambda c: c.limited()),
    Case("token crash", TOKEN, errors.SYSTEM_ERROR, _token_crash),
    Case("token PUT", TOKEN, 405, lambda c: c.call(TOKEN_PATH, "PUT")),
    Case("token big body", TOKEN, 413,
         lambda c: c.call(TOKEN_PATH, params=c.credentials(), data=c.too_large())),
    Case("get ok", GET, errors.OK,
         lambda c: c.call(DEMO_GET, params={"accessToken": c.token(), "名称": "企加云"})),
    Case("get no token", GET, errors.TOKEN_INVALID, lambda c: c.call(DEMO_GET)),
    Case("get unknown token", GET, errors.TOKEN_INVALID,
         lambda c: c.call(DEMO_GET, params={"accessToken": "unknown"})),
    Case("get overwritten token", GET, errors.TOKEN_INVALID, _overwritten),
    Case("get not granted", GET, errors.NOT_GRANTED,
         lambda c: c.call(DEMO_GET, params={"accessToken": c.token_without_grants()})),
    Case("get crash", GET, errors.SYSTEM_ERROR, _business_crash(DEMO_GET, "GET")),
    Case("get DELETE", GET, 405, lambda c: c.call(DEMO_GET, "DELETE")),
    Case("get big body", GET, 413,
         lambda c: c.call(DEMO_GET, params={"accessToken": c.token()}, data=c.too_large())),
    Case("post ok", POST, errors.OK,
         lambda c: c.call(DEMO_POST, "POST", params={"accessToken": c.token()}, json=BODY)),
    Case("post empty body", POST, errors.OK,
         lambda c: c.call(DEMO_POST, "POST", params={"accessToken": c.token()})),
    Case("post no token", POST, errors.TOKEN_INVALID, lambda c: c.call(DEMO_POST, "POST", json=BODY)),
    Case("post not granted", POST, errors.NOT_GRANTED,
         lambda c: c.call(DEMO_POST, "POST", params={"accessToken": c.token("get_only")}, json=BODY)),
    Case("post not json", POST, errors.BAD_PARAMETER,
         lambda c: c.call(DEMO_POST, "POST", params={"accessToken": c.token()}, data=b"{not json")),
    Case("post crash", POST, errors.SYSTEM_ERROR, _business_crash(DEMO_POST, "POST")),
    Case("post PATCH", POST, 405, lambda c: c.call(DEMO_POST, "PATCH", json=BODY)),
    Case("post big body", POST, 413,
         lambda c: c.call(DEMO_POST, "POST", params={"accessToken": c.token()}, data=c.too_large())),
]  # fmt: skip


def envelope_order(spec: Node, operation: tuple[str, str], schema: Node, payload: Any) -> list[str]:
    """The Envelope schema's properties, in their order: the key order of every answer."""
    return list(resolve(spec, {"$ref": "#/components/schemas/Envelope"})["properties"])


ANSWERS = AnswerTable(Context, CASES, errors.MESSAGES, key_order=envelope_order)


def test_echo_answers_hold_what_was_sent(context: Context) -> None:
    token = context.token()
    query = {"名称": "企加云", "n": "1"}
    got = context.call(DEMO_GET, params={"accessToken": token, **query}).json()
    assert got["data"] == query
    got = context.call(DEMO_POST, "POST", params={"accessToken": token, "x": "1"}, json=BODY).json()
    assert got["data"] == BODY
