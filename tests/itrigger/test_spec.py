"""specs/itrigger.yaml against the OpenAPI standard, errors.py and the running mock.

The codes and messages live in `mocks.providers.itrigger.errors.MESSAGES`; the spec
repeats them as enums and examples. These tests hold the two together, and check that
every answer the mock can give on a declared operation is declared, and nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from mocks.providers.itrigger import errors
from mocks.providers.itrigger.models import DEMO_GET, DEMO_POST, TOKEN_PATH

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "itrigger.yaml"
SPEC_URI = "urn:provider-mocks:itrigger"
SOURCES = {"doc", "decided", "public"}
ASSUMED_SOURCES = {"decided", "public"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

Node = dict[str, Any]
#: (path, METHOD, HTTP status, envelope code)
Answer = tuple[str, str, int, int]


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


def branch_code(spec: Node, branch: Node) -> tuple[int, str]:
    """The one code and the one message a oneOf branch pins."""
    codes, messages = pinned(spec, branch, "code"), pinned(spec, branch, "message")
    assert len(codes) == 1, f"a branch pins exactly one code, not {codes}: {branch}"
    assert len(messages) == 1, f"a branch pins exactly one message, not {messages}: {branch}"
    return codes.pop(), messages.pop()


def declared(spec: Node) -> dict[Answer, str]:
    """Every (path, method, status, code) the spec declares, with its message."""
    found: dict[Answer, str] = {}
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            for branch in branches(spec, body["schema"]):
                code, message = branch_code(spec, branch)
                key = (path, method, int(status), code)
                assert key not in found, f"{key} is declared twice"
                found[key] = message
    return found


def schema_errors(spec: Node, schema: Node, instance: Any) -> list[str]:
    """What is wrong with `instance` against `schema`, a schema of `spec` (its `$ref`s point into spec)."""
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    rebased = json.loads(json.dumps(schema).replace('"#/', f'"{SPEC_URI}#/'))
    return [error.message for error in OAS30Validator(rebased, registry=registry).iter_errors(instance)]


# -- the spec on its own --------------------------------------------------------


def test_spec_is_valid_openapi_3_0_3(spec: Node) -> None:
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["x-provider"] == load("itrigger").slug


def test_servers_are_the_real_hosts_and_the_mock(spec: Node) -> None:
    provider = load("itrigger")
    servers = {urlsplit(server["url"]).netloc for server in spec["servers"]}
    assert set(provider.hosts) <= servers
    assert f"127.0.0.1:{DEFAULT_PORT}" in servers


def test_every_operation_is_routed_by_the_mock(spec: Node, app: Flask) -> None:
    routes = app.url_map.bind("localhost")
    expected = {(TOKEN_PATH, "GET"), (DEMO_GET, "GET"), (DEMO_POST, "POST")}
    assert {(path, method) for path, method, _ in operations(spec)} == expected
    for path, method, _ in operations(spec):
        endpoint, _ = routes.match(path, method=method)
        assert endpoint.startswith("itrigger."), (path, method, endpoint)


def test_declared_codes_and_messages_are_those_of_errors_py(spec: Node) -> None:
    answers = declared(spec)
    assert answers, "the spec declares no answer"
    for (path, method, status, code), message in answers.items():
        assert code in errors.MESSAGES, f"{method} {path}: code {code} is not in errors.MESSAGES"
        assert message == errors.MESSAGES[code], f"{method} {path}: message of {code}"
        if status != 200:  # HTTP-level failures carry the status as their code
            assert code == status, f"{method} {path}: HTTP {status} declares code {code}"


def test_each_answer_schema_has_one_branch_per_code(spec: Node) -> None:
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            _, body = media(spec, response)
            codes = [branch_code(spec, b)[0] for b in branches(spec, body["schema"])]
            assert len(codes) == len(set(codes)), f"{method} {path} {status}: codes {codes} overlap"


def test_examples_cover_every_code_and_match_exactly_one_branch(spec: Node) -> None:
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            _, body = media(spec, response)
            schema_branches = branches(spec, body["schema"])
            sources = {branch_code(spec, b)[0]: b.get("x-source") for b in schema_branches}
            examples = [resolve(spec, e) for e in body.get("examples", {}).values()]
            example_codes = [e["value"]["code"] for e in examples]
            assert sorted(example_codes) == sorted(sources), f"{where}: one example per declared code"
            for example in examples:
                value = example["value"]
                assert schema_errors(spec, body["schema"], value) == [], f"{where}: example {value}"
                matching = [b for b in schema_branches if not schema_errors(spec, b, value)]
                assert len(matching) == 1, f"{where}: {value} matches {len(matching)} branches"
                assert value["message"] == errors.MESSAGES[value["code"]], f"{where}: {value}"
                assert example.get("x-source") == sources[value["code"]], f"{where}: x-source of {value}"


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


def test_decided_and_public_statements_are_marked_assumed(spec: Node) -> None:
    marked = [(where, node) for where, node in _marked(spec) if "x-source" in node or "x-assumed" in node]
    assert marked, "nothing in the spec says where it comes from"
    for where, node in marked:
        source = node.get("x-source")
        assert source in SOURCES, f"{where}: x-source {source!r}"
        if source in ASSUMED_SOURCES:
            assert node.get("x-assumed") is True, f"{where}: x-source {source} without x-assumed: true"
        else:
            assert "x-assumed" not in node, f"{where}: a [doc] statement marked x-assumed"


def test_every_operation_code_and_example_says_its_source(spec: Node) -> None:
    for path, method, operation in operations(spec):
        assert operation.get("x-source") in SOURCES, f"{method} {path}: no x-source"
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            if status != "200":
                assert resolve(spec, response).get("x-source") in SOURCES, f"{where}: no x-source"
            _, body = media(spec, response)
            for branch in branches(spec, body["schema"]):
                assert branch.get("x-source") in SOURCES, f"{where}: code {branch_code(spec, branch)[0]}"
            for name, example in body.get("examples", {}).items():
                assert resolve(spec, example).get("x-source") in SOURCES, f"{where}: example {name}"


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, GET, POST = (TOKEN_PATH, "GET"), (DEMO_GET, "GET"), (DEMO_POST, "POST")


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
        found = self.mocks.model("itrigger").demo_credentials()[role]
        return {"appId": found["appId"], "appSecret": found["appSecret"]}

    def fetch(self, **params: str) -> requests.Response:
        return self.call(TOKEN_PATH, params=params)

    def token(self, role: str = "demo", credentials: dict[str, str] | None = None) -> str:
        answer = self.fetch(**(credentials or self.credentials(role))).json()
        assert answer["code"] == errors.OK, answer
        token: str = answer["data"]["accessToken"]
        return token

    def token_without_grants(self) -> str:
        """A token of a new app granted no API (through the admin API)."""
        created = self.http.post(self.base_url + "/__admin/itrigger/apps", json={"grants": []})
        assert created.status_code == 201, created.text
        app = created.json()
        return self.token(credentials={"appId": app["app_id"], "appSecret": app["app_secret"]})

    def crash(self, method: str) -> None:
        """The model's `method` raises an unexpected error from now on (until the test ends)."""

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a crash the test provoked")

        self.monkeypatch.setattr(self.mocks.model("itrigger"), method, boom)

    def too_large(self) -> bytes:
        return b"x" * (int(self.app.config["MAX_CONTENT_LENGTH"]) + 1)


@dataclass(frozen=True)
class Case:
    name: str
    #: The spec operation the request is aimed at, (path, method); the request may use another method.
    operation: tuple[str, str]
    #: The envelope code the case provokes.
    code: int
    send: Callable[[Context], requests.Response]


def _limited(c: Context) -> requests.Response:
    """The demo app whose tenant has a small daily limit: fetch until refused."""
    for _ in range(100):
        answer = c.fetch(**c.credentials("limited"))
        if answer.json()["code"] != errors.OK:
            return answer
    raise AssertionError("the limited tenant was never refused")


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
    Case("token no params", TOKEN, errors.EMPTY_CREDENTIALS, lambda c: c.fetch()),
    Case("token empty secret", TOKEN, errors.EMPTY_CREDENTIALS,
         lambda c: c.fetch(appId=c.credentials()["appId"], appSecret="")),
    Case("token wrong secret", TOKEN, errors.BAD_CREDENTIALS,
         lambda c: c.fetch(appId=c.credentials()["appId"], appSecret="wrong")),
    Case("token unknown app", TOKEN, errors.BAD_CREDENTIALS,
         lambda c: c.fetch(appId="qjy-unknown", appSecret="x")),
    Case("token frozen app", TOKEN, errors.APP_FROZEN, lambda c: c.fetch(**c.credentials("frozen"))),
    Case("token over the daily limit", TOKEN, errors.TENANT_LIMIT, _limited),
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
    envelope = resolve(spec, {"$ref": "#/components/schemas/Envelope"})
    assert list(payload) == list(envelope["properties"]), f"{where}: key order"
    for name, header in response.get("headers", {}).items():
        assert name in answer.headers, f"{where}: no {name} header"
        problems = schema_errors(spec, resolve(spec, header)["schema"], answer.headers[name])
        assert problems == [], f"{where}: {name}: {answer.headers[name]}"
    return path, method, answer.status_code, payload["code"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_mock_answer_is_declared(spec: Node, context: Context, case: Case) -> None:
    answer = case.send(context)
    assert answer.json()["code"] == case.code, f"{case.name}: {answer.text}"
    check_answer(spec, case, answer)


def test_echo_answers_hold_what_was_sent(context: Context) -> None:
    token = context.token()
    query = {"名称": "企加云", "n": "1"}
    got = context.call(DEMO_GET, params={"accessToken": token, **query}).json()
    assert got["data"] == query
    got = context.call(DEMO_POST, "POST", params={"accessToken": token, "x": "1"}, json=BODY).json()
    assert got["data"] == BODY


def test_spec_declares_exactly_what_the_mock_sends(
    spec: Node, context: Context, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All cases together reach every answer the spec declares, and no other."""
    seen: set[Answer] = set()
    for case in CASES:
        mocks.reset()
        with monkeypatch.context() as patched:
            context.monkeypatch = patched
            seen.add(check_answer(spec, case, case.send(context)))
    assert seen == set(declared(spec))
    # Only HTTP-level codes may be left out (400, 404, 414: answered off these operations);
    # every provider code of errors.MESSAGES is reachable and declared.
    sent = {code for *_, code in seen}
    unused = {code for code in errors.MESSAGES if code not in sent}
    assert {code for code in unused if not (isinstance(code, int) and 400 <= code < 500)} == set()


# -- the spec as the admin API serves it ----------------------------------------


def test_admin_serves_the_spec_file(base_url: str, http: requests.Session) -> None:
    text = SPEC_PATH.read_text(encoding="utf-8")
    served = http.get(base_url + "/__admin/specs/itrigger")
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("application/yaml")
    assert served.content.decode("utf-8") == text

    as_json = http.get(base_url + "/__admin/specs/itrigger", params={"format": "json"})
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.json() == yaml.safe_load(text)
