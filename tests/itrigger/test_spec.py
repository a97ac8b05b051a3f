"""specs/itrigger.yaml against the OpenAPI standard, errors.py and the running mock.

The codes and messages live in `provider_mocks.providers.itrigger.errors.MESSAGES`; the spec
repeats them as enums and examples. These tests hold the two together, and check that
every answer the mock can give on a declared operation is declared, and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from openapi_spec_validator import validate

from provider_mocks import Mocks
from provider_mocks.cli import DEFAULT_PORT
from provider_mocks.core.plugins import load
from provider_mocks.providers.itrigger import errors
from provider_mocks.providers.itrigger.models import DEMO_GET, DEMO_POST, TOKEN_PATH
from tests.specs import (
    LiveContext,
    Node,
    branch_pins,
    branches,
    check_answer_marks,
    check_assumed_marks,
    check_declared,
    check_served,
    declared_codes,
    load_spec,
    marked,
    media,
    one_by_one,
    operations,
    resolve,
    schema_errors,
)

#: (path, METHOD, HTTP status, envelope code)
Answer = tuple[str, str, int, int]


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("itrigger")


def branch_code(spec: Node, branch: Node) -> tuple[int, str]:
    """The one code and the one message a oneOf branch pins."""
    code, message = branch_pins(spec, branch)
    return code, message


def declared(spec: Node) -> dict[Answer, str]:
    """Every (path, method, status, code) the spec declares, with its message."""
    return declared_codes(spec)


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


def test_decided_and_public_statements_are_marked_assumed(spec: Node) -> None:
    found = marked(spec)
    assert found, "nothing in the spec says where it comes from"
    check_assumed_marks(found)


def test_every_operation_code_and_example_says_its_source(spec: Node) -> None:
    check_answer_marks(spec, "x-source", lambda branch: f"code {branch_code(spec, branch)[0]}")


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, GET, POST = (TOKEN_PATH, "GET"), (DEMO_GET, "GET"), (DEMO_POST, "POST")


@dataclass
class Context(LiveContext):
    slug = "itrigger"

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
    envelope = list(resolve(spec, {"$ref": "#/components/schemas/Envelope"})["properties"])
    payload = check_declared(spec, case.operation, case.name, answer, lambda schema, payload: envelope)
    return *case.operation, answer.status_code, payload["code"]


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
    for case in one_by_one(CASES, context, mocks, monkeypatch):
        seen.add(check_answer(spec, case, case.send(context)))
    assert seen == set(declared(spec))
    # Only HTTP-level codes may be left out (400, 404, 414: answered off these operations);
    # every provider code of errors.MESSAGES is reachable and declared.
    sent = {code for *_, code in seen}
    unused = {code for code in errors.MESSAGES if code not in sent}
    assert {code for code in unused if not (isinstance(code, int) and 400 <= code < 500)} == set()


# -- the spec as the admin API serves it ----------------------------------------


def test_admin_serves_the_spec_file(base_url: str, http: requests.Session) -> None:
    check_served(http, base_url, "itrigger")
