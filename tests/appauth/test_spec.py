"""specs/appauth.yaml: its values for the checks every spec gets (tests/test_specs.py), the
cases that provoke each answer of the live mock, and what only appauth's spec is checked for.

Code 401 has several messages, so an answer is identified by its code AND its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests

from provider_mocks.cli import DEFAULT_PORT
from provider_mocks.core.plugins import load
from provider_mocks.providers.appauth import errors
from provider_mocks.providers.appauth.models import HELLO_PATH, TOKEN_PATH
from tests.specs import (
    AnswerTable,
    LiveCase,
    Node,
    SpecTable,
    live_context,
    load_spec,
    operations,
    resolve,
    schema_errors,
)
from tests.support import AppTokenContext, refused_app_credential_cases

SPEC = SpecTable(
    slug="appauth",
    openapi="3.0.3",
    envelope_keys=["code", "message", "result", "success"],
    operations={(TOKEN_PATH, "GET"): None, (HELLO_PATH, "GET"): None},
)


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("appauth")


def message_key(code: int, message: str) -> int | str:
    """The MESSAGES key whose envelope code and text these are."""
    keys = [k for k, text in errors.MESSAGES.items() if errors.code_of(k) == code and text == message]
    assert len(keys) == 1, f"({code}, {message!r}) is not exactly one entry of errors.MESSAGES: {keys}"
    return keys[0]


# -- the spec on its own --------------------------------------------------------


def test_servers_list_the_mock(spec: Node) -> None:
    assert load("appauth").hosts == ()  # the platform's host is not public
    assert [server["url"] for server in spec["servers"]] == [f"http://127.0.0.1:{DEFAULT_PORT}"]


def test_parameters_are_the_documented_tables(spec: Node) -> None:
    """Query parameters required [doc: 是], Accept and Content-Type optional [doc: 否]."""
    expected = {
        TOKEN_PATH: {("query", "appId"): True, ("query", "appSecret"): True},
        HELLO_PATH: {("query", "accessToken"): True},
    }
    for path, _, operation in operations(spec):
        resolved = [resolve(spec, p) for p in operation["parameters"]]
        params = {(p["in"], p["name"]): p.get("required", False) for p in resolved}
        assert params == {**expected[path], ("header", "Accept"): False, ("header", "Content-Type"): False}


def test_envelope_fields_are_the_documented_types(spec: Node) -> None:
    envelope = resolve(spec, {"$ref": "#/components/schemas/Envelope"})
    assert list(envelope["properties"]) == spec["x-envelope-keys"]
    props = envelope["properties"]
    assert (props["code"]["type"], props["code"]["format"]) == ("integer", "int32")
    assert props["message"]["type"] == "string"
    assert props["success"]["type"] == "boolean"
    token_result = resolve(spec, {"$ref": "#/components/schemas/TokenOk"})["allOf"][1]["properties"]["result"]
    assert list(token_result["properties"]) == ["accessToken", "expireTime", "expiresIn"]
    assert token_result["properties"]["expireTime"]["format"] == "date-time"
    assert token_result["properties"]["expiresIn"]["format"] == "int64"
    hello_result = resolve(spec, {"$ref": "#/components/schemas/HelloOk"})["allOf"][1]["properties"]["result"]
    assert hello_result["type"] == "string"


def test_branches_reject_each_others_answers(spec: Node) -> None:
    """The oneOf is mutually exclusive: a 401 of one kind never passes for another."""
    token_answer = resolve(spec, {"$ref": "#/components/schemas/TokenAnswer"})
    for wrong in (
        {"code": 401, "message": "accessToken无效或已过期", "result": None, "success": False},
        {"code": 401, "message": "appId或appSecret错误", "result": None, "success": True},
        {"code": 200, "message": "操作成功", "result": None, "success": True},
        {
            "code": 200,
            "message": "操作成功",
            "result": {"accessToken": "t", "expireTime": "2026-03-10T14:00:00Z", "expiresIn": 1},
            "success": True,
        },
        {
            "code": 200,
            "message": "操作成功",
            "result": {"accessToken": "t", "expireTime": "2026-03-10T14:00:00.5+08:00", "expiresIn": 1},
            "success": True,
        },
        {
            "code": 200,
            "message": "操作成功",
            "result": {"accessToken": "t", "expireTime": "2026-03-10T14:00:00+08:00", "expiresIn": 0},
            "success": True,
        },
        {"message": "操作成功", "code": 200, "result": "x", "success": True, "extra": 1},
    ):
        assert schema_errors(spec, token_answer, wrong), wrong
    hello_answer = resolve(spec, {"$ref": "#/components/schemas/HelloAnswer"})
    assert schema_errors(
        spec, hello_answer, {"code": 401, "message": "appId或appSecret错误", "result": None, "success": False}
    )
    assert schema_errors(
        spec, hello_answer, {"code": 200, "message": "操作成功", "result": {"a": 1}, "success": True}
    )


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, HELLO = (TOKEN_PATH, "GET"), (HELLO_PATH, "GET")


@dataclass
class Context(AppTokenContext):
    slug = "appauth"
    token_path = TOKEN_PATH
    token_at = ("result", "accessToken")


Case = LiveCase[Context]
context = live_context(Context)


def _expired(c: Context) -> requests.Response:
    token = c.token("expiring")
    c.mocks.clock.advance(60)
    return c.call(HELLO_PATH, params={"accessToken": token})


def _crash(operation: str, method: str) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        params = {**c.credentials(), "accessToken": c.token()}
        c.crash(method)
        return c.call(operation, params=params)

    return send


CASES = [
    Case("token ok", TOKEN, errors.OK, lambda c: c.fetch(**c.credentials())),
    Case("token again", TOKEN, errors.OK,
         lambda c: (c.fetch(**c.credentials()), c.fetch(**c.credentials()))[1]),
    *refused_app_credential_cases(
        Case, TOKEN, errors.CREDENTIALS_MISSING, errors.CREDENTIALS_WRONG, "app-unknown"),
    Case("token too often", TOKEN, errors.RATE_LIMITED, lambda c: c.limited()),
    Case("token crash", TOKEN, errors.SYSTEM_ERROR, _crash(TOKEN_PATH, "fetch_token")),
    Case("token POST", TOKEN, 405, lambda c: c.call(TOKEN_PATH, "POST", params=c.credentials())),
    Case("token big body", TOKEN, 413,
         lambda c: c.call(TOKEN_PATH, params=c.credentials(), data=c.too_large())),
    Case("hello ok", HELLO, errors.OK, lambda c: c.call(HELLO_PATH, params={"accessToken": c.token()})),
    Case("hello no token", HELLO, errors.TOKEN_INVALID, lambda c: c.call(HELLO_PATH)),
    Case("hello unknown token", HELLO, errors.TOKEN_INVALID,
         lambda c: c.call(HELLO_PATH, params={"accessToken": "unknown"})),
    Case("hello truncated token", HELLO, errors.TOKEN_INVALID,
         lambda c: c.call(HELLO_PATH, params={"accessToken": c.token()[:-1]})),
    Case("hello expired token", HELLO, errors.TOKEN_INVALID, _expired),
    Case("hello crash", HELLO, errors.SYSTEM_ERROR, _crash(HELLO_PATH, "hello")),
    Case("hello DELETE", HELLO, 405, lambda c: c.call(HELLO_PATH, "DELETE")),
    Case("hello big body", HELLO, 413,
         lambda c: c.call(HELLO_PATH, params={"accessToken": c.token()}, data=c.too_large())),
]  # fmt: skip


ANSWERS = AnswerTable(
    Context,
    CASES,
    errors.MESSAGES,
    text_key=lambda path, code, message: message_key(code, message),
    by_message=True,
    mark="x-assumed",  # the documentation gives no code or message: every answer is decided
    frozen=True,
    outcome=lambda payload: message_key(payload["code"], payload["message"]),
)


def test_expire_time_is_rfc3339_in_shanghai_time(context: Context) -> None:
    result = context.fetch(**context.credentials()).json()["result"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", result["expireTime"])
