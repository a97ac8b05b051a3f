"""specs/sugon.yaml against the OpenAPI standard, errors.py and the running mock.

The codes and messages live in `provider_mocks.providers.sugon.errors.MESSAGES`; the spec repeats
them as enums and examples. These tests hold the two together, and check that every
answer the mock can give on a declared operation is declared, and nothing more.

Key order: the top-level `x-envelope-keys` holds for every answer except those of an
operation with its own (the AK/SK token endpoint) and those matching a schema with its own
`x-envelope-keys` (the renewal's success answer).

Texts: one code may have its own text on one operation (10009 on the AK/SK endpoint); the
spec pins, for each operation, the text `errors.MESSAGES` gives the code there.
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
from provider_mocks.core.provider import text_key
from provider_mocks.providers.sugon import errors
from provider_mocks.providers.sugon.paths import (
    AKSK_PATH,
    CENTER_PATH,
    OPERATIONS,
    RENEW_PATH,
    STATE_PATH,
    TOKENS_PATH,
    USER_PATH,
)
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

from .helpers import ACTIVE, DAY, RENEW_ONLY, key_headers

#: (path, METHOD, HTTP status, envelope code)
Answer = tuple[str, str, int, str]


@pytest.fixture(scope="module")
def spec() -> Node:
    return load_spec("sugon")


def branch_code(spec: Node, branch: Node) -> tuple[str, str]:
    """The one code and the one message a oneOf branch pins."""
    code, message = branch_pins(spec, branch, "msg")
    return code, message


def declared(spec: Node) -> dict[Answer, str]:
    """Every (path, method, status, code) the spec declares, with its message."""
    return declared_codes(spec, "msg")


def key_order(spec: Node, path: str, method: str, schema: Node, payload: Any) -> list[str]:
    """The key order `payload` must have: its matching branch's own, else its operation's, else the spec's."""
    matching = [b for b in branches(spec, schema) if not schema_errors(spec, b, payload)]
    assert len(matching) == 1, f"{payload} matches {len(matching)} branches"
    operation = spec["paths"][path][method.lower()]
    order = matching[0].get("x-envelope-keys", operation.get("x-envelope-keys", spec["x-envelope-keys"]))
    assert isinstance(order, list)
    return order


def text(code: str, path: str) -> str:
    """The code's text on the operation of `path`, as errors.py gives it."""
    return errors.MESSAGES.get(text_key(code, OPERATIONS[path]), errors.MESSAGES[code])


# -- the spec on its own --------------------------------------------------------


def test_spec_is_valid_openapi_3_0_3(spec: Node) -> None:
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["x-provider"] == load("sugon").slug
    assert spec["x-envelope-keys"] == ["code", "msg", "data"]


def test_servers_are_the_real_hosts_and_the_mock(spec: Node) -> None:
    provider = load("sugon")
    servers = {urlsplit(server["url"]).netloc for server in spec["servers"]}
    assert set(provider.hosts) <= servers
    assert f"127.0.0.1:{DEFAULT_PORT}" in servers


def test_every_operation_is_routed_by_the_mock(spec: Node, app: Flask) -> None:
    routes = app.url_map.bind("localhost")
    expected = {
        (TOKENS_PATH, "POST"),
        (AKSK_PATH, "POST"),
        (RENEW_PATH, "POST"),
        (STATE_PATH, "GET"),
        (CENTER_PATH, "GET"),
        (USER_PATH, "GET"),
    }
    assert {(path, method) for path, method, _ in operations(spec)} == expected
    for path, method, _ in operations(spec):
        endpoint, _ = routes.match(path, method=method)
        assert endpoint == f"sugon.{OPERATIONS[path]}", (path, method, endpoint)  # the operation's name


def test_declared_codes_and_messages_are_those_of_errors_py(spec: Node) -> None:
    answers = declared(spec)
    assert answers, "the spec declares no answer"
    for (path, method, status, code), message in answers.items():
        assert isinstance(code, str), f"{method} {path}: code {code!r} is not a string"
        assert code in errors.MESSAGES, f"{method} {path}: code {code} is not in errors.MESSAGES"
        assert message == text(code, path), f"{method} {path}: message of {code}"
        if status != 200:  # HTTP-level failures carry the status as their code
            assert code == str(status), f"{method} {path}: HTTP {status} declares code {code}"


def test_every_platform_code_is_declared(spec: Node) -> None:
    codes = {code for *_, code in declared(spec)}
    http_level = {"400", "404", "405", "413"}
    assert {errors.code_of(key) for key in errors.MESSAGES} - http_level <= codes
    assert {"0", "10001", "10003", "10004", "10007", "10008", "10009"} <= codes


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
                assert value["msg"] == text(value["code"], path), f"{where}: {value}"
                assert example.get("x-source") == sources[value["code"]], f"{where}: x-source of {value}"
                order = key_order(spec, path, method, body["schema"], value)
                assert list(value) == order, f"{where}: key order of {value}"


def test_only_the_renewal_success_and_the_aksk_answers_have_their_own_key_order(spec: Node) -> None:
    own = {
        (path, method, branch_code(spec, b)[0]): b["x-envelope-keys"]
        for path, method, operation in operations(spec)
        for response in operation["responses"].values()
        for b in branches(spec, media(spec, response)[1]["schema"])
        if "x-envelope-keys" in b
    }
    assert own == {(RENEW_PATH, "POST", "0"): ["msg", "code", "data"]}
    by_operation = {
        (path, method): op["x-envelope-keys"]
        for path, method, op in operations(spec)
        if "x-envelope-keys" in op
    }
    assert by_operation == {(AKSK_PATH, "POST"): ["msg", "code", "data"]}


def test_the_aksk_endpoint_has_its_own_10009_text(spec: Node) -> None:
    answers = declared(spec)
    assert answers[(AKSK_PATH, "POST", 200, "10009")] == "校验失败"
    assert answers[(CENTER_PATH, "GET", 200, "10009")] == "没有权限访问接口"
    assert answers[(USER_PATH, "GET", 200, "10009")] == "没有权限访问接口"


def test_the_doc_example_renewal_answer_validates(spec: Node) -> None:
    """The documentation's own example answer, verbatim."""
    example = {
        "msg": "success",
        "code": "0",
        "data": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJjb21wdXRlVXNlciI6Imhhb3dqIiwiYWNjb3VudFN0YXR1cyI6Ik93ZSIsImNyZWF0b3IiOiJhYyIsInJvbGUiOiIxIiwiZXhw"
        "aXJlVGltZSI6IjE2MzQxNzg5ODQ0OTgiLCJjbHVzdGVySWQiOiIxMTEyNiIsImludm9rZXIiOiIyd2VhZGdlcWEiLCJ1c2VyIjoi"
        "aGFvd2oifQ.LUOEH3_7GjbdizcRhdPSpUxkg0mza8XM6Bd3_5ZAa-I",
    }
    schema = {"$ref": "#/components/schemas/RenewAnswer"}
    assert schema_errors(spec, schema, example) == []
    assert key_order(spec, RENEW_PATH, "POST", schema, example) == list(example)


def test_the_public_center_example_validates(spec: Node) -> None:
    """SCNet's 获取授权区域 example (public copy: wcpsoft/scnet_sdk), its URL placeholders filled in."""
    example = {
        "code": "0",
        "msg": "success",
        "data": {
            "id": 11112,
            "name": "OpenAPI计算中心",
            "description": "对外OpenAPI中心",
            "clusterUserInfo": {"userName": "test", "homePath": "/public/home/test"},
            "ingressUrls": [
                {"enable": "true", "isManagerNode": "true", "version": "5.2.2", "url": "https://www.scnet.cn"}
            ],
            "efileUrls": [
                {
                    "nodeName": "h04r3n07",
                    "enable": "true",
                    "fastTransEnable": "true",
                    "udpPort": "65104",
                    "version": "2.6.1",
                    "url": "https://www.scnet.cn/efile",
                }
            ],
            "eshellUrls": [{"enable": "true", "version": "2.4.3", "url": "https://www.scnet.cn/eshell"}],
            "hpcUrls": [
                {
                    "enable": "true",
                    "isManagerNode": "true",
                    "version": "5.2.2",
                    "url": "https://www.scnet.cn/hpc",
                }
            ],
            "aiUrls": [{"enable": "true", "version": "2.4.3", "url": "https://www.scnet.cn/ai"}],
        },
    }
    assert schema_errors(spec, {"$ref": "#/components/schemas/CenterAnswer"}, example) == []


def test_decided_and_public_statements_are_marked_assumed(spec: Node) -> None:
    found = marked(spec)
    assert found, "nothing in the spec says where it comes from"
    check_assumed_marks(found)


def test_every_operation_code_and_example_says_its_source(spec: Node) -> None:
    check_answer_marks(spec, "x-source", lambda branch: f"code {branch_code(spec, branch)[0]}")


def test_decided_operations_and_codes_are_assumed(spec: Node) -> None:
    """Only the renewal is documented; the other operations come from public material."""
    sources = {(path, method): op["x-source"] for path, method, op in operations(spec)}
    assert sources == {
        (TOKENS_PATH, "POST"): "public",
        (AKSK_PATH, "POST"): "public",
        (RENEW_PATH, "POST"): "doc",
        (STATE_PATH, "GET"): "public",
        (CENTER_PATH, "GET"): "public",
        (USER_PATH, "GET"): "public",
    }
    for name in ("UserFrozen", "SignatureRefused", "CenterOk", "UserOk"):
        assert resolve(spec, {"$ref": f"#/components/schemas/{name}"})["x-assumed"] is True, name


# -- the spec against the running mock ------------------------------------------

TOKENS, KEY, RENEW, STATE, CENTER, USER = (
    (TOKENS_PATH, "POST"),
    (AKSK_PATH, "POST"),
    (RENEW_PATH, "POST"),
    (STATE_PATH, "GET"),
    (CENTER_PATH, "GET"),
    (USER_PATH, "GET"),
)


@dataclass
class Context(LiveContext):
    slug = "sugon"

    def credentials(self, role: str = "demo") -> dict[str, str]:
        found = self.mocks.model("sugon").demo_credentials()[role]
        return {k: v for k, v in found.items() if k != "note"}

    def login(self, role: str = "demo", **override: str) -> requests.Response:
        creds = self.credentials(role) | override
        return self.call(TOKENS_PATH, "POST", headers=creds)

    def key_login(self, **override: str) -> requests.Response:
        stamp = int(self.mocks.clock.time())
        return self.call(AKSK_PATH, "POST", headers=key_headers(self.credentials("aksk"), stamp, **override))

    def token(self, cluster_id: str = ACTIVE) -> str:
        answer = self.login().json()
        assert answer["code"] == errors.OK, answer
        found: str = next(item["token"] for item in answer["data"] if item["clusterId"] == cluster_id)
        return found

    def with_token(self, operation: tuple[str, str], jwt: str) -> requests.Response:
        return self.call(operation[0], operation[1], headers={"token": jwt})

    def expired(self, operation: tuple[str, str], seconds: float) -> requests.Response:
        jwt = self.token()
        self.mocks.clock.advance(seconds)
        return self.with_token(operation, jwt)

    def frozen(self, operation: tuple[str, str]) -> requests.Response:
        jwt = self.token()
        user = self.credentials()["user"]
        self.http.patch(
            f"{self.base_url}/__admin/sugon/users/{user}", json={"frozen": True}
        ).raise_for_status()
        return self.with_token(operation, jwt)

    def crashed(self, operation: tuple[str, str], method: str) -> requests.Response:
        jwt = self.token()
        self.crash(method)
        return self.with_token(operation, jwt)


@dataclass(frozen=True)
class Case:
    name: str
    #: The spec operation the request is aimed at, (path, method); the request may use another method.
    operation: tuple[str, str]
    #: The envelope code the case provokes.
    code: str
    send: Callable[[Context], requests.Response]


def _login_crash(c: Context) -> requests.Response:
    c.crash("login")
    return c.login()


def _key_crash(c: Context) -> requests.Response:
    c.crash("login_with_key")
    return c.key_login()


def _key_frozen(c: Context) -> requests.Response:
    user = c.credentials("aksk")["user"]
    c.http.patch(f"{c.base_url}/__admin/sugon/users/{user}", json={"frozen": True}).raise_for_status()
    return c.key_login()


def _not_allowed(operation: tuple[str, str]) -> Callable[[Context], requests.Response]:
    """A call of `operation` with a token of a region that may call nothing."""

    def send(c: Context) -> requests.Response:
        c.http.patch(f"{c.base_url}/__admin/sugon/regions/{ACTIVE}", json={"apis": []}).raise_for_status()
        return c.with_token(operation, c.token())

    return send


CASES = [
    Case("tokens ok", TOKENS, "0", lambda c: c.login()),
    Case("tokens no headers", TOKENS, "10003", lambda c: c.call(TOKENS_PATH, "POST")),
    Case("tokens wrong password", TOKENS, "10004", lambda c: c.login(password="wrong")),
    Case("tokens frozen", TOKENS, "10007", lambda c: c.login("frozen")),
    Case("tokens crash", TOKENS, "10001", _login_crash),
    Case("tokens GET", TOKENS, "405", lambda c: c.call(TOKENS_PATH, "GET")),
    Case("tokens big body", TOKENS, "413", lambda c: c.call(TOKENS_PATH, "POST", data=c.too_large())),
    Case("key ok", KEY, "0", lambda c: c.key_login()),
    Case("key no headers", KEY, "10003", lambda c: c.call(AKSK_PATH, "POST")),
    Case("key unknown", KEY, "10004", lambda c: c.key_login(accessKey="0" * 32)),
    Case("key bad signature", KEY, "10009", lambda c: c.key_login(signature="0" * 64)),
    Case("key frozen", KEY, "10007", _key_frozen),
    Case("key crash", KEY, "10001", _key_crash),
    Case("key PUT", KEY, "405", lambda c: c.call(AKSK_PATH, "PUT")),
    Case("key big body", KEY, "413", lambda c: c.call(AKSK_PATH, "POST", data=c.too_large())),
    Case("renew ok", RENEW, "0", lambda c: c.with_token(RENEW, c.token())),
    Case("renew no token", RENEW, "10003", lambda c: c.call(RENEW_PATH, "POST")),
    Case("renew forged", RENEW, "10004", lambda c: c.with_token(RENEW, c.token()[:-2])),
    Case("renew frozen", RENEW, "10007", lambda c: c.frozen(RENEW)),
    Case("renew too late", RENEW, "10008", lambda c: c.expired(RENEW, 2 * DAY + 60)),
    Case("renew not allowed", RENEW, "10009", _not_allowed(RENEW)),
    Case("renew crash", RENEW, "10001", lambda c: c.crashed(RENEW, "renew")),
    Case("renew GET", RENEW, "405", lambda c: c.call(RENEW_PATH, "GET")),
    Case("renew big body", RENEW, "413", lambda c: c.call(RENEW_PATH, "POST", data=c.too_large())),
    Case("state ok", STATE, "0", lambda c: c.with_token(STATE, c.token("0"))),
    Case("state no token", STATE, "10003", lambda c: c.call(STATE_PATH, "GET")),
    Case("state forged", STATE, "10004", lambda c: c.with_token(STATE, "a.b.c")),
    Case("state frozen", STATE, "10007", lambda c: c.frozen(STATE)),
    Case("state expired", STATE, "10008", lambda c: c.expired(STATE, DAY)),
    Case("state crash", STATE, "10001", lambda c: c.crashed(STATE, "state")),
    Case("state POST", STATE, "405", lambda c: c.call(STATE_PATH, "POST")),
    Case("state big body", STATE, "413", lambda c: c.call(STATE_PATH, "GET", data=c.too_large())),
    Case("center ok", CENTER, "0", lambda c: c.with_token(CENTER, c.token())),
    Case("center no token", CENTER, "10003", lambda c: c.call(CENTER_PATH, "GET")),
    Case("center forged", CENTER, "10004", lambda c: c.with_token(CENTER, "x")),
    Case("center frozen", CENTER, "10007", lambda c: c.frozen(CENTER)),
    Case("center expired", CENTER, "10008", lambda c: c.expired(CENTER, DAY)),
    Case("center not allowed", CENTER, "10009", lambda c: c.with_token(CENTER, c.token(RENEW_ONLY))),
    Case("center crash", CENTER, "10001", lambda c: c.crashed(CENTER, "center")),
    Case("center DELETE", CENTER, "405", lambda c: c.call(CENTER_PATH, "DELETE")),
    Case("center big body", CENTER, "413", lambda c: c.call(CENTER_PATH, "GET", data=c.too_large())),
    Case("user ok", USER, "0", lambda c: c.with_token(USER, c.token(RENEW_ONLY))),
    Case("user no token", USER, "10003", lambda c: c.call(USER_PATH, "GET")),
    Case("user forged", USER, "10004", lambda c: c.with_token(USER, "a.b")),
    Case("user frozen", USER, "10007", lambda c: c.frozen(USER)),
    Case("user expired", USER, "10008", lambda c: c.expired(USER, DAY)),
    Case("user not allowed", USER, "10009", _not_allowed(USER)),
    Case("user crash", USER, "10001", lambda c: c.crashed(USER, "account")),
    Case("user PATCH", USER, "405", lambda c: c.call(USER_PATH, "PATCH")),
    Case("user big body", USER, "413", lambda c: c.call(USER_PATH, "GET", data=c.too_large())),
]  # fmt: skip


@pytest.fixture
def context(
    base_url: str, http: requests.Session, mocks: Mocks, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Context:
    mocks.clock.freeze()
    return Context(base_url, http, mocks, app, monkeypatch)


def check_answer(spec: Node, case: Case, answer: requests.Response) -> Answer:
    """`answer` is one the spec declares for the case's operation; returns its key."""
    payload = check_declared(
        spec,
        case.operation,
        case.name,
        answer,
        lambda schema, payload: key_order(spec, *case.operation, schema, payload),
    )
    return *case.operation, answer.status_code, payload["code"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_mock_answer_is_declared(spec: Node, context: Context, case: Case) -> None:
    answer = case.send(context)
    assert answer.json()["code"] == case.code, f"{case.name}: {answer.text}"
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
    # Only HTTP-level codes may be left out (400, 404: answered off these operations);
    # every platform code of errors.MESSAGES is reachable and declared.
    sent = {text_key(code, OPERATIONS[path]) for path, _, _, code in seen} | {code for *_, code in seen}
    unused = {str(key) for key in errors.MESSAGES if key not in sent}
    assert unused == {"400", "404"}


# -- the spec as the admin API serves it ----------------------------------------


def test_admin_serves_the_spec_file(base_url: str, http: requests.Session) -> None:
    check_served(http, base_url, "sugon")
