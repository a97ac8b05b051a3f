"""specs/appauth.yaml against the OpenAPI standard, errors.py and the running mock.

The codes and messages live in `mocks.providers.appauth.errors.MESSAGES`; the spec
repeats them as enums and examples. Code 401 has several messages, so an answer is
identified by its code AND its message. These tests hold the two together, and check
that every answer the mock can give on a declared operation is declared, and nothing more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from flask import Flask
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT4

from mocks import Mocks
from mocks.cli import DEFAULT_PORT
from mocks.providers import load
from mocks.providers.appauth import errors
from mocks.providers.appauth.models import HELLO_PATH, TOKEN_PATH

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "appauth.yaml"
SPEC_URI = "urn:provider-mocks:appauth"
SOURCES = {"doc", "decided", "public"}
ASSUMED_SOURCES = {"decided", "public"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

Node = dict[str, Any]
#: (path, METHOD, HTTP status, envelope code, message)
Answer = tuple[str, str, int, int, str]


@pytest.fixture(scope="module")
def spec() -> Node:
    loaded: Node = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


# -- reading the spec -----------------------------------------------------------


def resolve(spec: Node, node: Node) -> Node:
    """`node`, its local `$ref`s followed."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected, not {ref}"
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations(spec: Node) -> Iterator[tuple[str, str, Node]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method.upper(), operation


def media(spec: Node, response: Node) -> tuple[str, Node]:
    """A response's one media type and its content."""
    content = resolve(spec, response)["content"]
    assert len(content) == 1, f"one media type per response, not {list(content)}"
    ((media_type, body),) = content.items()
    return media_type, body


def branches(spec: Node, schema: Node) -> list[Node]:
    """The schemas an answer may match: the oneOf branches, or the schema itself."""
    schema = resolve(spec, schema)
    return [resolve(spec, s) for s in schema.get("oneOf", [schema])]


def pinned(spec: Node, schema: Node, name: str) -> set[Any]:
    """The values an allOf tree allows for property `name`: the intersection of its enums."""
    schema = resolve(spec, schema)
    allowed: set[Any] | None = None
    prop = schema.get("properties", {}).get(name)
    if prop is not None and "enum" in resolve(spec, prop):
        allowed = set(resolve(spec, prop)["enum"])
    for part in schema.get("allOf", []):
        inner = pinned(spec, part, name)
        if inner:
            allowed = inner if allowed is None else allowed & inner
    return allowed or set()


def branch_answer(spec: Node, branch: Node) -> tuple[int, str]:
    """The one code and the one message a oneOf branch pins."""
    codes, messages = pinned(spec, branch, "code"), pinned(spec, branch, "message")
    assert len(codes) == 1, f"a branch pins exactly one code, not {codes}: {branch}"
    assert len(messages) == 1, f"a branch pins exactly one message, not {messages}: {branch}"
    return codes.pop(), messages.pop()


def declared(spec: Node) -> dict[Answer, None]:
    """Every (path, method, status, code, message) the spec declares, in order."""
    found: dict[Answer, None] = {}
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            for branch in branches(spec, body["schema"]):
                key = (path, method, int(status), *branch_answer(spec, branch))
                assert key not in found, f"{key} is declared twice"
                found[key] = None
    return found


def message_key(code: int, message: str) -> int | str:
    """The MESSAGES key whose envelope code and text these are."""
    keys = [k for k, text in errors.MESSAGES.items() if errors.code_of(k) == code and text == message]
    assert len(keys) == 1, f"({code}, {message!r}) is not exactly one entry of errors.MESSAGES: {keys}"
    return keys[0]


def schema_errors(spec: Node, schema: Node, instance: Any) -> list[str]:
    """What is wrong with `instance` against `schema`, a schema of `spec` (its `$ref`s point into spec)."""
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    rebased = json.loads(json.dumps(schema).replace('"#/', f'"{SPEC_URI}#/'))
    return [error.message for error in OAS30Validator(rebased, registry=registry).iter_errors(instance)]


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


def _marked(spec: Node) -> Iterator[tuple[str, Node]]:
    """Every object of the spec, with where it is."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, Node]]:
        if isinstance(node, dict):
            yield where, node
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}/{index}")

    return walk(spec, "#")


def test_decided_statements_are_marked_assumed(spec: Node) -> None:
    marked = [(where, node) for where, node in _marked(spec) if "x-source" in node or "x-assumed" in node]
    assert marked, "nothing in the spec says where it comes from"
    for where, node in marked:
        source = node.get("x-source")
        assert source in SOURCES, f"{where}: x-source {source!r}"
        if source in ASSUMED_SOURCES:
            assert node.get("x-assumed") is True, f"{where}: x-source {source} without x-assumed: true"
        else:
            assert "x-assumed" not in node, f"{where}: a [doc] statement marked x-assumed"


def test_every_decided_answer_is_marked_assumed(spec: Node) -> None:
    """The documentation gives no code or message: every answer branch and example is decided."""
    for path, method, operation in operations(spec):
        assert operation.get("x-source") in SOURCES, f"{method} {path}: no x-source"
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            if status != "200":
                assert resolve(spec, response).get("x-assumed") is True, where
            _, body = media(spec, response)
            for branch in branches(spec, body["schema"]):
                assert branch.get("x-assumed") is True, f"{where}: {branch_answer(spec, branch)}"
            for name, example in body.get("examples", {}).items():
                assert resolve(spec, example).get("x-assumed") is True, f"{where}: example {name}"


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, HELLO = (TOKEN_PATH, "GET"), (HELLO_PATH, "GET")


@dataclass
class Context:
    """What a case needs to provoke an answer from the live mock."""

    base_url: str
    http: requests.Session
    mocks: Mocks
    app: Flask
    monkeypatch: pytest.MonkeyPatch

    def call(self, path: str, method: str = "GET", **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.base_url + path, **kwargs)

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

    def crash(self, method: str) -> None:
        """The model's `method` raises an unexpected error from now on (until the test ends)."""

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a crash the test provoked")

        self.monkeypatch.setattr(self.mocks.model("appauth"), method, boom)

    def too_large(self) -> bytes:
        return b"x" * (int(self.app.config["MAX_CONTENT_LENGTH"]) + 1)


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
    path, method = case.operation
    where = f"{case.name}: HTTP {answer.status_code} {answer.text}"
    responses = spec["paths"][path][method.lower()]["responses"]
    assert str(answer.status_code) in responses, f"{where}: status not declared"
    response = resolve(spec, responses[str(answer.status_code)])
    media_type, body = media(spec, response)
    assert answer.headers["Content-Type"] == media_type, where
    payload = json.loads(answer.content.decode("utf-8"))
    assert schema_errors(spec, body["schema"], payload) == [], where
    assert list(payload) == spec["x-envelope-keys"], f"{where}: key order"
    for name, header in response.get("headers", {}).items():
        assert name in answer.headers, f"{where}: no {name} header"
        problems = schema_errors(spec, resolve(spec, header)["schema"], answer.headers[name])
        assert problems == [], f"{where}: {name}: {answer.headers[name]}"
    return path, method, answer.status_code, payload["code"], payload["message"]


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
    for case in CASES:
        mocks.reset()
        mocks.clock.freeze()
        with monkeypatch.context() as patched:
            context.monkeypatch = patched
            seen.add(check_answer(spec, case, case.send(context)))
    assert seen == set(declared(spec))


def test_expire_time_is_rfc3339_in_shanghai_time(context: Context) -> None:
    result = context.fetch(**context.credentials()).json()["result"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", result["expireTime"])


# -- the spec as the admin API serves it ----------------------------------------


def test_admin_serves_the_spec_file(base_url: str, http: requests.Session) -> None:
    text = SPEC_PATH.read_text(encoding="utf-8")
    served = http.get(base_url + "/__admin/specs/appauth")
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("application/yaml")
    assert served.content.decode("utf-8") == text

    as_json = http.get(base_url + "/__admin/specs/appauth", params={"format": "json"})
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.json() == yaml.safe_load(text)
