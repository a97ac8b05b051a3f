"""specs/credential.yaml against the OpenAPI standard, errors.py and the running mock.

The codes and messages live in `provider_mocks.providers.credential.errors.MESSAGES`; the spec
repeats them as enums and examples. These tests hold the two together, and check that
every answer the mock can give on a declared operation is declared, and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from openapi_spec_validator import validate

from provider_mocks import Mocks
from provider_mocks.cli import DEFAULT_PORT
from provider_mocks.core.plugins import load
from provider_mocks.providers.credential import errors
from provider_mocks.providers.credential.models import DEMO_ECHO, TOKEN_PATH
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

ENVELOPE_KEYS = [
    "code",
    "message",
    "_trackId",
    "data",
    "extr",
    "timestamp",
    "_status",
    "ok",
]  #: (path, METHOD, HTTP status, envelope code)
Answer = tuple[str, str, int, int]


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("credential")


def branch_code(spec: Node, branch: Node) -> tuple[int, str | None]:
    """The one code and the one message (null on success) a oneOf branch pins."""
    code, message = branch_pins(spec, branch)
    return code, message


def declared(spec: Node) -> dict[Answer, str | None]:
    """Every (path, method, status, code) the spec declares, with its message."""
    return declared_codes(spec)


# -- the spec on its own --------------------------------------------------------


def test_spec_is_valid_openapi_3_0_3(spec: Node) -> None:
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["x-provider"] == load("credential").slug


def test_servers_include_the_mock(spec: Node) -> None:
    servers = {urlsplit(server["url"]).netloc for server in spec["servers"]}
    assert f"127.0.0.1:{DEFAULT_PORT}" in servers


def test_every_operation_is_routed_by_the_mock(spec: Node, app: Flask) -> None:
    routes = app.url_map.bind("localhost")
    expected = {(TOKEN_PATH, "POST"), (DEMO_ECHO, "POST")}
    assert {(path, method) for path, method, _ in operations(spec)} == expected
    for path, method, _ in operations(spec):
        endpoint, _ = routes.match(path, method=method)
        assert endpoint.startswith("credential."), (path, method, endpoint)


def test_declared_codes_and_messages_are_those_of_errors_py(spec: Node) -> None:
    answers = declared(spec)
    assert answers, "the spec declares no answer"
    for (path, method, status, code), message in answers.items():
        if code == errors.OK:
            assert message is None, f"{method} {path}: success has a null message"
            continue
        assert code in errors.MESSAGES, f"{method} {path}: code {code} is not in errors.MESSAGES"
        assert message == errors.MESSAGES[code], f"{method} {path}: message of {code}"
        if status != 200:  # HTTP-level failures carry the status as their code
            assert code == status, f"{method} {path}: HTTP {status} declares code {code}"


def test_every_platform_code_is_declared_on_some_operation(spec: Node) -> None:
    codes = {code for *_, code in declared(spec)}
    platform = {code for code in errors.MESSAGES if isinstance(code, int) and code >= 10000}
    assert platform == {10101, 10102, 10103, 10104, 10106, 10131, 10133, 10134}
    assert platform <= codes


def test_codes_the_mock_cannot_send_are_described_not_declared(spec: Node) -> None:
    codes = {code for *_, code in declared(spec)}
    for code, message in (
        (10132, "签名验证失败，请按照文档重新生成签名！"),
        (10135, "解密合作方应用请求数据失败，请联系管理员！"),
    ):
        assert code not in codes
        assert code not in errors.MESSAGES
        assert f"{code}" in spec["info"]["description"]
        assert message in spec["info"]["description"]


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
                assert list(value) == ENVELOPE_KEYS, f"{where}: key order of {value}"
                assert schema_errors(spec, body["schema"], value) == [], f"{where}: example {value}"
                matching = [b for b in schema_branches if not schema_errors(spec, b, value)]
                assert len(matching) == 1, f"{where}: {value} matches {len(matching)} branches"
                expected = None if value["code"] == errors.OK else errors.MESSAGES[value["code"]]
                assert value["message"] == expected, f"{where}: {value}"
                assert example.get("x-source") == sources[value["code"]], f"{where}: x-source of {value}"


def test_decided_and_public_statements_are_marked_assumed(spec: Node) -> None:
    found = marked(spec)
    assert found, "nothing in the spec says where it comes from"
    check_assumed_marks(found)


def test_every_operation_code_and_example_says_its_source(spec: Node) -> None:
    check_answer_marks(spec, "x-source", lambda branch: f"code {branch_code(spec, branch)[0]}")


def test_the_decided_demo_api_is_marked_assumed(spec: Node) -> None:
    operation = spec["paths"][DEMO_ECHO]["post"]
    assert (operation["x-source"], operation["x-assumed"]) == ("decided", True)


# -- the envelope and trackId -------------------------------------------------


def test_envelope_keys_are_the_captured_order(spec: Node) -> None:
    assert spec["x-envelope-keys"] == ENVELOPE_KEYS
    assert spec["x-envelope-key-aliases"] == {"trackId": "_trackId"}
    envelope = spec["components"]["schemas"]["Envelope"]
    assert [k for k in envelope["properties"] if k != "trackId"] == ENVELOPE_KEYS


def _answer(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": 10134,
        "message": "非法的AccessToken或已失效，请重新获取！",
        "_trackId": None,
        "data": None,
        "extr": None,
        "timestamp": 1772337600000,
        "_status": None,
        "ok": False,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v != "DROP"}


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        (_answer(), True),
        (_answer(_trackId="DROP", trackId=None), True),  # the documentation's spelling
        (_answer(_trackId="abc"), True),
        (_answer(trackId=None), False),  # both spellings at once
        (_answer(_trackId="DROP"), False),  # neither
        (_answer(extr="DROP"), False),
        (_answer(extra=1), False),
        (_answer(timestamp=1.5), False),
        (_answer(ok=True), False),
        (_answer(data="x"), False),
    ],
)
def test_echo_answer_schema_accepts_either_track_id_spelling(
    spec: Node, body: dict[str, Any], accepted: bool
) -> None:
    schema = spec["paths"][DEMO_ECHO]["post"]["responses"]["200"]["content"][
        "application/json;charset=UTF-8"
    ]["schema"]
    assert (schema_errors(spec, schema, body) == []) is accepted, body


# -- the spec against the running mock ------------------------------------------

#: The spec's operations by a short name: (path, method).
TOKEN, ECHO = (TOKEN_PATH, "POST"), (DEMO_ECHO, "POST")


@dataclass
class Context(LiveContext):
    slug = "credential"
    method = "POST"

    def credentials(self, role: str = "demo") -> dict[str, str]:
        found = self.mocks.model("credential").demo_credentials()[role]
        return {"clientId": found["clientId"], "secret": found["secret"], "userType": "2"}

    def fetch(self, **params: str) -> requests.Response:
        return self.call(TOKEN_PATH, params=params)

    def token(self, role: str = "demo") -> str:
        answer = self.fetch(**self.credentials(role)).json()
        assert answer["code"] == errors.OK, answer
        token: str = answer["data"]
        return token

    def headers(self) -> dict[str, str]:
        """Both business headers, with a live token of the demo app."""
        return {"Access-Token": self.token(), "Request-Id": "r-1"}

    def echo(self, token: str | None, body: Any = None, request_id: str | None = "r-1") -> requests.Response:
        headers = {"Access-Token": token, "Request-Id": request_id}
        return self.call(DEMO_ECHO, headers={k: v for k, v in headers.items() if v is not None}, json=body)

    def admin(self, path: str, body: dict[str, Any]) -> None:
        answer = self.http.patch(f"{self.base_url}/__admin/credential{path}", json=body)
        assert answer.status_code == 200, answer.text


@dataclass(frozen=True)
class Case:
    name: str
    #: The spec operation the request is aimed at, (path, method); the request may use another method.
    operation: tuple[str, str]
    #: The envelope code the case provokes.
    code: int
    send: Callable[[Context], requests.Response]


def _token_crash(c: Context) -> requests.Response:
    c.crash("issue_token")
    return c.fetch(**c.credentials())


def _echo_crash(c: Context) -> requests.Response:
    token = c.token()
    c.crash("authorize")
    return c.echo(token)


def _request_id_required(c: Context) -> requests.Response:
    c.monkeypatch.setattr(c.mocks.model("credential").config.settings, "require_request_id", True)
    return c.echo(c.token(), BODY, None)


def _expired(c: Context) -> requests.Response:
    token = c.token()
    c.mocks.clock.advance(7200)
    return c.echo(token)


def _disabled_since(path: str, body: dict[str, Any]) -> Callable[[Context], requests.Response]:
    def send(c: Context) -> requests.Response:
        token = c.token()
        c.admin(path.replace("CLIENT", c.credentials()["clientId"]), body)
        return c.echo(token, {"a": 1})

    return send


BODY = {"名称": "合作方", "items": [1, 2], "nested": {"a": None}}

CASES = [
    Case("token ok", TOKEN, errors.OK, lambda c: c.fetch(**c.credentials())),
    Case("token ok in the body", TOKEN, errors.OK, lambda c: c.call(TOKEN_PATH, data=c.credentials())),
    Case("token no params", TOKEN, errors.MISSING_PARAMETERS, lambda c: c.fetch()),
    Case("token json body", TOKEN, errors.MISSING_PARAMETERS,
         lambda c: c.call(TOKEN_PATH, json=c.credentials())),
    Case("token user type 1", TOKEN, errors.MISSING_PARAMETERS,
         lambda c: c.fetch(**{**c.credentials(), "userType": "1"})),
    Case("token unknown client", TOKEN, errors.UNKNOWN_CLIENT,
         lambda c: c.fetch(**{**c.credentials(), "clientId": "nobody"})),
    Case("token wrong secret", TOKEN, errors.WRONG_SECRET,
         lambda c: c.fetch(**{**c.credentials(), "secret": "wrong"})),
    Case("token disabled app", TOKEN, errors.APP_DISABLED, lambda c: c.fetch(**c.credentials("disabled"))),
    Case("token disabled partner", TOKEN, errors.PARTNER_DISABLED,
         lambda c: c.fetch(**c.credentials("partner_off"))),
    Case("token ip refused", TOKEN, errors.IP_REFUSED, lambda c: c.fetch(**c.credentials("ip_limited"))),
    Case("token crash", TOKEN, errors.SYSTEM_ERROR, _token_crash),
    Case("token GET", TOKEN, 405, lambda c: c.call(TOKEN_PATH, "GET", params=c.credentials())),
    Case("token big body", TOKEN, 413, lambda c: c.call(TOKEN_PATH, data=c.too_large())),
    Case("echo ok", ECHO, errors.OK, lambda c: c.echo(c.token(), BODY)),
    Case("echo empty body", ECHO, errors.OK, lambda c: c.echo(c.token())),
    Case("echo no token", ECHO, errors.MISSING_PARAMETERS, lambda c: c.echo(None, BODY)),
    Case("echo no request id", ECHO, errors.OK, lambda c: c.echo(c.token(), BODY, None)),
    Case("echo no request id, required", ECHO, errors.MISSING_PARAMETERS, _request_id_required),
    Case("echo not json", ECHO, errors.MISSING_PARAMETERS,
         lambda c: c.call(DEMO_ECHO, headers=c.headers(), data=b"{not json")),
    Case("echo bad token", ECHO, errors.TOKEN_INVALID, lambda c: c.echo("not-a-token", BODY)),
    Case("echo expired token", ECHO, errors.TOKEN_INVALID, _expired),
    Case("echo app disabled since", ECHO, errors.APP_DISABLED,
         _disabled_since("/apps/CLIENT", {"disabled": True})),
    Case("echo partner disabled since", ECHO, errors.PARTNER_DISABLED,
         _disabled_since("/partners/partner-demo", {"disabled": True})),
    Case("echo ip refused", ECHO, errors.IP_REFUSED,
         _disabled_since("/apps/CLIENT", {"ip_allowlist": ["192.0.2.1"]})),
    Case("echo not granted", ECHO, errors.NOT_GRANTED, lambda c: c.echo(c.token("not_granted"), BODY)),
    Case("echo crash", ECHO, errors.SYSTEM_ERROR, _echo_crash),
    Case("echo PUT", ECHO, 405, lambda c: c.call(DEMO_ECHO, "PUT", json=BODY)),
    Case("echo big body", ECHO, 413, lambda c: c.call(DEMO_ECHO, headers=c.headers(), data=c.too_large())),
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
    return *case.operation, answer.status_code, payload["code"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_mock_answer_is_declared(spec: Node, context: Context, case: Case) -> None:
    answer = case.send(context)
    assert answer.json()["code"] == case.code, f"{case.name}: {answer.text}"
    check_answer(spec, case, answer)


def test_echo_answers_hold_what_was_sent(context: Context) -> None:
    assert context.echo(context.token(), BODY).json()["data"] == BODY


def test_spec_declares_exactly_what_the_mock_sends(
    spec: Node, context: Context, mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All cases together reach every answer the spec declares, and no other."""
    seen: set[Answer] = set()
    for case in one_by_one(CASES, context, mocks, monkeypatch):
        seen.add(check_answer(spec, case, case.send(context)))
    assert seen == set(declared(spec))
    # Only HTTP-level codes may be left out (400, 404, 414: answered off these operations);
    # every platform code of errors.MESSAGES is reachable and declared.
    sent = {code for *_, code in seen}
    unused = {code for code in errors.MESSAGES if code not in sent}
    assert {code for code in unused if not (isinstance(code, int) and 400 <= code < 500)} == set()


# -- the spec as the admin API serves it ----------------------------------------


def test_admin_serves_the_spec_file(base_url: str, http: requests.Session) -> None:
    check_served(http, base_url, "credential")
