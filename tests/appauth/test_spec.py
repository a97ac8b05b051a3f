"""specs/appauth.yaml against the OpenAPI standard, errors.py and the running mock.

The codes and messages live in `provider_mocks.providers.appauth.errors.MESSAGES`; the spec
repeats them as enums and examples. Code 401 has several messages, so an answer is
identified by its code AND its message. These tests hold the two together, and check
that every answer the mock can give on a declared operation is declared, and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from openapi_spec_validator import validate

from provider_mocks import Mocks
from provider_mocks.cli import DEFAULT_PORT
from provider_mocks.core.plugins import load
from provider_mocks.providers.appauth import errors
from provider_mocks.providers.appauth.models import HELLO_PATH, TOKEN_PATH
from tests.specs import (
    LiveContext,
    Node,
    answer_branches,
    branch_pins,
    branches,
    check_answer_marks,
    check_assumed_marks,
    check_declared,
    check_served,
    load_spec,
    marked,
    media,
    one_by_one,
    operations,
    resolve,
    schema_errors,
)

#: (path, METHOD, HTTP status, envelope code, message)
Answer = tuple[str, str, int, int, str]


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("appauth")


def branch_answer(spec: Node, branch: Node) -> tuple[int, str]:
    """The one code and the one message a oneOf branch pins."""
    code, message = branch_pins(spec, branch)
    return code, message


def declared(spec: Node) -> dict[Answer, None]:
    """Every (path, method, status, code, message) the spec declares, in order."""
    found: dict[Answer, None] = {}
    for path, method, status, branch in answer_branches(spec):
        key = (path, method, status, *branch_answer(spec, branch))
        assert key not in found, f"{key} is declared twice"
        found[key] = None
    return found


def message_key(code: int, message: str) -> int | str:
    """The MESSAGES key whose envelope code and text these are."""
    keys = [k for k, text in errors.MESSAGES.items() if errors.code_of(k) == code and text == message]
    assert len(keys) == 1, f"({code}, {message!r}) is not exactly one entry of errors.MESSAGES: {keys}"
    return keys[0]


# -- the spec on its own --------------------------------------------------------


def test_spec_is_valid_openapi_3_0_3(spec: Node) -> None:
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["x-provider"] == load("appauth").slug
    assert spec["x-envelope-keys"] == ["code", "message", "result", "success"]


def test_servers_list_the_mock(spec: Node) -> None:
    assert load("appauth").hosts == ()  # the platform's host is not public
    assert [server["url"] for server in spec["servers"]] == [f"http://127.0.0.1:{DEFAULT_PORT}"]


def test_every_operation_is_routed_by_the_mock(spec: Node, app: Flask) -> None:
    routes = app.url_map.bind("localhost")
    expected = {(TOKEN_PATH, "GET"), (HELLO_PATH, "GET")}
    assert {(path, method) for path, method, _ in operations(spec)} == expected
    for path, method, _ in operations(spec):
        endpoint, _ = routes.match(path, method=method)
        assert endpoint.startswith("appauth."), (path, method, endpoint)


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


def test_declared_answers_are_those_of_errors_py(spec: Node) -> None:
    answers = declared(spec)
    assert answers, "the spec declares no answer"
    for path, method, status, code, message in answers:
        message_key(code, message)
        if status != 200:  # HTTP-level failures carry the status as their code
            assert code == status, f"{method} {path}: HTTP {status} declares code {code}"


def test_every_message_of_errors_py_is_declared(spec: Node) -> None:
    """Both ways: only the HTTP-level codes answered off the operations (400, 404, 414) are left out."""
    used = {message_key(code, message) for *_, code, message in declared(spec)}
    assert set(errors.MESSAGES) - used == {400, 404, 414}


def test_each_answer_schema_has_one_branch_per_code_and_message(spec: Node) -> None:
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            found = [branch_answer(spec, b) for b in branches(spec, body["schema"])]
            assert len(found) == len(set(found)), f"{method} {path} {status}: {found} overlap"


def test_examples_cover_every_answer_and_match_exactly_one_branch(spec: Node) -> None:
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            _, body = media(spec, response)
            schema_branches = branches(spec, body["schema"])
            sources = {branch_answer(spec, b): b.get("x-source") for b in schema_branches}
            examples = [resolve(spec, e) for e in body.get("examples", {}).values()]
            example_answers = [(e["value"]["code"], e["value"]["message"]) for e in examples]
            assert sorted(example_answers) == sorted(sources), f"{where}: one example per declared answer"
            for example in examples:
                value = example["value"]
                assert list(value) == spec["x-envelope-keys"], f"{where}: key order of {value}"
                assert schema_errors(spec, body["schema"], value) == [], f"{where}: example {value}"
                matching = [b for b in schema_branches if not schema_errors(spec, b, value)]
                assert len(matching) == 1, f"{where}: {value} matches {len(matching)} branches"
                key = (value["code"], value["message"])
                assert example.get("x-source") == sources[key], f"{where}: x-source of {value}"


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


def test_decided_statements_are_marked_assumed(spec: Node) -> None:
    found = marked(spec)
    assert found, "nothing in the spec says where it comes from"
    check_assumed_marks(found)


def test_every_decided_answer_is_marked_assumed(spec: Node) -> None:
    """The documentation gives no code or message: every answer branch and example is decided."""
    check_answer_marks(spec, "x-assumed", lambda branch: branch_answer(spec, branch))


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, HELLO = (TOKEN_PATH, "GET"), (HELLO_PATH, "GET")


@dataclass
class Context(LiveContext):
    slug = "appauth"

    def credentials(self, role: str = "demo") -> dict[str, str]:
        found = self.mocks.model("appauth").demo_credentials()[role]
        return {"appId": found["appId"], "appSecret": found["appSecret"]}

    def fetch(self, **params: str) -> requests.Response:
        return self.call(TOKEN_PATH, params=params)

    def token(self, role: str = "demo") -> str:
        answer = self.fetch(**self.credentials(role)).json()
        assert answer["code"] == errors.OK, answer
        token: str = answer["result"]["accessToken"]
        return token


@dataclass(frozen=True)
class Case:
    name: str
    #: The spec operation the request is aimed at, (path, method); the request may use another method.
    operation: tuple[str, str]
    #: The MESSAGES key of the answer the case provokes.
    key: int | str
    send: Callable[[Context], requests.Response]


def _limited(c: Context) -> requests.Response:
    """The demo app with a small limit: fetch until refused."""
    for _ in range(100):
        answer = c.fetch(**c.credentials("limited"))
        if answer.json()["code"] != errors.OK:
            return answer
    raise AssertionError("the limited app was never refused")


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
    Case("token no params", TOKEN, errors.CREDENTIALS_MISSING, lambda c: c.fetch()),
    Case("token empty secret", TOKEN, errors.CREDENTIALS_MISSING,
         lambda c: c.fetch(appId=c.credentials()["appId"], appSecret="")),
    Case("token wrong secret", TOKEN, errors.CREDENTIALS_WRONG,
         lambda c: c.fetch(appId=c.credentials()["appId"], appSecret="wrong")),
    Case("token unknown app", TOKEN, errors.CREDENTIALS_WRONG,
         lambda c: c.fetch(appId="app-unknown", appSecret="x")),
    Case("token too often", TOKEN, errors.RATE_LIMITED, _limited),
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


@pytest.fixture
def context(
    base_url: str, http: requests.Session, mocks: Mocks, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Context:
    return Context(base_url, http, mocks, app, monkeypatch)


def check_answer(spec: Node, case: Case, answer: requests.Response) -> Answer:
    """`answer` is one the spec declares for the case's operation; returns its key."""
    payload = check_declared(
        spec, case.operation, case.name, answer, lambda schema, payload: spec["x-envelope-keys"]
    )
    return *case.operation, answer.status_code, payload["code"], payload["message"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_mock_answer_is_declared(spec: Node, context: Context, case: Case) -> None:
    context.mocks.clock.freeze()
    answer = case.send(context)
    payload = answer.json()
    assert message_key(payload["code"], payload["message"]) == case.key, f"{case.name}: {answer.text}"
    check_answer(spec, case, answer)


def test_spec_declares_exactly_what_the_mock_sends(
    spec: Node, context: Context, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All cases together reach every answer the spec declares, and no other."""
    seen: set[Answer] = set()
    for case in one_by_one(CASES, context, mocks, monkeypatch):
        mocks.clock.freeze()
        seen.add(check_answer(spec, case, case.send(context)))
    assert seen == set(declared(spec))


def test_expire_time_is_rfc3339_in_shanghai_time(context: Context) -> None:
    result = context.fetch(**context.credentials()).json()["result"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", result["expireTime"])


# -- the spec as the admin API serves it ----------------------------------------


def test_admin_serves_the_spec_file(base_url: str, http: requests.Session) -> None:
    check_served(http, base_url, "appauth")
